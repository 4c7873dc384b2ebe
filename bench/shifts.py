"""The world-shift harness: build a shifted demo world, analyse it, and measure the ranking against truth.

Used by `bench/risk.py --shift NAME` / `--shifts all` (`make bench-risk`) and by any harness that needs
"world build -> analyze -> ranked leads with ground truth" (e.g. a learning curve that answers reviews
from the truth). Import it from a bench script as the others import common.py:

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from shifts import build_world, ranked_leads, figures

Units (the lead queue's): a lead is a link-stage network or a stand-alone posting, ranked by its
ranking score (score_leads.rank); a lead "contains a minor" when any of its ads advertises a child
victim (truth). k = the number of such leads (for ads: the number of minor ads). Precision@k breaks
ties at random with a fixed seed, so a block of equal scores counts as its expected precision.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import select, update

from safeharbor.demo import generate
from safeharbor.demo.risk_knobs import Shift, shift
from safeharbor.ingest.run import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.indicators import text_matcher
from safeharbor.score.tables import score_ads, score_lead_ads, score_leads, score_models
from safeharbor.storage.schema import ads
from safeharbor.store import Store, open_store

YOUTH = ("youth_language", "youth_coded", "youth_emoji")
Truth = dict[tuple[str, str], dict[str, Any]]


@dataclass
class World:
    shift: Shift
    seed: int
    n_ads: int
    folder: Path
    store: Store
    truth: Truth
    seconds: float = 0.0


def build_world(
    folder: Path, shift_name: str, n_ads: int, seed: int, *, images: bool = True, quiet: bool = False
) -> World:
    """Generate the shifted world, ingest it and run the whole pipeline; an existing build in `folder`
    is reused. Fitted models are switched off, so the figures are the catalogue's (no reviews).
    `images=False` skips writing and hashing abstract images (faster; linking then has no photos)."""
    sh = shift(shift_name, n_ads)
    t0 = time.perf_counter()
    reuse = (folder / "bench.db").exists() and (folder / "truth.jsonl").exists()
    if not reuse:
        generate(folder, n_ads, seed, images=images, risk=sh.knobs)
    store = open_store(str(folder / "bench.db"))
    if not reuse:
        ingest_file(store, folder / "ads.jsonl")
        analyze(store)
    with store.begin() as conn:
        conn.execute(update(score_models).values(active=False))
    truth: Truth = {}
    with (folder / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            truth[(rec["source"], rec["id"])] = rec
    seconds = time.perf_counter() - t0
    if not quiet:
        done = "reused" if reuse else f"built and analysed in {seconds:.0f} s"
        print(f"  world {shift_name} (seed {seed}, {n_ads:,} ads): {sh.why}; {done}")
    return World(sh, seed, n_ads, folder, store, truth, seconds)


def precision_at_k(y: np.ndarray, s: np.ndarray, k: int, seed: int = 0) -> float:
    tiebreak = np.random.default_rng(seed).random(len(s))
    order = np.lexsort((tiebreak, -s))
    return float(y[order[:k]].mean()) if k else float("nan")


def measure(y: np.ndarray, s: np.ndarray) -> tuple[float, float, int]:
    """(ROC AUC, precision@k, k) with k = the number of positives."""
    k = int(y.sum())
    auc = float(roc_auc_score(y, s)) if 0 < k < len(y) else float("nan")
    return auc, precision_at_k(y, s, k), k


def ad_rows(store: Store, truth: Truth) -> list[dict[str, Any]]:
    """One row per ad with truth: its key, minor, operator, exported risk and the keyword baseline."""
    cat = load_catalogue()
    youth = [text_matcher(cat.by_id()[i]) for i in YOUTH]
    rows = []
    with store.connect() as conn:
        risk = dict(conn.execute(select(score_ads.c.ad_key, score_ads.c.risk)).all())
        for key, src, ad_id, title, body in conn.execute(
            select(ads.c.ad_key, ads.c.source, ads.c.ad_id, ads.c.title, ads.c.body)
        ):
            t = truth.get((src, ad_id))
            if t is None:
                continue
            text = f"{title or ''}\n{body}"
            rows.append(
                {
                    "key": key,
                    "minor": bool(t["minor"]),
                    "operator": t["operator"],
                    "risk": risk.get(key, 0.0),
                    "keyword": 1.0 if any(m.find(text) for m in youth) else 0.0,
                }
            )
    return rows


@dataclass
class RankedLead:
    """A lead of the queue with its ground truth."""

    lead_id: str
    score: float  # the queue's ranking score (score_leads.rank)
    minor: bool  # any of its ads advertises a child victim
    ad_keys: list[int] = field(default_factory=list)
    operators: frozenset[str] = frozenset()
    keyword: float = 0.0  # 1 if any of its ads has a youth keyword


def ranked_leads(store: Store, truth: Truth, rows: list[dict[str, Any]] | None = None) -> list[RankedLead]:
    """The lead queue with ground truth, best first (ties by lead id, as the queue shows them)."""
    rows = rows if rows is not None else ad_rows(store, truth)
    with store.connect() as conn:
        lead_of = dict(conn.execute(select(score_lead_ads.c.ad_key, score_lead_ads.c.lead_id)).all())
        rank = dict(conn.execute(select(score_leads.c.lead_id, score_leads.c.rank)).all())
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        units[lead_of.get(r["key"], f"ad:{r['key']}")].append(r)
    out = [
        RankedLead(
            lead_id=u,
            score=float(rank.get(u, max(r["risk"] for r in members))),
            minor=any(r["minor"] for r in members),
            ad_keys=sorted(r["key"] for r in members),
            operators=frozenset(r["operator"] for r in members),
            keyword=max(r["keyword"] for r in members),
        )
        for u, members in units.items()
    ]
    out.sort(key=lambda lead: (-lead.score, lead.lead_id))
    return out


@dataclass
class Figures:
    shift: str
    covered: bool
    ads: int
    ad_k: int
    ad_auc: float
    ad_p: float
    ad_kw_auc: float
    ad_kw_p: float
    leads: int
    lead_k: int
    lead_auc: float
    lead_p: float
    lead_kw_auc: float
    lead_kw_p: float
    top_operator_share: float  # the largest share of the top-k leads' ads held by one true operator

    def meets_targets(self) -> bool:
        return self.ad_auc >= 0.90 and self.ad_p >= 0.70


def figures(world: World) -> Figures:
    """Ad-level and lead-level AUC and precision@k for the world as it is scored now, with the
    keyword baseline (1 if any youth keyword, else 0)."""
    rows = ad_rows(world.store, world.truth)
    y = np.array([r["minor"] for r in rows], dtype=float)
    ad_auc, ad_p, ad_k = measure(y, np.array([r["risk"] for r in rows]))
    kw_auc, kw_p, _ = measure(y, np.array([r["keyword"] for r in rows]))
    leads = ranked_leads(world.store, world.truth, rows)
    yl = np.array([lead.minor for lead in leads], dtype=float)
    lead_auc, lead_p, lead_k = measure(yl, np.array([lead.score for lead in leads]))
    lkw_auc, lkw_p, _ = measure(yl, np.array([lead.keyword for lead in leads]))
    top = leads[:lead_k]
    by_op: dict[str, int] = defaultdict(int)
    for lead in top:
        for op in lead.operators:
            by_op[op] += 1
    share = max(by_op.values()) / max(1, len(top)) if by_op else 0.0
    return Figures(
        world.shift.name, world.shift.covered, len(rows), ad_k, ad_auc, ad_p, kw_auc, kw_p,
        len(leads), lead_k, lead_auc, lead_p, lkw_auc, lkw_p, share,
    )  # fmt: skip


HEADER = (
    f"{'shift':18s} {'ads':>6s} {'k':>4s} {'ad AUC':>7s} {'ad P@k':>7s} {'kw AUC/P@k':>12s}   "
    f"{'leads':>6s} {'k':>4s} {'lead AUC':>8s} {'lead P@k':>8s} {'kw AUC/P@k':>12s} {'1 op':>5s}  targets"
)


def row(f: Figures) -> str:
    verdict = ("met" if f.meets_targets() else "NOT met") if f.covered else "n/a (not covered)"
    ad = f"{f.ads:6,d} {f.ad_k:4d} {f.ad_auc:7.3f} {f.ad_p:7.3f} {f.ad_kw_auc:5.3f}/{f.ad_kw_p:5.3f}"
    lead = f"{f.leads:6,d} {f.lead_k:4d} {f.lead_auc:8.3f} {f.lead_p:8.3f}"
    lead_kw = f"{f.lead_kw_auc:5.3f}/{f.lead_kw_p:5.3f}"
    return f"{f.shift:18s} {ad}   {lead} {lead_kw} {f.top_operator_share:5.2f}  {verdict}"
