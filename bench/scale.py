"""`make bench-scale`: the cost curve of the whole pipeline, stage by stage, at several corpus sizes.

For each size it ingests a cached demo corpus into a fresh store and runs every stage the user runs
(`safeharbor ingest`, the four steps of `safeharbor analyze`, `safeharbor export ads`), each in its own
process, so that each stage's wall time and peak resident memory (of the process and its worker
children, from wait4) are its own. It prints ads/s per stage and end to end, and the ratio to a plain
`json.loads` of every line of the same file (the floor any loader pays).

    make bench-scale                                   # 20k ads: a quick look
    make bench-scale ARGS="--sizes 100000,300000,1000000"
    make bench-scale ARGS="--sizes 1000000 --batch 150000"   # + a daily batch onto the store
    make bench-scale ARGS="--sizes 100000 --engine spark"     # analyze on Spark local[2] (one stage)

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
from safeharbor.spark import SparkConfig, analyze_on_spark
from safeharbor.store import open_store
from safeharbor.workspace.search import update_index

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import mark  # noqa: E402

DEFAULT_CACHE = Path(os.environ.get("SAFEHARBOR_BENCH_CACHE", "/tmp/safeharbor-bench"))
STAGES = ("ingest", "extract", "index", "link", "score", "export")
# With --engine spark, `safeharbor analyze --engine spark` is one stage (one Spark session for its four
# steps, as the CLI runs it); bench/spark.py splits it by step, with shuffle sizes and executor time.
SPARK_STAGES = ("ingest", "analyze", "export")
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
        # Streamed, never the whole corpus in memory: a child process's peak RSS (wait4's ru_maxrss)
        # includes this process's memory as it was when the child was forked.
        with open(data / "ads.jsonl", encoding="utf-8") as fh:
            lines = sum(1 for line in fh if line.strip())
        with (
            open(data / "ads.jsonl", encoding="utf-8") as fh,
            open(base, "w", encoding="utf-8") as old,
            open(new, "w", encoding="utf-8") as newest,
        ):
            written = 0
            for line in fh:
                if line.strip():
                    (old if written < lines - batch else newest).write(line)
                    written += 1
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


def run_stage(stage: str, db: str, path: Path, spark_master: str = "local[2]") -> None:
    """One stage in this process, exactly as the CLI runs it."""
    store = open_store(db)
    if stage == "analyze":  # the whole analysis on the Spark engine
        analyze_on_spark(store, SparkConfig(master=spark_master))
    elif stage == "ingest":
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


def timed(stage: str, db: str, path: Path, spark_master: str | None = None) -> Timing:
    """Run one stage in a child process; its wall time and peak RSS (the child and its own children:
    with Spark, the JVM and its Python workers too)."""
    t = time.perf_counter()
    cmd = [sys.executable, __file__, "--stage", stage, "--db", db, "--path", str(path)]
    proc = subprocess.Popen(cmd + (["--spark-master", spark_master] if spark_master else []))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"stage {stage} failed with exit code {proc.returncode}")
    return Timing(time.perf_counter() - t, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def pipeline(db: str, ads_file: Path, export_to: Path, spark_master: str | None = None) -> dict[str, Timing]:
    stages = SPARK_STAGES if spark_master else STAGES
    return {
        stage: timed(stage, db, export_to if stage == "export" else ads_file, spark_master)
        for stage in stages
    }


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


def header(stage_names: tuple[str, ...] = STAGES) -> None:
    stages = " ".join(f"{s + ' s/MB':>14}" for s in stage_names)
    print(f"{'run':>16} {'ads':>9} {stages} {'total':>9} {'ads/s':>7} {'peak MB':>7} {'/parse':>8}")


def measure_size(
    cache: Path, n: int, seed: int, batch: int, keep: bool, spark_master: str | None = None
) -> dict[str, float]:
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
            first = pipeline(db, base, work / "ads-export.jsonl", spark_master)
            result["base_s"] = print_rows("store", lines - batch, first, base_parse)
            _, batch_parse = json_parse_seconds(new)
            second = pipeline(db, new, work / "ads-export.jsonl", spark_master)
            result["batch_s"] = print_rows(f"+ batch {batch:,}", batch, second, batch_parse)
            result["peak_mb"] = max(t.peak_mb for t in (*first.values(), *second.values()))
        else:
            timings = pipeline(db, ads_file, work / "ads-export.jsonl", spark_master)
            label = f"spark {spark_master}" if spark_master else "fresh store"
            result["total_s"] = print_rows(label, lines, timings, parse_s)
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
    parser.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="spark: `analyze --engine spark` as one stage (needs the spark extra and Java 17+)",
    )
    parser.add_argument("--spark-master", default="local[2]", help="with --engine spark (default local[2])")
    parser.add_argument("--stage", choices=STAGES + SPARK_STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args.stage, args.db, args.path, args.spark_master)
        return
    spark_master = args.spark_master if args.engine == "spark" else None
    args.cache.mkdir(parents=True, exist_ok=True)
    print(
        "bench-scale: demo corpus -> fresh SQLite store (WAL) -> ingest, analyze (extract, index, link, "
        "score), export ads;\neach stage in its own process: wall seconds / peak RSS MB (process + children);"
        "\nCPU s: user + system CPU seconds of the stage (process + workers)"
    )
    header(SPARK_STAGES if spark_master else STAGES)
    results = [
        measure_size(args.cache, int(size), args.seed, args.batch, args.keep, spark_master)
        for size in args.sizes.split(",")
    ]
    verdicts(results, args.batch)


if __name__ == "__main__":
    main()
