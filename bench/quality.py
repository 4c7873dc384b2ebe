"""`make bench-quality`: extraction accuracy against the ground truth of a fresh demo corpus.

Prices are scored too (amounts, hourly prices, unit accuracy) against the demo's price truth.
Generates a corpus with a new seed (printed, so a run can be repeated with --seed), runs the real
ingest and extraction, exports ads in the docs/formats.md format and compares them with truth.jsonl:
precision, recall and F1 per entity type, and city accuracy.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PRF, corpus, mark, read_jsonl  # noqa: E402

from safeharbor.export.ads import ad_records  # noqa: E402
from safeharbor.extract.run import extract_pending  # noqa: E402
from safeharbor.ingest import ingest_file  # noqa: E402
from safeharbor.store import open_store  # noqa: E402

TARGETS = {"phones": 0.99, "emails": 0.98, "ages": 0.98}
CITY_TARGET = 0.97


def _score_prices(got: list[dict[str, Any]], truth: list[dict[str, Any]], scores: dict[str, PRF]) -> None:
    """Amounts (any unit), hourly prices (60 minutes) and, for amounts found, whether minutes match."""
    predicted = {p["amount"] for p in got}
    expected = {p["amount"] for p in truth}
    scores["price amounts"].add(predicted, expected)
    hourly = {p["amount"] for p in got if p["minutes"] == 60}
    scores["hourly prices"].add(hourly, {p["amount"] for p in truth if p["minutes"] == 60})
    minutes = {p["amount"]: p["minutes"] for p in truth}
    for p in got:
        if p["amount"] in minutes:
            right = minutes[p["amount"]] == p["minutes"]
            scores["unit"].tp += right
            scores["unit"].fp += not right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None, help="default: a new random seed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000, 1_000_000)
    console = Console()
    console.print(f"[bold]bench-quality[/]: {args.ads:,} demo ads, seed {seed}")
    data = corpus(args.ads, seed, images=False)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "q.db"))
        t = time.perf_counter()
        ingest_file(store, data / "ads.jsonl")
        extract_pending(store)
        elapsed = time.perf_counter() - t
        with store.connect() as conn:
            exported = {(r["source"], r["id"]): r for r in ad_records(conn)}
    scores = {k: PRF() for k in ("phones", "emails", "handles", "ages", "names")}
    price_scores = {"price amounts": PRF(), "hourly prices": PRF(), "unit": PRF()}
    city_total = city_right = 0
    misses: dict[str, list[str]] = {k: [] for k in scores}
    for truth in read_jsonl(data / "truth.jsonl"):
        got = exported.get((truth["source"], truth["id"]))
        if got is None:
            continue
        for kind, prf in scores.items():
            predicted = set(got[kind])
            expected = set(truth.get(kind) or [])
            if kind == "names":
                predicted = {n.lower() for n in predicted}
                expected = {n.lower() for n in expected}
            if kind == "handles":
                predicted = {h.lower() for h in predicted}
                expected = {h.lower() for h in expected}
            prf.add(predicted, expected)
            if predicted != expected and len(misses[kind]) < 3:
                misses[kind].append(f"{truth['id']}: got {sorted(predicted)} want {sorted(expected)}")
        if "prices" in truth:  # corpora generated before prices had truth have none to compare
            _score_prices(got["prices"], truth["prices"], price_scores)
        if truth.get("city"):
            city_total += 1
            city_right += (got["city"], got["state"]) == (truth["city"], truth["state"])
    table = Table(
        "entity", "precision", "recall", "F1", "target", "", title=f"Extraction vs truth (seed {seed})"
    )
    for kind, prf in scores.items():
        target = TARGETS.get(kind)
        table.add_row(
            kind,
            f"{prf.precision:.4f}",
            f"{prf.recall:.4f}",
            f"{prf.f1:.4f}",
            f"F1 ≥ {target}" if target else "-",
            mark(prf.f1 >= target) if target else "",
        )
    for kind, prf in price_scores.items():
        if kind == "unit":  # of the amounts found, how many carry the right duration
            right = prf.tp / (prf.tp + prf.fp) if prf.tp + prf.fp else 1.0
            table.add_row("price unit", "", "", f"acc {right:.4f}", "-", "")
            continue
        table.add_row(kind, f"{prf.precision:.4f}", f"{prf.recall:.4f}", f"{prf.f1:.4f}", "-", "")
    accuracy = city_right / city_total if city_total else 0.0
    table.add_row(
        "city", "", "", f"acc {accuracy:.4f}", f"acc ≥ {CITY_TARGET}", mark(accuracy >= CITY_TARGET)
    )
    console.print(table)
    console.print(f"ingest + extract of {args.ads:,} ads: {elapsed:.1f}s (speed is measured by bench-speed)")
    for kind, examples in misses.items():
        for example in examples:
            console.print(f"  [dim]{kind} miss: {example}[/]")


if __name__ == "__main__":
    main()
