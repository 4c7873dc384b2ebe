"""Micro-benchmark: CPU µs per demo ad for `extract_ad` and for each extractor, one core.

Run: .venv/bin/python bench/extract_micro.py [--ads N] [--seed S] [--repeats R] [--save F | --check F]
Reads (or generates once, under var/bench/) a demo corpus, builds `Ad` objects as ingest does and
times each extractor over title + body, then `extract_ad` as a whole. CPU time (`process_time`), best
of R runs, because the machine is shared; the extractors' bounded caches are emptied before each run, so
the figures are for one first pass over the corpus. `--save` writes every extraction to a file and
`--check` compares against such a file, so a speed change can be shown to leave the output as it was.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus, read_jsonl  # noqa: E402

from safeharbor.extract import TEXT_EXTRACTORS, extract_ad  # noqa: E402
from safeharbor.extract.places import find_place  # noqa: E402
from safeharbor.types import Ad, Span  # noqa: E402


def load_ads(path: Path, limit: int) -> list[Ad]:
    ads = []
    for key, row in enumerate(read_jsonl(path), start=1):
        if key > limit:
            break
        ads.append(
            Ad(
                ad_key=key,
                id=row["id"],
                source=row["source"],
                posted_at=datetime.now(UTC),
                body=row["body"],
                url=row.get("url"),
                location=row.get("location"),
                title=row.get("title"),
            )
        )
    return ads


def clear_caches() -> None:
    """Empty the bounded caches of the extractors (not the load-once gazetteer and word lists), so
    every timed run is a first pass over the corpus: repeats must not find earlier runs' results."""
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("safeharbor.extract"):
            continue
        for value in vars(module).values():
            params = getattr(value, "cache_parameters", None)
            if params is not None and params()["maxsize"] is not None:
                value.cache_clear()


def _best_cpu(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        clear_caches()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def _run_finder(find: Callable[[str], list[Span]], texts: list[str]) -> None:
    for text in texts:
        find(text)


def _snapshot(ads: list[Ad]) -> list[list[tuple[Any, ...]]]:
    return [
        [
            (
                e.kind,
                e.value,
                e.raw,
                e.field,
                e.start,
                e.end,
                e.extractor,
                e.version,
                e.confidence,
                json.dumps(e.attrs, sort_keys=True),
            )  # fmt: skip
            for e in extract_ad(ad)
        ]
        for ad in ads
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=123)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write all extractions to this file")
    parser.add_argument("--check", type=Path, help="compare all extractions with this file")
    args = parser.parse_args()
    ads = load_ads(corpus(args.ads, args.seed, images=False) / "ads.jsonl", args.ads)
    n = len(ads)
    texts = [t for ad in ads for t in (ad.title, ad.body) if t]
    extract_ad(ads[0])  # load the gazetteer and warm caches outside the timings
    print(f"{n} demo ads (seed {args.seed}), mean {sum(map(len, texts)) / n:.0f} characters of title+body")
    total = 0.0
    for kind, _module, find in TEXT_EXTRACTORS:
        us = _best_cpu(partial(_run_finder, find, texts), args.repeats) / n * 1e6
        total += us
        print(f"  {kind:8s} {us:7.1f} µs/ad")
    phone_refs: list[list[tuple[str, int, int, str]]] = [
        [(e.value, e.start, e.end, e.field) for e in extract_ad(ad) if e.kind == "phone"] for ad in ads
    ]
    pairs = list(zip(ads, phone_refs, strict=True))
    us = (
        _best_cpu(lambda: [find_place(a.location, a.title, a.body, p) for a, p in pairs], args.repeats)
        / n
        * 1e6
    )
    total += us
    print(f"  {'place':8s} {us:7.1f} µs/ad")
    print(f"  {'sum':8s} {total:7.1f} µs/ad")
    us = _best_cpu(lambda: [extract_ad(ad) for ad in ads], args.repeats) / n * 1e6
    print(f"  extract_ad {us:7.1f} µs/ad  ({1e6 / us:,.0f} ads/s on one core)")
    if args.save:
        args.save.write_bytes(pickle.dumps(_snapshot(ads)))
        print(f"  saved extractions to {args.save}")
    if args.check:
        expected = pickle.loads(args.check.read_bytes())
        got = _snapshot(ads)
        diffs = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
        print(f"  check: {len(diffs)} of {n} ads differ from {args.check}")
        for i in diffs[:5]:
            print(f"    {ads[i].id}: got {got[i]}\n      want {expected[i]}")


if __name__ == "__main__":
    main()
