"""Link on a daily batch: the link stage alone, on a store whose newest ads are ingested and extracted.

`bench/scale.py --batch` times the whole pipeline for a batch; this isolates its link stage and splits
it by step, so a change to link can be measured on the same input again and again. It builds, once, a
store of the cached demo corpus's older ads (ingested, extracted, linked) with the newest `--batch`
ads ingested and extracted on top but not linked (`prelink.db` under the cache), then links a COPY of
it in this process and prints wall and CPU seconds (with its worker processes'), peak RSS and each
step's CPU seconds ("write" includes "confidence"; "control" includes "templates"; "text" includes
"text_items" and "text_index"). With
--fresh it instead re-links every ad of the copy from its stored features as a first run would
(`bench/relink.py`): what a batch would cost if link were no more incremental than a rebuild.

    nice -n 10 .venv/bin/python bench/batch_link.py --size 115000 --batch 15000
    nice -n 10 .venv/bin/python bench/batch_link.py --size 115000 --batch 15000 --fresh
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import delete, update

from safeharbor.link import run as link_run
from safeharbor.link.run import GRAPH_CURRENT_KEY, TEXT_BASE_KEY, update_networks
from safeharbor.link.tables import link_state, link_text_bands
from safeharbor.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import DEFAULT_CACHE, cached_corpus, run_stage, split_corpus  # noqa: E402


def prelink_store(cache: Path, size: int, batch: int, seed: int) -> Path:
    """The store with the batch ingested and extracted but not linked (built once, then reused)."""
    out = cache / f"batchlink-{size}-{batch}-{seed}" / "prelink.db"
    if out.exists():
        return out
    data = cached_corpus(cache, size, seed)
    base, new = split_corpus(data, batch)
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.with_suffix(".building")
    for stage, path in (
        ("ingest", base),
        ("extract", base),
        ("link", base),
        ("ingest", new),
        ("extract", new),
    ):
        t = time.perf_counter()
        run_stage(stage, str(building), path)
        print(f"  (prelink store: {stage} {path.name} in {time.perf_counter() - t:.0f}s)", file=sys.stderr)
    _copy(building, out)
    building.unlink()
    return out


def _copy(src: Path, dst: Path) -> None:
    """A consistent copy of an SQLite store (its write-ahead log included)."""
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=115_000, help="ads in the corpus, batch included")
    parser.add_argument("--batch", type=int, default=15_000, help="the newest N ads are the batch")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--fresh", action="store_true", help="re-link every ad as a first run would")
    args = parser.parse_args()
    prelink = prelink_store(args.cache, args.size, args.batch, args.seed)
    work = Path(tempfile.mkdtemp(prefix="batchlink-", dir=args.cache))
    try:
        db = work / "store.db"
        _copy(prelink, db)
        store = open_store(str(db))
        if args.fresh:  # as bench/relink.py: no stored state lets the run be incremental
            update_networks(store)  # the batch first, so that the re-link sees every ad's features
            with store.begin() as conn:
                conn.execute(
                    update(link_state).where(link_state.c.key == GRAPH_CURRENT_KEY).values(value="0")
                )
                conn.execute(delete(link_state).where(link_state.c.key == TEXT_BASE_KEY))
                conn.execute(delete(link_text_bands))
        # Steps in CPU seconds, not wall (a shared machine's load moves wall time several-fold): the
        # link stage times its steps with `time.perf_counter`, which this points at the process clock.
        link_run.time = SimpleNamespace(perf_counter=time.process_time)  # type: ignore[assignment]
        wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        summary = update_networks(store)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu + _children_cpu() - children
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store.dispose()
    finally:
        shutil.rmtree(work)
    what = "re-linked (fresh)" if args.fresh else f"linked a batch of {args.batch:,} onto"
    print(
        f"{what} {summary.ads_total:,} ads: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_mb:,.0f} MB"
        f" (of this process; with --fresh it includes the batch's own link before the re-link)"
    )
    print(
        "  steps (CPU s of this process; workers' not counted): "
        + ", ".join(f"{k} {v:.1f}" for k, v in summary.timings.items())
    )
    print(
        f"  {summary.ads_featured:,} ads featured, {summary.text_recomputed:,} text signatures "
        f"recomputed, {summary.networks:,} networks, {summary.records_written:,} records written, "
        f"{getattr(summary, 'confidence_reused', 0):,} networks' stored confidence kept"
    )


if __name__ == "__main__":
    main()
