"""Shared helpers for the benchmarks: building corpora, running the real pipeline, measuring."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def corpus(n_ads: int, seed: int, *, images: bool = True) -> Path:
    """A demo corpus of n_ads for this seed, generated once and cached under var/bench/."""
    from safeharbor.demo import generate

    out = BENCH_DIR / f"corpus-{n_ads}-{seed}{'' if images else '-noimg'}"
    if not (out / "truth.jsonl").exists():
        t = time.perf_counter()
        generate(out, n_ads, seed, images=images)
        print(
            f"  (generated {n_ads:,} ads, seed {seed}, in {time.perf_counter() - t:.1f}s -> {out})",
            file=sys.stderr,
        )
    return out


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: set[Any], truth: set[Any]) -> None:
        self.tp += len(predicted & truth)
        self.fp += len(predicted - truth)
        self.fn += len(truth - predicted)


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"
