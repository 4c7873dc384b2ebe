"""The score stage on a daily batch: what it re-does, and what that costs, against a fresh score.

Builds (once, kept under --work) a store of a demo corpus's older ads, fully analysed, with its newest
--batch ads ingested, extracted, indexed and linked on top, and keeps a copy of that store taken just
before the batch's score. Then, each on a fresh copy of it and in its own process (CPU seconds of the
process and its match workers, peak RSS):
  - the batch's score (`update_scores`, as `safeharbor analyze` runs it), with its steps' wall seconds
    and how many ads it re-grouped and re-combined, networks it rolled up, old ads whose corpus
    weights moved;
  - a fresh score of the same store (`update_scores(rebuild=True)`).

Run it from two checkouts on the same --work to compare them (the store is built by the first run):

    nice -n 10 .venv/bin/python bench/batch_score.py --ads 115000 --batch 15000 --work /tmp/batch-score
    nice -n 10 /other/checkout/.venv/bin/python /other/checkout/bench/batch_score.py --work /tmp/batch-score

With --compare DB the batch's score tables are compared with those of another run's kept store.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402

# Score tables compared by --compare (timestamps left out; floats to 1e-9).
COMPARED = {
    "score_ads": "ad_key, risk, logit, network_id, extract_version, persons, person_logit, person_evidence",
    "score_flags": "ad_key, indicator, level, strength, weight, evidence, field, span_start, span_end, "
    "note, also",
    "score_networks": "network_id, risk, n_ads, top_ad_key, flags, first_seen, last_seen",
    "score_leads": "lead_id, kind, ref, rank, risk, top_ad_key, n_ads, first_seen, last_seen, city, state, "
    "title, source, reasons, summary",
    "score_lead_ads": "*",
    "score_prevalence": "*",
}


def prepare(work: Path, n_ads: int, batch: int, seed: int) -> Path:
    """The store just before the batch's score (built once)."""
    prescore = work / "prescore.db"
    if prescore.exists():
        return prescore
    work.mkdir(parents=True, exist_ok=True)
    base, new = scale.split_corpus(scale.cached_corpus(scale.DEFAULT_CACHE, n_ads, seed), batch)
    db = str(work / "store.db")
    for stage in ("ingest", "extract", "index", "link", "score"):
        scale.timed(stage, db, base)
    for stage in ("ingest", "extract", "index", "link"):
        scale.timed(stage, db, new)
    source, copy = sqlite3.connect(db), sqlite3.connect(str(prescore))
    source.backup(copy)
    copy.close()
    source.close()
    return prescore


def score_once(db: str, rebuild: bool) -> None:
    """In a child process: one score run, printing its figures."""
    from safeharbor.score.run import update_scores
    from safeharbor.store import open_store

    wall, cpu = time.perf_counter(), time.process_time()
    s = update_scores(open_store(db), rebuild=rebuild)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = time.process_time() - cpu + workers.ru_utime + workers.ru_stime
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, workers.ru_maxrss) / 1024
    steps = ", ".join(f"{step} {sec:.1f}" for step, sec in s.seconds.items())
    print(
        f"  {time.perf_counter() - wall:.1f} s wall, {cpu_s:.1f} CPU s, peak {peak:,.0f} MB; "
        f"steps (wall s): {steps}"
    )
    print(
        f"  of {s.ads_total:,} ads: matched {s.ads_matched:,}, re-grouped {s.ads_grouped:,}, re-combined "
        f"{s.ads_combined:,}, old ads re-weighed {getattr(s, 'ads_reweighed', 0):,}; "
        f"{s.networks_scored:,} networks rolled up; {s.leads_ranked:,} leads"
    )  # fmt: skip


def changes(before: str, after: str) -> None:
    """What the batch truly changed: the networks its new ads joined, the corpus discounts that moved,
    and the old ads whose stored score (risk, persons, person evidence) is different afterwards."""
    columns = "ad_key, risk, logit, network_id, persons, person_logit, person_evidence"
    old = {r[0]: r[1:] for r in sqlite3.connect(before).execute(f"SELECT {columns} FROM score_ads")}  # noqa: S608
    conn = sqlite3.connect(after)
    now = {r[0]: r[1:] for r in conn.execute(f"SELECT {columns} FROM score_ads")}  # noqa: S608
    joined = {row[2] for key, row in now.items() if key not in old and row[2]}
    members = sum(1 for row in now.values() if row[2] in joined)
    networks = len({row[2] for row in now.values() if row[2]})
    state = "SELECT value FROM score_state WHERE key = 'discounts'"
    was = json.loads(sqlite3.connect(before).execute(state).fetchone()[0])
    found = json.loads(conn.execute(state).fetchone()[0])
    moved = sum(1 for k in set(was) | set(found) if was.get(k) != found.get(k))
    changed = sum(1 for key, row in old.items() if now.get(key) != row)
    risk = sum(1 for key, row in old.items() if key in now and abs(now[key][0] - row[0]) > 1e-12)
    print(
        f"  new ads joined {len(joined):,} of {networks:,} networks ({members:,} ads); {moved} of "
        f"{len(found)} corpus discounts moved (were {len(was)}); of {len(old):,} old ads, {changed:,} "
        f"have another stored score afterwards, {risk:,} another risk"
    )


def differences(a: str, b: str) -> int:
    """Rows that differ between two stores' score tables (floats to 1e-9), printed per table."""
    ca, cb = sqlite3.connect(a), sqlite3.connect(b)
    total = 0
    for table, columns in COMPARED.items():
        query = f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3"  # noqa: S608 - fixed names
        ra, rb = ca.execute(query).fetchall(), cb.execute(query).fetchall()
        same = len(ra) == len(rb) and all(
            len(x) == len(y)
            and all(
                abs(p - q) <= 1e-9 if isinstance(p, float) and isinstance(q, float) else p == q
                for p, q in zip(x, y, strict=True)
            )
            for x, y in zip(ra, rb, strict=True)
        )
        print(f"  {table}: {len(ra):,} vs {len(rb):,} rows, {'identical' if same else 'DIFFERENT'}")
        total += not same
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ads", type=int, default=115000, help="corpus size (default 115000)")
    parser.add_argument("--batch", type=int, default=15000, help="the newest N ads (default 15000)")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--work", type=Path, required=True, help="where the stores are kept")
    parser.add_argument("--compare", help="another run's kept batch store (batch.db) to compare with")
    parser.add_argument("--once", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        score_once(args.once, args.rebuild)
        return
    prescore = prepare(args.work, args.ads, args.batch, args.seed)
    tag = f"{os.getpid()}"
    for label, rebuild in (("batch", False), ("fresh", True)):
        db = args.work / f"{label}-{tag}.db"
        shutil.copyfile(prescore, db)
        print(f"{label} score ({'update_scores(rebuild=True)' if rebuild else 'update_scores'}), {db}:")
        cmd = [sys.executable, __file__, "--work", str(args.work), "--once", str(db)]
        subprocess.run(cmd + (["--rebuild"] if rebuild else []), check=True)
        if not rebuild:
            changes(str(prescore), str(db))
    if args.compare:
        print(f"batch score tables against {args.compare}:")
        if differences(args.compare, str(args.work / f"batch-{tag}.db")):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
