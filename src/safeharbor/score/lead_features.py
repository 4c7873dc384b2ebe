"""What a lead's ranking score was built from, as a feature vector: the values of its strongest person.

A lead ranks by the evidence of the strongest person behind it (person_evidence.py): ad-level indicators
by their share of the person's independent observations, person-level indicators by their graded value,
decisive ones fully. Learning from reviews (score/learn.py) fits the weights of exactly these values, so
that what is learnt is what ranks the queue. Read from the stored scores (score_lead_ads, score_flags),
so the lead's ads must have been scored (`update_scores`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from sqlalchemy import Connection, select

from safeharbor.score.load import ad_facts, ad_texts, extractions_of
from safeharbor.score.model import ScoringModel
from safeharbor.score.network_signals import AdFacts, persons
from safeharbor.score.person_evidence import person_values
from safeharbor.score.person_model import person_clusters
from safeharbor.score.review_text import INDICATOR as TEXT_INDICATOR
from safeharbor.score.review_text import MASKED_KINDS, ad_keys, masked_words
from safeharbor.score.tables import score_flags, score_lead_ads
from safeharbor.storage.batching import sorted_chunks

Values = dict[str, float]


def lead_members(conn: Connection, lead_ids: Iterable[str]) -> dict[str, list[int]]:
    """lead_id -> the ad keys it holds (every version of every posting)."""
    out: dict[str, list[int]] = defaultdict(list)
    for chunk in sorted_chunks(set(lead_ids)):
        query = select(score_lead_ads.c.lead_id, score_lead_ads.c.ad_key)
        for lead_id, key in conn.execute(query.where(score_lead_ads.c.lead_id.in_(chunk))):
            out[lead_id].append(int(key))
    return dict(out)


def leads_of_ads(conn: Connection, keys: Iterable[int]) -> dict[int, str]:
    """ad_key -> the lead that holds it."""
    out: dict[int, str] = {}
    for chunk in sorted_chunks(set(keys)):
        query = select(score_lead_ads.c.ad_key, score_lead_ads.c.lead_id)
        out.update({int(k): str(v) for k, v in conn.execute(query.where(score_lead_ads.c.ad_key.in_(chunk)))})
    return out


def _group_hits(conn: Connection, keys: list[int]) -> dict[int, dict[str, float]]:
    hits: dict[int, dict[str, float]] = defaultdict(dict)
    for chunk in sorted_chunks(keys):
        query = select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.strength).where(
            score_flags.c.ad_key.in_(chunk), score_flags.c.level == "network"
        )
        for key, indicator, strength in conn.execute(query):
            hits[int(key)][str(indicator)] = float(strength)
    return hits


def _strongest(
    kind: str, ads: list[AdFacts], hits: dict[int, dict[str, float]], model: ScoringModel
) -> Values:
    """The values of the person the model ranks highest among the lead's persons (an ad lead: one)."""
    clusters = {"ad": ads} if kind == "ad" else person_clusters(persons(ads), ads)
    best: tuple[float, str, Values] | None = None
    for label, members in sorted(clusters.items()):
        values = person_values(members, hits, model.decisive)
        logit = model.logit(values)
        if best is None or logit > best[0]:
            best = (logit, label, values)
    return best[2] if best else {}


def _text_fired(facts: dict[int, AdFacts], fired: Mapping[int, bool]) -> dict[int, AdFacts]:
    """The ads with the review-learned text indicator as `fired` says (held-out firing while learning)."""
    out = dict(facts)
    for key, on in fired.items():
        if key in out:
            rest = out[key].indicators - {TEXT_INDICATOR}
            out[key] = replace(out[key], indicators=rest | {TEXT_INDICATOR} if on else rest)
    return out


def lead_values(
    conn: Connection,
    lead_ids: Iterable[str],
    model: ScoringModel,
    text_fired: Mapping[int, bool] | None = None,
) -> dict[str, Values]:
    """lead_id -> indicator -> value for its strongest person (leads that hold no scored ad are left out).
    `text_fired`: ad key -> whether the review-learned text indicator counts there (instead of its
    stored flag: `learn` fits its weight on held-out firing, not on the model's own training ads)."""
    members = lead_members(conn, lead_ids)
    keys = sorted({k for ks in members.values() for k in ks})
    facts = ad_facts(conn, keys)
    if text_fired:
        facts = _text_fired(facts, text_fired)
    hits = _group_hits(conn, keys)
    out: dict[str, Values] = {}
    for lead_id, ks in sorted(members.items()):
        ads = sorted((facts[k] for k in ks if k in facts), key=lambda f: f.ref)
        if ads:
            out[lead_id] = _strongest(lead_id.partition(":")[0], ads, hits, model)
    return out


def lead_text_documents(
    conn: Connection, labels: Mapping[str, bool]
) -> dict[str, tuple[bool, dict[int, frozenset[str]]]]:
    """lead_id -> (label, ad key -> the n-gram keys of its title and body, its own names and place left
    out): what the review-learned text model is fitted on (score/review_text.py)."""
    members = lead_members(conn, labels)
    keys = sorted({k for ks in members.values() for k in ks})
    found = {ad.ad_key: ad for ad in ad_texts(conn, keys)}
    exts = extractions_of(conn, keys, kinds=tuple(sorted(MASKED_KINDS)))
    out: dict[str, tuple[bool, dict[int, frozenset[str]]]] = {}
    for lead_id, ks in sorted(members.items()):
        docs: dict[int, frozenset[str]] = {}
        for key in ks:
            ad = found.get(key)
            if ad is not None:
                values = [v for e in exts.get(key, []) for v in (e.value, e.raw)]
                docs[key] = ad_keys([ad.title, ad.body], masked_words([ad.location, *values]))
        if docs:
            out[lead_id] = (labels[lead_id], docs)
    return out
