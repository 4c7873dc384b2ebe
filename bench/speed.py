"""`make bench-speed`: ingest + extraction throughput and peak memory at 100k and 300k ads.

Each size runs in its own subprocess so its peak memory is its own; memory that does not grow with
file size shows as about the same peak at 100k and 300k.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus, mark, peak_rss_mb  # noqa: E402

TARGET_ADS_PER_S = 3000
TARGET_PEAK_MB = 1024


def measure(data: Path) -> dict[str, float]:
    from safeharbor.extract.run import extract_pending
    from safeharbor.ingest import ingest_file
    from safeharbor.store import open_store

    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        store = open_store(str(Path(tmp) / "speed.db"))
        t0 = time.perf_counter()
        summary = ingest_file(store, data / "ads.jsonl")
        t1 = time.perf_counter()
        extracted = extract_pending(store)
        t2 = time.perf_counter()
        from safeharbor.workspace.search import update_index

        update_index(store)  # full-text indexing: the next analyze stage, timed on its own
        t3 = time.perf_counter()
    return {
        "ads": summary.counts.added,
        "ingest_s": t1 - t0,
        "extract_s": t2 - t1,
        "total_s": t2 - t0,
        "ads_per_s": summary.counts.added / (t2 - t0),
        "index_s": t3 - t2,
        "peak_mb": peak_rss_mb(),
        "extracted": extracted.ads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    print(
        "bench-speed: ingest + extract, end to end, real SQLite file (WAL, synchronous=FULL), images hashed"
    )
    print(
        f"{'ads':>9} {'ingest s':>9} {'extract s':>10} {'total s':>8} {'ads/s':>8} {'peak MB':>8} "
        f"{'+FTS s':>7}"
    )
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        data = corpus(size, args.seed)
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(data)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"{int(r['ads']):>9,} {r['ingest_s']:>9.1f} {r['extract_s']:>10.1f} {r['total_s']:>8.1f} "
            f"{r['ads_per_s']:>8,.0f} {r['peak_mb']:>8.0f} {r['index_s']:>7.1f}"
        )
    first = rows[0]
    print(
        f"target ≥ {TARGET_ADS_PER_S:,} ads/s: {mark(first['ads_per_s'] >= TARGET_ADS_PER_S)}; "
        f"peak < {TARGET_PEAK_MB} MB: {mark(max(r['peak_mb'] for r in rows) < TARGET_PEAK_MB)}"
    )
    if len(rows) > 1:
        growth = rows[-1]["peak_mb"] / rows[0]["peak_mb"]
        print(
            f"memory growth {int(rows[0]['ads']):,} -> {int(rows[-1]['ads']):,} ads: x{growth:.2f} "
            f"({mark(growth < 1.3)} constant-memory check)"
        )


if __name__ == "__main__":
    main()
