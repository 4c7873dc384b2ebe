"""Writing group flags and combining each ad's flags into its risk (score_ads)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from safeharbor.score.catalogue import Catalogue
from safeharbor.score.group import GroupResult
from safeharbor.score.match import FLAG_COLUMNS
from safeharbor.score.model import ScoringModel
from safeharbor.score.network_signals import GroupHit
from safeharbor.score.odds import sigmoid
from safeharbor.score.person_model import PersonScores
from safeharbor.score.tables import score_ads, score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store, bulk_insert
from safeharbor.storage.times import now_iso

FLAG_BATCH = 1000
COMBINE_BATCH = 5000
SCORE_AD_COLUMNS = ("ad_key", "risk", "logit", "network_id", "extract_version", "scored_at", "persons",
                    "person_logit", "person_evidence")  # fmt: skip


def _group_flag_row(ad_key: int, hit: GroupHit, model: ScoringModel) -> tuple[Any, ...]:
    """A score_flags row in FLAG_COLUMNS order: plain values for bulk_insert (no span, `also` "[]")."""
    weight = model.weight(hit.indicator) * hit.value
    return (ad_key, hit.indicator, "network", hit.value, weight, hit.evidence, None, None, None, hit.note,
            "[]")  # fmt: skip


def write_group_flags(store: Store, grouped: GroupResult, model: ScoringModel) -> None:
    """Replace the network-level flags of the re-grouped ads."""
    for chunk in sorted_chunks(grouped.target, FLAG_BATCH):
        rows = [
            _group_flag_row(key, hit, model) for key in chunk for hit in grouped.hits.get(key, {}).values()
        ]
        with store.begin() as conn:
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.level == "network")
            )
            bulk_insert(conn, score_flags, FLAG_COLUMNS, rows)


def reweigh_flags(store: Store, catalogue: Catalogue, model: ScoringModel) -> None:
    """Stored flags take the model's current weights (weight = strength x model weight)."""
    with store.begin() as conn:
        for indicator in catalogue.indicators:
            conn.execute(
                update(score_flags)
                .where(score_flags.c.indicator == indicator.id)
                .values(weight=score_flags.c.strength * model.weight(indicator.id))
            )


@dataclass
class _Stored:
    persons: dict[int, str | None]
    person_scores: PersonScores
    fired: dict[int, dict[str, float]]


def _stored(conn: Connection, chunk: Sequence[int], regrouped: frozenset[int]) -> _Stored:
    """The persons and person scores found last time, and the flags, of these ads. Re-grouped ads
    take this run's persons and scores (`_updated`): theirs are not read (the person evidence is JSON,
    and a batch re-groups most of the ads it re-combines)."""
    persons: dict[int, str | None] = {}
    person_scores: PersonScores = {}
    kept = [k for k in chunk if k not in regrouped]
    query = select(
        score_ads.c.ad_key, score_ads.c.persons, score_ads.c.person_logit, score_ads.c.person_evidence
    ).where(score_ads.c.ad_key.in_(kept))
    for r in conn.execute(query) if kept else ():
        persons[r.ad_key] = r.persons
        if r.person_logit is not None:
            person_scores[r.ad_key] = (r.person_logit, r.person_evidence or {})
    fired: dict[int, dict[str, float]] = defaultdict(dict)
    flags = select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.strength)
    for ad_key, indicator, strength in conn.execute(flags.where(score_flags.c.ad_key.in_(chunk))):
        fired[ad_key][indicator] = strength
    return _Stored(persons, person_scores, fired)


def _updated(stored: _Stored, chunk: Iterable[int], grouped: GroupResult) -> _Stored:
    """Ads whose group signals were not recomputed keep last time's persons and person scores;
    re-grouped ads take this run's person score, or none (the person model was removed)."""
    for k in chunk:
        if k in grouped.person_of:
            stored.persons[k] = grouped.person_of[k]
        if k in grouped.ranked:
            stored.person_scores[k] = grouped.ranked[k]
        elif k in grouped.target:
            stored.person_scores.pop(k, None)
    return stored


def combine_ads(
    store: Store,
    keys: Iterable[int],
    model: ScoringModel,
    networks: Mapping[int, str],
    extract_versions: Mapping[int, str],
    grouped: GroupResult,
    *,
    bounded: bool = False,
) -> None:
    """Recompute and store the risk of these ads from their stored flags (`bounded`: no ad above its
    strongest person's score, when persons are scored with the same model: person_evidence.py)."""
    now = now_iso()
    for chunk in sorted_chunks(keys, COMBINE_BATCH):
        with store.begin() as conn:
            found = _updated(_stored(conn, chunk, grouped.target), chunk, grouped)
            rows: list[tuple[Any, ...]] = []  # in SCORE_AD_COLUMNS order, plain values for bulk_insert
            for key in chunk:
                logit = model.logit(found.fired.get(key, {}))
                person = found.person_scores.get(key)
                if bounded and person is not None:  # an ad is no stronger than its person's evidence
                    logit = min(logit, person[0])
                network = networks.get(key)
                rows.append(
                    (key, sigmoid(logit), logit, network, extract_versions.get(key, ""), now,
                     found.persons.get(key) if network else None, person[0] if person else None,
                     # As SQLAlchemy's JSON type writes it (json.dumps; None as JSON null).
                     json.dumps(person[1] if person else None))
                )  # fmt: skip
            conn.execute(delete(score_ads).where(score_ads.c.ad_key.in_(chunk)))
            bulk_insert(conn, score_ads, SCORE_AD_COLUMNS, rows)
