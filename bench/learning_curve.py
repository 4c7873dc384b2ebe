"""Learning curves: lead-level ranking after 0, 25, 50, 100, 200 simulated reviews.

A simulated reviewer answers from the ground truth (a lead involves a child victim when any of its ads
does): in batches of 25 it confirms or dismisses leads exactly as `set_review` does in the workspace,
then `learn_from_reviews` re-fits the weights (docs/learning.md) and re-scores the corpus. Two ways of
choosing the leads to review:
  - top:   the top of the unreviewed queue (what an analyst reads anyway);
  - teach: the active-learning order (`safeharbor leads --teach`, score/teach.py).
After each budget it reports, over every lead of the corpus as the queue ranks them (reviewed ones
included, ranked by the model, not by their labels), ROC AUC and precision@k with k = the number of
leads involving a child victim, and precision@k over the leads not yet reviewed (k = those of them
involving a child victim: what the model ranks without knowing their answer; in small worlds few are
left after 100 reviews). Each strategy works on its own copy of the analysed store.

Used by `bench/risk.py --learning-curve` (per world shift); standalone:
  .venv/bin/python bench/learning_curve.py [--ads 6000] [--seed 5150]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

from safeharbor.demo import generate, vocab
from safeharbor.demo.risk_knobs import UNSEEN_YOUTH_EMOJI, UNSEEN_YOUTH_PHRASES
from safeharbor.ingest.run import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.score.learn import NotEnoughReviews
from safeharbor.score.tables import score_lead_ads, score_leads
from safeharbor.storage.schema import ads
from safeharbor.store import Store, open_store
from safeharbor.workspace.leads import LeadFilters, lead_queue, set_review
from safeharbor.workspace.learning import learn_from_reviews
from safeharbor.workspace.phrasebook import accept, propose_phrases
from safeharbor.workspace.tables import lead_reviews
from safeharbor.workspace.teaching import teaching

BUDGETS = (0, 25, 50, 100, 200)
BATCH = 25
PHRASES_READ = 10  # proposals the simulated analyst reads after each batch (the first page)
# The wording the simulated analyst recognises as youth-coded: the demo generator's youth vocabulary,
# both the catalogue's and the unseen one (safeharbor.demo.risk_knobs). It stands in for an analyst's
# reading of each proposal in its ads; the reviewer's labels stand in for their judgement of leads.
YOUTH_WORDING = (*vocab.YOUTH_PHRASES, *UNSEEN_YOUTH_PHRASES)
YOUTH_EMOJI = frozenset((*vocab.YOUTH_EMOJI, *UNSEEN_YOUTH_EMOJI))
MIN_PART = 6  # a part of a youth phrase is recognised when it has at least this many letters
STRATEGIES = ("top", "teach")
Truth = dict[tuple[str, str], dict[str, Any]]
# (reviews, lead AUC, lead P@k over all leads, confirmed so far, P@k over the unreviewed leads, their k)
Step = tuple[int, float, float, int, float, int]


def read_truth(folder: Path) -> Truth:
    with (folder / "truth.jsonl").open(encoding="utf-8") as fh:
        return {(r["source"], r["id"]): r for r in map(json.loads, fh) if r}


def lead_truth(store: Store, truth: Truth) -> dict[str, bool]:
    """lead_id -> involves a child victim (any of its ads)."""
    with store.connect() as conn:
        minor = {
            key: bool(truth.get((src, ad_id), {}).get("minor"))
            for key, src, ad_id in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id))
        }
        out: dict[str, bool] = defaultdict(bool)
        for key, lead in conn.execute(select(score_lead_ads.c.ad_key, score_lead_ads.c.lead_id)):
            out[lead] = out[lead] or minor.get(key, False)
    return dict(out)


def measure(store: Store, truth: dict[str, bool]) -> tuple[float, float, int]:
    """(ROC AUC, precision@k, k) of the queue's ranking over all leads (ties broken at random, fixed seed)."""
    with store.connect() as conn:
        rank = dict(conn.execute(select(score_leads.c.lead_id, score_leads.c.rank)).all())
    ids = sorted(truth)
    y = np.array([truth[i] for i in ids], dtype=float)
    s = np.array([rank.get(i, 0.0) for i in ids])
    k = int(y.sum())
    order = np.lexsort((np.random.default_rng(0).random(len(s)), -s))
    return float(roc_auc_score(y, s)), float(y[order[:k]].mean()), k


def unreviewed_precision(store: Store, truth: dict[str, bool]) -> tuple[float, int]:
    """(precision@k', k') over the leads not yet reviewed, k' = those of them involving a child victim:
    what the model ranks without having been told their answer (nan when none is left)."""
    with store.connect() as conn:
        rank = dict(conn.execute(select(score_leads.c.lead_id, score_leads.c.rank)).all())
        reviewed = {
            _lead_id(kind, ref)
            for kind, ref in conn.execute(select(lead_reviews.c.lead_type, lead_reviews.c.lead_ref))
        }
    ids = sorted(i for i in truth if i not in reviewed)
    y = np.array([truth[i] for i in ids], dtype=float)
    s = np.array([rank.get(i, 0.0) for i in ids])
    k = int(y.sum())
    order = np.lexsort((np.random.default_rng(0).random(len(s)), -s))
    return (float(y[order[:k]].mean()) if k else float("nan")), k


def _choose(store: Store, strategy: str, n: int) -> list[tuple[str, str]]:
    with store.connect() as conn:
        if strategy == "teach":
            return [(t.lead.kind, t.lead.id) for t in teaching(conn, LeadFilters(), limit=n)]
        return [(row.kind, row.ref) for row in lead_queue(conn, LeadFilters(reviewed="no"), limit=n)]


def _lead_id(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def youth_coded(phrase: str, kind: str) -> bool:
    """The simulated analyst's reading of a proposal: youth-coded wording (a youth phrase of the
    generator's, or a run of its words of at least MIN_PART letters, such as 'sprouted' from 'just
    sprouted', which proposals show without its function word), or a youth emoji."""
    if kind == "emoji":
        return phrase in YOUTH_EMOJI
    padded = f" {phrase} "
    return (
        any(padded in f" {w.casefold()} " for w in YOUTH_WORDING) and len(phrase.replace(" ", "")) >= MIN_PART
    )


def accept_phrases(store: Store) -> list[str]:
    """The simulated analyst reads the first PHRASES_READ proposals (`safeharbor phrases propose`) after
    each batch and accepts the youth-coded ones into `youth_language` / `youth_emoji` (`phrases accept
    ID --indicator ...`), as an analyst who recognises youth wording would; names, places, phone words
    and chance words are left alone. The accepted phrases flag ads from the next scoring run on."""
    with store.begin() as conn:
        chosen = [p for p in propose_phrases(conn)[:PHRASES_READ] if youth_coded(p.phrase, p.kind)]
        for phrase in chosen:
            indicator = "youth_emoji" if phrase.kind == "emoji" else "youth_language"
            accept(conn, phrase.phrase_id, indicator=indicator, user="bench")
    return [p.phrase for p in chosen]


def simulate(
    db: Path,
    truth: dict[str, bool],
    strategy: str,
    budgets: tuple[int, ...] = BUDGETS,
    at_end: Callable[[Store], None] | None = None,
    phrases: bool = False,
) -> list[Step]:
    """(reviews, AUC, P@k, confirmed so far) after each budget, on a copy of the analysed store `db`;
    `at_end` sees the store after the last budget (bench/reliability.py checks calibration there);
    `phrases`: the simulated analyst also accepts youth-coded proposed phrases after each batch
    (accept_phrases)."""
    work = db.with_name(f"{db.stem}-{strategy}{'-phrases' if phrases else ''}.db")
    work.unlink(missing_ok=True)
    # SQLite's backup API, not a file copy: the analysed store may still hold pages in its WAL (another
    # handle open), and a copy of the main file alone would lose them (an empty queue, AUC 0.5).
    with (
        contextlib.closing(sqlite3.connect(db)) as source,
        contextlib.closing(sqlite3.connect(work)) as target,
    ):
        source.backup(target)
    store = open_store(str(work))
    out: list[Step] = []
    reviewed = confirmed = 0
    try:
        for budget in budgets:
            while reviewed < budget:
                chosen = _choose(store, strategy, min(BATCH, budget - reviewed))
                if not chosen:
                    break
                with store.begin() as conn:
                    for kind, ref in chosen:
                        minor = truth.get(_lead_id(kind, ref), False)
                        confirmed += minor
                        status = "confirmed" if minor else "dismissed"
                        set_review(
                            conn, lead_type=kind, lead_ref=ref, status=status, user="bench", reason="truth"
                        )
                reviewed += len(chosen)
                if phrases:
                    accept_phrases(store)
                with contextlib.suppress(NotEnoughReviews):  # too few of one kind: catalogue weights stay
                    learn_from_reviews(store, user="bench")
            auc, p, _ = measure(store, truth)
            out.append((reviewed, auc, p, confirmed, *unreviewed_precision(store, truth)))
        if at_end is not None:
            at_end(store)
    finally:
        store.dispose()
    return out


def run_learning_curve(
    db: Path,
    truth_by_ad: Truth,
    label: str,
    strategies: tuple[str, ...] = STRATEGIES,
    at_end: Callable[[str, Store, dict[str, bool]], None] | None = None,
    phrases: bool = False,
) -> dict[str, list[Step]]:
    """The strategies on one analysed world; prints the curve and returns it. `at_end(strategy, store,
    lead truth)` sees each strategy's store after its last budget."""
    store = open_store(str(db))
    try:
        truth = lead_truth(store, truth_by_ad)
    finally:
        store.dispose()
    k = sum(truth.values())
    print(f"  learning curve, {label}: {len(truth):,} leads, k = {k} involving a child victim")
    curves = {}
    for strategy in strategies:
        t0 = time.perf_counter()
        hook = None if at_end is None else (lambda store, s=strategy: at_end(s, store, truth))
        curves[strategy] = simulate(db, truth, strategy, at_end=hook, phrases=phrases)
        steps = "  ".join(
            f"{n:>3}: P@k {p:.3f} AUC {a:.3f} ({c} conf.; unreviewed P@k {pu:.3f}, k {ku})"
            for n, a, p, c, pu, ku in curves[strategy]
        )
        print(f"    {strategy:5s} {steps}   [{time.perf_counter() - t0:.0f} s]")
    return curves


def build(folder: Path, n_ads: int, seed: int) -> Path:
    generate(folder, n_ads, seed, images=False)
    db = folder / "world.db"
    store = open_store(str(db))
    try:
        ingest_file(store, folder / "ads.jsonl")
        analyze(store)
    finally:
        store.dispose()
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ads", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=5150)
    parser.add_argument(
        "--no-phrases", action="store_true", help="The simulated analyst accepts no proposed phrases."
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-learning-"))
    t0 = time.perf_counter()
    db = build(folder, args.ads, args.seed)
    print(
        f"learning curve: {args.ads:,} demo ads, seed {args.seed}, built in {time.perf_counter() - t0:.0f} s"
    )
    run_learning_curve(db, read_truth(folder), "unshifted demo world", phrases=not args.no_phrases)
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
