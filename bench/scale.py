"""`make bench-scale`: the cost curve of the whole pipeline, stage by stage, at several corpus sizes.

For each size it ingests a cached demo corpus into a fresh store and runs every stage the user runs
(`safeharbor ingest`, the four steps of `safeharbor analyze`, `safeharbor export ads`), each in its own
process, so that each stage's wall time and peak resident memory (of the process and its worker
children, from wait4) are its own. It prints ads/s per stage and end to end, and the ratio to a plain
`json.loads` of every line of the same file (the floor any loader pays).

    make bench-scale                                   # 20k ads: a quick look
    make bench-scale ARGS="--sizes 100000,300000,1000000"
    make bench-scale ARGS="--sizes 1000000 --batch 150000"   # + a daily batch onto the store

With `--batch M` the last M ads of the corpus (the newest: the corpus is in time order) are held back,
the rest is ingested and analysed, then the batch is ingested and analysed on top: the incremental
cost of a day's new ads. Corpora are generated once and cached (default /tmp/safeharbor-bench; 1M ads
take several minutes to generate). Put `nice -n 5` in front on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from safeharbor.demo import generate
from safeharbor.export.ads import ad_records
from safeharbor.extract.run import extract_pending
from safeharbor.ingest import ingest_file
from safeharbor.ingest.unreadable import set_aside_unreadable_ads
from safeharbor.link.run import update_networks
from safeharbor.score.run import update_scores
from safeharbor.store import open_store
from safeharbor.workspace.search import update_index

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import mark  # noqa: E402

DEFAULT_CACHE = Path(os.environ.get("SAFEHARBOR_BENCH_CACHE", "/tmp/safeharbor-bench"))
STAGES = ("ingest", "extract", "index", "link", "score", "export")
TARGET_E2E_ADS_PER_S = 3300  # issue 14: >= 3,300 ads/s end to end at 100k
TARGET_1M_S = 300  # 1M ads, JSONL to export, <= 5 minutes
TARGET_PEAK_MB = 4096
TARGET_BATCH_S = 60  # a 150k daily batch onto a 1M store


def cached_corpus(cache: Path, n_ads: int, seed: int) -> Path:
    """The demo corpus of n_ads for this seed (with abstract images), generated once into `cache`."""
    out = cache / f"corpus-{n_ads}-{seed}"
    if not (out / "truth.jsonl").exists():
        t = time.perf_counter()
        generate(out, n_ads, seed, images=True)
        print(f"  (generated {n_ads:,} ads in {time.perf_counter() - t:.0f}s -> {out})", file=sys.stderr)
    return out


def split_corpus(data: Path, batch: int) -> tuple[Path, Path]:
    """Split ads.jsonl into the older part and the newest `batch` ads (images stay shared)."""
    base, new = data / f"base-{batch}.jsonl", data / f"batch-{batch}.jsonl"
    if not new.exists():
        with open(data / "ads.jsonl", encoding="utf-8") as fh:
            lines = [line for line in fh if line.strip()]
        base.write_text("".join(lines[:-batch]), encoding="utf-8")
        new.write_text("".join(lines[-batch:]), encoding="utf-8")
    return base, new


def json_parse_seconds(path: Path) -> tuple[int, float]:
    """Lines and seconds for a plain json.loads of every line: the baseline."""
    t = time.perf_counter()
    n = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                json.loads(line)
                n += 1
    return n, time.perf_counter() - t


def run_stage(stage: str, db: str, path: Path) -> None:
    """One stage in this process, exactly as the CLI runs it."""
    store = open_store(db)
    if stage == "ingest":
        ingest_file(store, path)
    elif stage == "extract":
        set_aside_unreadable_ads(store)
        extract_pending(store)
    elif stage == "index":
        update_index(store)
    elif stage == "link":
        update_networks(store)
    elif stage == "score":
        update_scores(store)
    elif stage == "export":
        with store.connect() as conn, open(path, "w", encoding="utf-8") as out:
            for record in ad_records(conn):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


@dataclass
class Timing:
    seconds: float
    peak_mb: float
    # User + system CPU of the process and its workers: on a shared machine the wall time depends on
    # what else runs, the CPU time much less.
    cpu_s: float = 0.0


def timed(stage: str, db: str, path: Path) -> Timing:
    """Run one stage in a child process; its wall time and peak RSS (the child and its own children)."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--stage", stage, "--db", db, "--path", str(path)])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"stage {stage} failed with exit code {proc.returncode}")
    return Timing(time.perf_counter() - t, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def pipeline(db: str, ads_file: Path, export_to: Path) -> dict[str, Timing]:
    return {stage: timed(stage, db, export_to if stage == "export" else ads_file) for stage in STAGES}


def print_rows(label: str, n: int, timings: dict[str, Timing], parse_s: float) -> float:
    total = sum(t.seconds for t in timings.values())
    cpu = sum(t.cpu_s for t in timings.values())
    peak = max(t.peak_mb for t in timings.values())
    cells = " ".join(f"{t.seconds:>7.1f}s/{t.peak_mb:>5.0f}" for t in timings.values())
    print(
        f"{label:>16} {n:>9,} {cells} {total:>8.1f}s {n / total:>7,.0f} {peak:>7.0f} {total / parse_s:>7.0f}x"
    )
    cpu_cells = " ".join(f"{t.cpu_s:>13.1f}c" for t in timings.values())
    print(f"{'CPU s':>16} {'':>9} {cpu_cells} {cpu:>8.1f}c {n / cpu:>7,.0f}")
    return total


def header() -> None:
    stages = " ".join(f"{s + ' s/MB':>14}" for s in STAGES)
    print(f"{'run':>16} {'ads':>9} {stages} {'total':>9} {'ads/s':>7} {'peak MB':>7} {'/parse':>8}")


def measure_size(cache: Path, n: int, seed: int, batch: int, keep: bool) -> dict[str, float]:
    data = cached_corpus(cache, n, seed)
    ads_file = data / "ads.jsonl"
    lines, parse_s = json_parse_seconds(ads_file)
    work = Path(tempfile.mkdtemp(prefix=f"scale-{n}-", dir=cache))
    db = str(work / "scale.db")
    result: dict[str, float] = {"ads": lines, "parse_s": parse_s}
    try:
        if batch:
            base, new = split_corpus(data, batch)
            _, base_parse = json_parse_seconds(base)
            first = pipeline(db, base, work / "ads-export.jsonl")
            result["base_s"] = print_rows("store", lines - batch, first, base_parse)
            _, batch_parse = json_parse_seconds(new)
            second = pipeline(db, new, work / "ads-export.jsonl")
            result["batch_s"] = print_rows(f"+ batch {batch:,}", batch, second, batch_parse)
            result["peak_mb"] = max(t.peak_mb for t in (*first.values(), *second.values()))
        else:
            timings = pipeline(db, ads_file, work / "ads-export.jsonl")
            result["total_s"] = print_rows("fresh store", lines, timings, parse_s)
            result["peak_mb"] = max(t.peak_mb for t in timings.values())
            result.update({f"{s}_s": t.seconds for s, t in timings.items()})
    finally:
        if not keep:
            for p in sorted(work.iterdir(), reverse=True):
                p.unlink()
            work.rmdir()
    return result


def verdicts(results: list[dict[str, float]], batch: int) -> None:
    for r in results:
        n = int(r["ads"])
        if "total_s" in r:
            rate = n / r["total_s"]
            ratio = r["total_s"] / r["parse_s"]
            line = f"{n:,} ads: {rate:,.0f} ads/s end to end, {ratio:.0f}x a plain JSON parse"
            if n == 100_000:
                line += f"; target >= {TARGET_E2E_ADS_PER_S:,} ads/s: {mark(rate >= TARGET_E2E_ADS_PER_S)}"
            if n == 1_000_000:
                line += f"; target <= {TARGET_1M_S} s: {mark(r['total_s'] <= TARGET_1M_S)}"
            print(line)
        if "batch_s" in r:
            print(
                f"batch of {batch:,} onto {n - batch:,}: {r['batch_s']:.1f} s "
                f"(target <= {TARGET_BATCH_S} s for 150k onto 1M: {mark(r['batch_s'] <= TARGET_BATCH_S)})"
            )
        print(f"{n:,} ads: peak RSS {r['peak_mb']:,.0f} MB (target <= {TARGET_PEAK_MB:,} MB: "
              f"{mark(r['peak_mb'] <= TARGET_PEAK_MB)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="20000", help="comma-separated corpus sizes (default 20000)")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--batch", type=int, default=0, help="hold back the newest N ads as a daily batch")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where corpora are cached")
    parser.add_argument("--keep", action="store_true", help="keep the stores (under --cache) afterwards")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args.stage, args.db, args.path)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    print(
        "bench-scale: demo corpus -> fresh SQLite store (WAL) -> ingest, analyze (extract, index, link, "
        "score), export ads;\neach stage in its own process: wall seconds / peak RSS MB (process + children);"
        "\nCPU s: user + system CPU seconds of the stage (process + workers)"
    )
    header()
    results = [
        measure_size(args.cache, int(size), args.seed, args.batch, args.keep)
        for size in args.sizes.split(",")
    ]
    verdicts(results, args.batch)


if __name__ == "__main__":
    main()
