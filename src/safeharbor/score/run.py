"""`update_scores`: match the catalogue on new ads, add phone/network signals, combine into risk.

Incremental by design (150,000 ads a day):
- an ad is matched once, and again only when its extraction changes or an indicator's patterns change
  (then only the changed indicators are re-matched);
- phone/network signals are recomputed for the groups that new ads (or changed networks) touch;
- a changed weight, or a newly fitted model, only re-combines stored flags into risks;
- the precomputed lead queue (lead_table.py) is rebuilt for the leads that hold re-combined ads.
Reads are batched by key (load.py); no step queries per ad. At 100k ads a full re-score takes ~50 s on
a busy 2-core machine, most of it regular-expression matching (see bench/risk.py for per-step times).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from safeharbor.score.catalogue import Catalogue, Indicator, load_catalogue
from safeharbor.score.indicators import match_ad
from safeharbor.score.lead_table import PERSON_SEP, refresh_leads
from safeharbor.score.load import ad_facts, ad_texts, extractions_of, phone_members
from safeharbor.score.model import ScoringModel, active_model, sigmoid
from safeharbor.score.network_signals import (
    MAX_PHONE_GROUP_ADS,
    GroupHit,
    GroupSummary,
    group_signals,
    merge_group_hits,
)
from safeharbor.score.person_model import score_persons, score_single
from safeharbor.score.tables import (
    score_ads,
    score_flags,
    score_lead_ads,
    score_leads,
    score_networks,
    score_state,
)
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads, extract_state

BATCH = 1000
HIGH_RISK = 0.5
# Bump when the scoring code changes what it computes (detectors, person grouping): everything is re-scored.
SCORER_VERSION = "5"


@dataclass
class ScoreSummary:
    ads_total: int = 0
    ads_matched: int = 0  # ads whose indicators were (re-)matched
    indicators_rematched: list[str] = field(default_factory=list)
    ads_grouped: int = 0  # ads whose phone/network signals were recomputed
    ads_combined: int = 0  # ads whose risk was recomputed
    networks_scored: int = 0
    linked: bool = False
    rebuild: bool = False
    model: str = "catalogue"
    catalogue: str = ""
    high_risk_ads: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per step, for bench/risk.py

    def lines(self) -> list[str]:
        out = [
            f"Scored {self.ads_combined:,} of {self.ads_total:,} ads (matched {self.ads_matched:,}, "
            f"phone/network signals for {self.ads_grouped:,}); {self.networks_scored:,} networks.",
            f"{self.high_risk_ads:,} ads have risk >= {HIGH_RISK}: indicators of a possible minor, for a "
            "person to review (indicators are weak one by one).",
            f"Weights: {self.model} (catalogue {self.catalogue}).",
        ]
        if self.indicators_rematched:
            out.append(f"Catalogue changed: re-matched {', '.join(self.indicators_rematched)}.")
        if not self.linked:
            out.append("No networks yet (link stage not run): signals use ads that share a phone number.")
        return out


def _lap(summary: ScoreSummary, step: str, since: float) -> float:
    now = time.perf_counter()
    summary.seconds[step] = round(now - since, 2)
    return now


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(keys: Sequence[int], size: int = BATCH) -> Iterable[Sequence[int]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def networks_of(store: Store, ad_keys: Sequence[int]) -> dict[int, str] | None:
    """ad_key -> network id from the link stage, or None when linking is not installed or not run."""
    try:
        from safeharbor.link import queries as link_queries  # type: ignore[attr-defined]
    except ImportError:
        return None
    lookup = getattr(link_queries, "networks_for_ads", None)
    if lookup is None:
        return None
    try:
        with store.connect() as conn:
            raw = lookup(conn, list(ad_keys))
    except SQLAlchemyError:
        return None
    out: dict[int, str] = {}
    for key, value in dict(raw).items():
        nid = (
            value
            if isinstance(value, str | int)
            else getattr(value, "network_id", getattr(value, "id", None))
        )
        if nid is not None:
            out[int(key)] = str(nid)
    return out


def _state(conn: Connection) -> dict[str, Any]:
    return {r.key: r.value for r in conn.execute(select(score_state))}


def _save_state(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(delete(score_state).where(score_state.c.key.in_(list(values))))
    conn.execute(score_state.insert(), [{"key": k, "value": v} for k, v in values.items()])


def _flag_rows(
    ad_key: int, hits: dict[str, list[Any]], model: ScoringModel, level: str
) -> list[dict[str, Any]]:
    rows = []
    for indicator, found in hits.items():
        first = found[0]
        rows.append(
            {
                "ad_key": ad_key,
                "indicator": indicator,
                "level": level,
                "strength": 1.0,
                "weight": model.weight(indicator),
                "evidence": first.evidence,
                "field": first.field,
                "span_start": first.start,
                "span_end": first.end,
                "note": first.note,
                "also": [[h.field, h.start, h.end] for h in found[1:6] if h.start is not None],
            }
        )
    return rows


def _match(store: Store, keys: Sequence[int], indicators: list[Indicator], model: ScoringModel) -> None:
    """(Re-)match these ad-level indicators on these ads, replacing their stored flags."""
    ids = [i.id for i in indicators]
    for chunk in _chunks(sorted(keys)):
        with store.begin() as conn:
            found = ad_texts(conn, chunk)
            exts = extractions_of(conn, chunk)
            rows: list[dict[str, Any]] = []
            for ad in found:
                rows.extend(
                    _flag_rows(ad.ad_key, match_ad(ad, exts.get(ad.ad_key, []), indicators), model, "ad")
                )
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.indicator.in_(ids))
            )
            if rows:
                conn.execute(score_flags.insert(), rows)


PersonScores = dict[int, tuple[float, dict[str, Any]]]


def _group_hits(
    store: Store, cat: Catalogue, target: set[int], networks: dict[int, str] | None
) -> tuple[dict[int, dict[str, GroupHit]], dict[int, str], PersonScores]:
    """Network-level hits for each target ad, from its network (or its phones' groups); the persons of
    its network each target ad advertises (labels joined by PERSON_SEP); and the person model's score of
    the strongest of them (a stand-alone ad is a person of its own), for ranking leads."""
    indicators = cat.of_level("network")
    if not target or (not indicators and cat.person is None):
        return {}, {}, {}
    by_network: dict[str, set[int]] = defaultdict(set)
    for key, nid in (networks or {}).items():
        by_network[nid].add(key)
    with store.connect() as conn:
        own = ad_facts(conn, sorted(target))
        # Phone groups stand in for networks only until the link stage has run: afterwards a phone's
        # ads are part of its network, and a phone the link stage cut (a junk number shared by
        # unrelated posters) would join persons of different operators who share a working name.
        phones = set() if networks else {p for f in own.values() for p in f.phones}
        by_phone = {
            p: m for p, m in phone_members(conn, phones).items() if 2 <= len(m) <= MAX_PHONE_GROUP_ADS
        }
        universe = set(target)
        for m in by_phone.values():
            universe |= m
        for key in target:
            if networks and key in networks:
                universe |= by_network[networks[key]]
        facts = {**own, **ad_facts(conn, sorted(universe - set(own)))}
    cache: dict[str, GroupSummary] = {}

    def summary(kind: str, ident: str, members: set[int]) -> GroupSummary:
        label = f"{kind} {ident}"
        if label not in cache:
            cache[label] = group_signals(indicators, [facts[k] for k in sorted(members) if k in facts], label)
        return cache[label]

    titles = {i.id: i.title for i in cat.indicators}
    person_cache: dict[str, PersonScores] = {}

    def person_scores(nid: str, net: GroupSummary) -> PersonScores:
        if nid not in person_cache and cat.person is not None:
            members = [facts[k] for k in sorted(by_network[nid]) if k in facts]
            split = {name: [facts[k] for k in keys if k in facts] for name, keys in net.persons.items()}
            person_cache[nid] = score_persons(split, members, cat.person, titles)
        return person_cache.get(nid, {})

    out: dict[int, dict[str, GroupHit]] = {}
    person_of: dict[int, str] = {}
    ranked: PersonScores = {}
    for key in target:
        f = own.get(key)
        if f is None:
            continue
        sums = [summary("phone", p, by_phone[p]) for p in sorted(f.phones) if p in by_phone]
        if networks and key in networks:
            net = summary("network", networks[key], by_network[networks[key]])
            sums.append(net)
            labels = [name for name, keys in net.persons.items() if key in keys]
            person_of[key] = PERSON_SEP.join(labels)
            scored = person_scores(networks[key], net).get(key)
            if scored is not None:
                ranked[key] = scored
        elif cat.person is not None:
            ranked[key] = score_single(f, cat.person, titles)
        hits = merge_group_hits(key, sums) if indicators else {}
        if hits:
            out[key] = hits
    return out, person_of, ranked


def _write_group_flags(
    store: Store, target: set[int], hits: dict[int, dict[str, GroupHit]], model: ScoringModel
) -> None:
    keys = sorted(target)
    for chunk in _chunks(keys):
        rows: list[dict[str, Any]] = [
            {
                "ad_key": key,
                "indicator": hit.indicator,
                "level": "network",
                "strength": hit.value,
                "weight": model.weight(hit.indicator) * hit.value,
                "evidence": hit.evidence,
                "field": None,
                "span_start": None,
                "span_end": None,
                "note": hit.note,
                "also": [],
            }
            for key in chunk
            for hit in hits.get(key, {}).values()
        ]
        with store.begin() as conn:
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.level == "network")
            )
            if rows:
                conn.execute(score_flags.insert(), rows)


def _combine(
    store: Store,
    keys: Sequence[int],
    model: ScoringModel,
    networks: dict[int, str] | None,
    extract_versions: dict[int, str],
    person_of: dict[int, str],
    ranked: PersonScores,
    regrouped: set[int],
) -> None:
    now = _now()
    for chunk in _chunks(sorted(keys), 5000):
        with store.begin() as conn:
            # Ads whose group signals were not recomputed keep the persons (and person scores) found
            # last time.
            persons: dict[int, str | None] = {}
            person_scores: PersonScores = {}
            for r in conn.execute(
                select(
                    score_ads.c.ad_key, score_ads.c.persons, score_ads.c.person_logit,
                    score_ads.c.person_evidence,
                ).where(score_ads.c.ad_key.in_(chunk))
            ):  # fmt: skip
                persons[r.ad_key] = r.persons
                if r.person_logit is not None:
                    person_scores[r.ad_key] = (r.person_logit, r.person_evidence or {})
            persons.update((k, person_of[k]) for k in chunk if k in person_of)
            for k in chunk:  # re-grouped ads take this run's person score, or none (model removed)
                if k in ranked:
                    person_scores[k] = ranked[k]
                elif k in regrouped:
                    person_scores.pop(k, None)
            fired: dict[int, dict[str, float]] = defaultdict(dict)
            for ad_key, indicator, strength in conn.execute(
                select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.strength).where(
                    score_flags.c.ad_key.in_(chunk)
                )
            ):
                fired[ad_key][indicator] = strength
            rows: list[dict[str, Any]] = []
            for key in chunk:
                logit = model.logit(fired.get(key, {}))
                rows.append(
                    {
                        "ad_key": key,
                        "risk": sigmoid(logit),
                        "logit": logit,
                        "network_id": (networks or {}).get(key),
                        "extract_version": extract_versions.get(key, ""),
                        "scored_at": now,
                        "persons": persons.get(key) if (networks or {}).get(key) else None,
                        "person_logit": person_scores[key][0] if key in person_scores else None,
                        "person_evidence": person_scores[key][1] if key in person_scores else None,
                    }
                )
            conn.execute(delete(score_ads).where(score_ads.c.ad_key.in_(chunk)))
            conn.execute(score_ads.insert(), rows)


def update_scores(store: Store, *, rebuild: bool = False, catalogue: Catalogue | None = None) -> ScoreSummary:
    """Score ads not yet scored, or all of them when the catalogue changed or `rebuild` is set."""
    from safeharbor.score.network_rollup import score_networks_for

    cat = catalogue or load_catalogue()
    summary = ScoreSummary(rebuild=rebuild, catalogue=cat.path)
    with store.connect() as conn:
        state = {} if rebuild else _state(conn)
        if state and state.get("scorer_version") != SCORER_VERSION:
            rebuild, summary.rebuild = True, True
            state = {}
        model = active_model(conn, cat)
        all_keys = list(conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key)).scalars())
        extract_versions = dict(
            conn.execute(select(extract_state.c.ad_key, extract_state.c.extract_version)).all()
        )
        scored = {
            r.ad_key: (r.extract_version, r.network_id)
            for r in conn.execute(
                select(score_ads.c.ad_key, score_ads.c.extract_version, score_ads.c.network_id)
            )
        }
    summary.model, summary.ads_total = model.origin, len(all_keys)
    networks = networks_of(store, all_keys)
    summary.linked = bool(networks)
    if rebuild:
        with store.begin() as conn:
            for table in (score_flags, score_ads, score_networks, score_leads, score_lead_ads):
                conn.execute(delete(table))
        scored = {}

    old_hashes: dict[str, str] = state.get("match_hashes") or {}
    new_hashes = cat.match_hashes()
    changed = [i for i in cat.indicators if old_hashes.get(i.id) != new_hashes[i.id]] if scored else []
    removed = sorted(set(old_hashes) - set(new_hashes))
    summary.indicators_rematched = [i.id for i in changed] + [f"{r} (removed)" for r in removed]
    if removed:
        with store.begin() as conn:
            conn.execute(delete(score_flags).where(score_flags.c.indicator.in_(removed)))

    clock = time.perf_counter()
    # 1. Ad-level matching: every indicator on new ads; changed indicators on the rest.
    new_keys = [k for k in all_keys if k not in scored or scored[k][0] != extract_versions.get(k, "")]
    ad_level = cat.of_level("ad")
    _match(store, new_keys, ad_level, model)
    changed_ad = [i for i in changed if i.level == "ad"]
    new_set = set(new_keys)
    old_keys = [k for k in all_keys if k not in new_set]
    if changed_ad:
        _match(store, old_keys, changed_ad, model)
    summary.ads_matched = len(new_keys) + (len(old_keys) if changed_ad else 0)

    clock = _lap(summary, "match", clock)
    # 2. Phone/network signals for the groups that new ads or changed networks touch.
    moved = {k for k in old_keys if (networks or {}).get(k) != scored.get(k, ("", None))[1]}
    person_changed = state.get("person_hash", "") != cat.person_hash()
    if changed or removed or not scored or person_changed:
        target = set(all_keys)
    else:
        target = new_set | moved
        touched = {(networks or {}).get(k) for k in target} | {scored[k][1] for k in moved}
        touched.discard(None)
        if networks:
            target |= {k for k, nid in networks.items() if nid in touched}
        else:  # no networks yet: the groups are the ads sharing a phone number
            with store.connect() as conn:
                new_phones = {
                    e.value for ex in extractions_of(conn, sorted(new_set), ("phone",)).values() for e in ex
                }
                for members in phone_members(conn, new_phones).values():
                    if len(members) <= MAX_PHONE_GROUP_ADS:
                        target |= members
    hits, person_of, ranked = _group_hits(store, cat, target, networks)
    _write_group_flags(store, target, hits, model)
    summary.ads_grouped = len(target)

    clock = _lap(summary, "group signals", clock)
    # 3. Combine into risk: everything when the weights changed, else what was touched.
    weights_changed = state.get("model_hash") != model.hash()
    if weights_changed and scored:
        with store.begin() as conn:
            for indicator in cat.indicators:
                conn.execute(
                    update(score_flags)
                    .where(score_flags.c.indicator == indicator.id)
                    .values(weight=score_flags.c.strength * model.weight(indicator.id))
                )
    combine = set(all_keys) if (weights_changed or changed_ad or removed) else (target | new_set)
    _combine(store, sorted(combine), model, networks, extract_versions, person_of, ranked, target)
    summary.ads_combined = len(combine)

    clock = _lap(summary, "combine", clock)
    # 4. Network roll-up for networks whose ads were re-combined.
    if networks:
        touched_networks = {networks[k] for k in combine if k in networks} | {
            scored[k][1] for k in moved if scored.get(k, ("", None))[1]
        }
        summary.networks_scored = score_networks_for(store, touched_networks, networks)

    clock = _lap(summary, "network roll-up", clock)
    # 5. The precomputed lead queue, for the leads that hold re-combined ads (all after a rebuild).
    with store.begin() as conn:
        has_leads = conn.execute(select(score_leads.c.lead_id).limit(1)).first() is not None
        full = rebuild or not scored or not has_leads
        if full or combine:
            refresh_leads(conn, None if full else combine)
        _save_state(
            conn,
            {
                "scorer_version": SCORER_VERSION,
                "match_hashes": new_hashes,
                "model_hash": model.hash(),
                "catalogue_hash": cat.hash(),
                "person_hash": cat.person_hash(),
                "scored_at": _now(),
            },
        )
        summary.high_risk_ads = int(
            conn.execute(
                select(func.count()).select_from(score_ads).where(score_ads.c.risk >= HIGH_RISK)
            ).scalar()
            or 0
        )
    _lap(summary, "lead queue", clock)
    return summary
