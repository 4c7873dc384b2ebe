"""`update_scores`: match the catalogue on new ads, add phone/network signals, combine into risk.

Incremental by design (150,000 ads a day): plan.py decides what must be redone from what changed, and
this module carries the plan out, one named step each:
- match: ad-level indicators on new ads, and changed indicators on the rest;
- group: phone/network signals and the person model for the groups that new ads (or moved ads) touch;
- combine: each touched ad's flags into its risk (every ad when the weights changed);
- roll up: the networks whose ads were re-combined;
- leads: the precomputed lead queue (lead_table.py), for the leads that hold re-combined ads.
Reads are batched by key (load.py); no step queries per ad. At 100k ads a full re-score takes ~50 s on
a busy 2-core machine, most of it regular-expression matching (see bench/risk.py for per-step times).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, select

from safeharbor.link.queries import networks_for_ads
from safeharbor.score.catalogue import Catalogue, load_catalogue
from safeharbor.score.combine import combine_ads, reweigh_flags, write_group_flags
from safeharbor.score.group import GroupResult, GroupScorer, load_groups
from safeharbor.score.lead_table import refresh_leads
from safeharbor.score.load import ads_showing_image_groups, extractions_of, image_cuts, phone_members
from safeharbor.score.match import MatchRunner, match_ads
from safeharbor.score.model import ScoringModel, active_model
from safeharbor.score.network_rollup import score_networks_for
from safeharbor.score.network_signals import MAX_PHONE_GROUP_ADS
from safeharbor.score.phrase_store import corpus_catalogue
from safeharbor.score.plan import Scored, ScoreInputs, ScorePlan, plan_scoring
from safeharbor.score.prevalence import (
    Prevalence,
    apply_discounts,
    collect_phrases,
    corpus_prevalence,
    discountable,
    renoted,
)
from safeharbor.score.tables import (
    score_ads,
    score_flags,
    score_lead_ads,
    score_leads,
    score_networks,
    score_prevalence,
    score_state,
)
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads, extract_state
from safeharbor.storage.times import now_iso

log = logging.getLogger(__name__)


@dataclass
class ScoreSummary:
    ads_total: int = 0
    ads_matched: int = 0  # ads whose indicators were (re-)matched
    indicators_rematched: list[str] = field(default_factory=list)
    ads_grouped: int = 0  # ads whose phone/network signals were recomputed
    ads_combined: int = 0  # ads whose risk was recomputed
    ads_reweighed: int = 0  # old ads whose flags' corpus weights moved (prevalence.py)
    networks_scored: int = 0
    linked: bool = False
    rebuild: bool = False
    model: str = "catalogue"
    catalogue: str = ""
    leads_ranked: int = 0  # networks and stand-alone postings in the lead queue
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per step, for bench/risk.py

    def lines(self) -> list[str]:
        out = [
            f"Scored {self.ads_combined:,} of {self.ads_total:,} ads (matched {self.ads_matched:,}, "
            f"phone/network signals for {self.ads_grouped:,}); {self.networks_scored:,} networks.",
            f"{self.leads_ranked:,} leads (networks and stand-alone ads) ranked by their indicators of a "
            "possible minor, for a person to review: `safeharbor leads` lists the top. Scores are ranks "
            "within this corpus, not probabilities; indicators are weak one by one.",
            f"Weights: {self.model} (catalogue {self.catalogue}).",
        ]
        if self.indicators_rematched:
            out.append(f"Catalogue changed: re-matched {', '.join(self.indicators_rematched)}.")
        if not self.linked:
            out.append("No networks yet (link stage not run): signals use ads that share a phone number.")
        return out


@contextmanager
def timed(summary: ScoreSummary, step: str) -> Iterator[None]:
    """Wall time of one step, kept in the summary (bench/risk.py prints it) and logged."""
    start = time.perf_counter()
    yield
    summary.seconds[step] = round(time.perf_counter() - start, 2)
    log.info("score: %s took %.2f s", step, summary.seconds[step])


def load_inputs(conn: Connection, model: ScoringModel) -> ScoreInputs:
    """What the plan depends on: the last run's state, the corpus's keys and what each was scored with."""
    # Versions and network ids repeat across ads: one copy of each, not one per ad.
    version_of: dict[str, str] = {}
    network_of: dict[str | None, str | None] = {}
    scored = {
        key: Scored(version_of.setdefault(version, version), network_of.setdefault(nid, nid))
        for key, version, nid in conn.execute(
            select(score_ads.c.ad_key, score_ads.c.extract_version, score_ads.c.network_id)
        )
    }
    keys = list(conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key)).scalars())
    versions = {
        key: version_of.setdefault(version, version)
        for key, version in conn.execute(select(extract_state.c.ad_key, extract_state.c.extract_version))
    }
    return ScoreInputs(
        state={r.key: r.value for r in conn.execute(select(score_state))},
        keys=keys,
        extract_versions=versions,
        scored=scored,
        networks=networks_for_ads(conn, keys),
        has_leads=conn.execute(select(score_leads.c.lead_id).limit(1)).first() is not None,
        model_hash=model.hash(),
    )


def _reset(store: Store, plan: ScorePlan) -> None:
    """Drop what a rebuild recomputes, and the flags of indicators no longer in the catalogue."""
    with store.begin() as conn:
        if plan.rebuild:
            for table in (
                score_flags,
                score_prevalence,
                score_ads,
                score_networks,
                score_leads,
                score_lead_ads,
            ):
                conn.execute(delete(table))
        if plan.removed:
            conn.execute(delete(score_flags).where(score_flags.c.indicator.in_(plan.removed)))
            conn.execute(delete(score_prevalence).where(score_prevalence.c.indicator.in_(plan.removed)))


def _phone_groups(store: Store, keys: Iterable[int]) -> frozenset[int]:
    """The ads that share a phone number with these ads (in groups small enough to be signals)."""
    with store.connect() as conn:
        phones = {e.value for ex in extractions_of(conn, sorted(keys), ("phone",)).values() for e in ex}
        members = phone_members(conn, phones).values()
    return frozenset(k for m in members if len(m) <= MAX_PHONE_GROUP_ADS for k in m)


def _phone_neighbours(store: Store, plan: ScorePlan) -> ScorePlan:
    """Before linking, a new ad's group is the ads sharing its phone: add them to the target."""
    if not plan.expand_by_phone:
        return plan
    return plan.widened(_phone_groups(store, plan.new_keys))


def _images_cut(store: Store, plan: ScorePlan, before: Mapping[str, Any] | None) -> ScorePlan:
    """An image group the link stage cut as shared since the last run (or no longer cuts) is no longer
    (or again) a fact of the ads showing it (load.ad_facts): re-group them with their networks."""
    with store.connect() as conn:
        cuts = image_cuts(conn)
        plan = plan.with_state(image_cuts=cuts)
        if before is None or not plan.networks:
            return plan
        changed = set(cuts).symmetric_difference(before.get("image_cuts") or [])
        return plan.regrouped(frozenset(ads_showing_image_groups(conn, changed))) if changed else plan


def match(store: Store, plan: ScorePlan, model: ScoringModel, runner: MatchRunner | None = None) -> None:
    """Every ad-level indicator on new ads; indicators whose patterns changed on the rest."""
    match_ads(store, plan.new_keys, plan.ad_level, model, runner)
    if plan.changed_ad:
        match_ads(store, plan.old_keys, plan.changed_ad, model, runner)


def weigh(
    store: Store, plan: ScorePlan, catalogue: Catalogue, model: ScoringModel, before: Mapping[str, Any] | None
) -> tuple[ScorePlan, Prevalence]:
    """Weigh text evidence against the corpus (prevalence.py): record the phrases of the ads matched
    now, count every phrase's posters over the whole corpus, and give flags their corpus weight.

    When a discount changed since the last run (`before`: the score_state it left, with the factors,
    counts and total it used), every discounted flag takes its new weight and note, as a full run
    gives them; only the ads whose flags' strengths moved are re-scored, with every ad of their
    networks (their signals and persons read those strengths), and the stand-alone ads whose flag
    notes changed get their lead rewritten (a lead shows its ad's flags with their notes)."""
    indicators = discountable(catalogue)
    collect_phrases(store, plan.new_keys, indicators)
    ids = {i.id for i in plan.changed_ad}
    rematched = [i for i in indicators if i.id in ids]
    collect_phrases(store, plan.old_keys, rematched)
    factors = None if before is None else before.get("discounts")
    found = corpus_prevalence(store, plan.networks, factors)
    if found.state() == (factors or {}):
        matched = set(plan.new_keys) | (set(plan.old_keys) if rematched else set())
        apply_discounts(store, found, model, indicators, matched)
        return plan, found
    apply_discounts(store, found, model, indicators, None)
    if before is None or factors is None or found.reweighed is None:
        return plan.everything(), found
    relead = renoted(found, factors, before.get("discount_posters") or {}, int(before.get("posters") or 0))
    neighbours = frozenset() if plan.networks else _phone_groups(store, found.reweighed)
    return plan.regrouped(found.reweighed, neighbours, frozenset(relead)), found


def group(store: Store, plan: ScorePlan, catalogue: Catalogue, model: ScoringModel) -> GroupResult:
    """Phone/network signals and person scores for the target ads, written as network-level flags."""
    result = GroupResult(target=plan.target)
    if plan.target:
        with store.connect() as conn:
            inputs = load_groups(conn, plan.target, plan.networks)
        result = GroupScorer(catalogue, inputs, plan.networks, model).score(plan.target)
    write_group_flags(store, result, model)
    return result


def combine(
    store: Store, plan: ScorePlan, catalogue: Catalogue, model: ScoringModel, grouped: GroupResult
) -> None:
    """Re-combine the plan's ads into risks (after giving stored flags new weights if they changed)."""
    if plan.reweigh:
        reweigh_flags(store, catalogue, model)
    bounded = catalogue.person is None  # persons scored by evidence, with this model
    combine_ads(store, plan.combine, model, plan.networks, plan.extract_versions, grouped, bounded=bounded)


def roll_up(store: Store, plan: ScorePlan) -> int:
    """Network scores for the networks whose ads were re-combined; returns how many."""
    return score_networks_for(store, plan.touched_networks, dict(plan.networks)) if plan.networks else 0


def leads(store: Store, plan: ScorePlan, found: Prevalence) -> int:
    """Refresh the lead queue and record the state this run scored with; returns how many leads it holds."""
    with store.begin() as conn:
        if plan.full_leads or plan.combine or plan.relead:
            refresh_leads(conn, None if plan.full_leads else plan.combine | plan.relead)
        state: dict[str, Any] = {
            **plan.new_state,
            "scored_at": now_iso(),
            "discounts": found.state(),
            "discount_posters": found.counts(),
            "posters": found.total,
        }
        conn.execute(delete(score_state).where(score_state.c.key.in_(list(state))))
        conn.execute(score_state.insert(), [{"key": k, "value": v} for k, v in state.items()])
        return int(conn.execute(select(func.count()).select_from(score_leads)).scalar() or 0)


def update_scores(
    store: Store,
    *,
    rebuild: bool = False,
    catalogue: Catalogue | None = None,
    match_runner: MatchRunner | None = None,
) -> ScoreSummary:
    """Score ads not yet scored, or all of them when the catalogue changed or `rebuild` is set.

    The catalogue (given, or the configured file) is used with the phrases analysts accepted in this
    store (phrase_store.corpus_catalogue)."""
    with store.connect() as conn:
        cat = corpus_catalogue(conn, catalogue or load_catalogue())
        model = active_model(conn, cat)
        inputs = load_inputs(conn, model)
        plan = plan_scoring(inputs, cat, rebuild=rebuild)
    before = None if plan.rebuild or not plan.old_keys else inputs.state
    summary = ScoreSummary(
        rebuild=plan.rebuild, catalogue=cat.path, model=model.origin, ads_total=len(plan.keys)
    )
    summary.linked, summary.indicators_rematched = bool(plan.networks), plan.rematched
    _reset(store, plan)
    plan = _images_cut(store, _phone_neighbours(store, plan), before)
    with timed(summary, "match"):
        match(store, plan, model, match_runner)
    with timed(summary, "corpus weights"):
        plan, found = weigh(store, plan, cat, model, before)
        summary.ads_reweighed = len((found.reweighed or frozenset()).difference(plan.new_keys))
    with timed(summary, "group signals"):
        grouped = group(store, plan, cat, model)
    with timed(summary, "combine"):
        combine(store, plan, cat, model, grouped)
    with timed(summary, "network roll-up"):
        summary.networks_scored = roll_up(store, plan)
    with timed(summary, "lead queue"):
        summary.leads_ranked = leads(store, plan, found)
    summary.ads_matched, summary.ads_grouped, summary.ads_combined = (
        plan.matched,
        len(plan.target),
        len(plan.combine),
    )
    log.info("score: %s", " ".join(summary.lines()))
    return summary
