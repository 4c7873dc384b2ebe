"""`make bench-spark`: the Spark engine's cost per stage, shuffle sizes and memory (docs/scale.md, "Spark").

One demo corpus, ingested into a fresh SQLite store, analysed stage by stage with the Spark engine on
`--master` (default local[2]); with `--local` the same corpus is analysed by the local engine in the
same run, for a ratio, and the two stores' exports are compared. Spark's event log (in a temporary
folder) gives each stage's shuffle bytes and executor time; the memory figures are the peak resident
memory of the driver's Python, the JVM and the Python workers, sampled every 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus  # noqa: E402

from safeharbor.export.ads import ad_records  # noqa: E402
from safeharbor.export.networks import network_records  # noqa: E402
from safeharbor.extract.run import extract_pending  # noqa: E402
from safeharbor.ingest import ingest_file  # noqa: E402
from safeharbor.link.run import LinkSummary, update_networks  # noqa: E402
from safeharbor.pipeline import LOCAL, Engine  # noqa: E402
from safeharbor.score.run import update_scores  # noqa: E402
from safeharbor.spark import SparkConfig, spark_engine, spark_session  # noqa: E402
from safeharbor.store import Store, open_store  # noqa: E402
from safeharbor.workspace.search import update_index  # noqa: E402


class Sampler:
    """Peak RSS (MB) of this process and each group of its descendants, read from /proc."""

    def __init__(self) -> None:
        self.peak: dict[str, float] = defaultdict(float)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            totals: dict[str, float] = defaultdict(float)
            for pid, kind in _tree(Path("/proc/self").resolve().name):
                totals[kind] += _rss_mb(pid)
            for kind, mb in totals.items():
                self.peak[kind] = max(self.peak[kind], mb)


def _children() -> dict[str, list[str]]:
    kids: dict[str, list[str]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids[fields[1]].append(stat.parent.name)
    return kids


def _tree(root: str) -> list[tuple[str, str]]:
    kids, out, todo = _children(), [(root, "driver (Python)")], [root]
    while todo:
        pid = todo.pop()
        for kid in kids.get(pid, []):
            try:
                cmd = (Path("/proc") / kid / "cmdline").read_bytes()
            except OSError:
                continue
            out.append((kid, "JVM" if b"java" in cmd else "Python workers"))
            todo.append(kid)
    return out


def _rss_mb(pid: str) -> float:
    try:
        for line in (Path("/proc") / pid / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _stages(store: Store, engine: Engine, describe: Any) -> dict[str, float]:
    """Each analyze stage on its own, timed (the order and arguments of pipeline.analyze), and the
    link stage's own steps (features, text edges, control with its connected components, ...)."""
    seconds: dict[str, float] = {}
    linked: list[LinkSummary] = []
    find = engine.components

    def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        t = time.perf_counter()
        labels = find(n, src, dst)
        seconds["link.components"] = round(time.perf_counter() - t, 1)
        seconds["link.components_edges"] = int((src != dst).sum())
        return labels

    engine = replace(engine, components=components)
    steps = [
        ("extract", lambda: extract_pending(store, runner=engine.extract)),
        ("index", lambda: update_index(store)),
        (
            "link",
            lambda: linked.append(
                update_networks(
                    store,
                    feature_runner=engine.features,
                    edge_finder=engine.text_edges,
                    components=engine.components,
                )
            ),
        ),
        ("score", lambda: update_scores(store, match_runner=engine.match)),
    ]
    for name, step in steps:
        describe(name)
        t = time.perf_counter()
        step()
        seconds[name] = round(time.perf_counter() - t, 1)
    for step, took in linked[0].timings.items():
        seconds[f"link.{step}"] = round(took, 1)
    return seconds


def _event_totals(log_dir: Path) -> dict[str, dict[str, float]]:
    """Shuffle bytes written and executor run time per job description (our stage names)."""
    stage_of: dict[int, str] = {}
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # Spark 4 writes a rolling event log: a folder (eventlog_v2_...) of event files and a status file.
    for path in sorted(p for p in log_dir.rglob("*") if p.is_file()):
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a status file, or a line cut short by the session's end: not an event
            if not isinstance(event, dict):
                continue
            kind = event.get("Event")
            if kind == "SparkListenerJobStart":
                name = (event.get("Properties") or {}).get("spark.job.description", "?")
                for sid in event.get("Stage IDs", []):
                    stage_of[sid] = name
            elif kind == "SparkListenerTaskEnd":
                metrics = event.get("Task Metrics") or {}
                name = stage_of.get(event.get("Stage ID", -1), "?")
                write = metrics.get("Shuffle Write Metrics") or {}
                out[name]["shuffle_mb"] += write.get("Shuffle Bytes Written", 0) / 1e6
                out[name]["executor_s"] += metrics.get("Executor Run Time", 0) / 1000
                out[name]["tasks"] += 1
    return {k: {m: round(v, 2) for m, v in d.items()} for k, d in out.items()}


def _exports(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with store.connect() as conn:
        return list(ad_records(conn)), list(network_records(conn))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ads", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--local", action="store_true", help="also run the local engine, and compare")
    args = parser.parse_args()
    data = corpus(args.ads, args.seed)
    report: dict[str, Any] = {"ads": args.ads, "master": args.master}
    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        root = Path(tmp)
        on_spark = open_store(str(root / "spark.db"))
        t = time.perf_counter()
        ingest_file(on_spark, data / "ads.jsonl")
        report["ingest_s"] = round(time.perf_counter() - t, 1)
        (root / "events").mkdir()
        # Uncompressed: Spark 4 compresses event logs by default, and they are read back below as JSON lines.
        conf = {
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": f"file://{root / 'events'}",
            "spark.eventLog.compress": "false",
        }
        config = SparkConfig(master=args.master, driver_memory=args.driver_memory, conf=conf)
        with Sampler() as sampler:
            t = time.perf_counter()
            with spark_session(config) as spark:
                report["session_start_s"] = round(time.perf_counter() - t, 1)
                report["spark"] = spark.version
                engine = spark_engine(spark)
                report["spark_stages_s"] = _stages(on_spark, engine, spark.sparkContext.setJobDescription)
        report["spark_peak_mb"] = {k: round(v) for k, v in sampler.peak.items()}
        print(json.dumps(report, indent=2), flush=True)  # the timings so far, whatever happens next
        report["spark_jobs"] = _event_totals(root / "events")
        if args.local:
            local = open_store(str(root / "local.db"))
            ingest_file(local, data / "ads.jsonl")
            report["local_stages_s"] = _stages(local, LOCAL, lambda name: None)
            report["identical_exports"] = _exports(local) == _exports(on_spark)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
