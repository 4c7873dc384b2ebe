"""The person model: how the lead queue ranks networks (and stand-alone ads).

A network involves a child victim when one of the *persons* it advertises is a child, and what tells a
child's ads from an adult's is weak in any one ad but adds up over many: youth language in 7 of 9 ads
is a pattern, in 1 of 9 a chance phrase that the 8 other ads speak against. So the person model counts,
over one person's distinct ads (re-posts once), how many show each indicator and how many do not, and
adds a weight for each: `logit = bias + log_ads * log(ads) + per_ad * ads + sum over features of
(shown * count showing + not_shown * count not showing)`. Absent evidence counts too, which is what
the mean over ads (the old ranking) and the ad-level score (only fired indicators count) leave out.

Features are the catalogue's ad-level indicators, `youth_any` (any of the youth indicators), and
`age_drift` (ads whose stated age is not the person's usual one, counted over the ads that state one).
Weights live in the catalogue (`person_model`), fitted on synthetic development corpora
(bench/person_defaults.py) and re-fitted from reviewed cases by `safeharbor train`.
A network's ranking score is its strongest person's; a stand-alone ad is a person with one ad.
The result is a ranking for a person to review, not a finding about anyone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safeharbor.score.catalogue import PersonWeights
from safeharbor.score.model import fit_weights
from safeharbor.score.network_signals import AdFacts, distinct_ads, persons_ages, usual_age

YOUTH_ANY = "youth_any"
AGE_DRIFT = "age_drift"
TOP_REASONS = 4
SIZE_SD = 10.0  # prior sd of the size terms (log_ads, per_ad) when fitting: effectively unshrunk
LABELS = {
    YOUTH_ANY: "youth language or emoji (any)",
    AGE_DRIFT: "stated age differs from the person's usual one",
}


@dataclass(frozen=True)
class PersonCounts:
    """How many of one person's distinct ads show each feature, out of how many could."""

    label: str
    ads: int  # distinct ads (re-posts counted once)
    shown: dict[str, tuple[int, int]] = field(default_factory=dict)  # feature -> (showing, out of)


def _usual_age_changes(ads: Sequence[AdFacts]) -> tuple[int, int]:
    """(ads whose stated age differs from the usual one, ads stating an age for this one person)."""
    aged = persons_ages(ads)
    if not aged:
        return 0, 0
    usual = usual_age(aged)
    return sum(1 for m in aged if usual not in m.ages), len(aged)


def person_counts(label: str, ads: Sequence[AdFacts], weights: PersonWeights) -> PersonCounts:
    """Count the model's features over a person's distinct ads."""
    kept = distinct_ads(ads, weights.repost_days)
    youth = set(weights.youth)
    shown: dict[str, tuple[int, int]] = {}
    for feature in weights.weights:
        if feature == AGE_DRIFT:
            shown[feature] = _usual_age_changes(kept)
        elif feature == YOUTH_ANY:
            shown[feature] = (sum(1 for m in kept if m.indicators & youth), len(kept))
        else:
            shown[feature] = (sum(1 for m in kept if feature in m.indicators), len(kept))
    return PersonCounts(label, len(kept), shown)


def _terms(counts: PersonCounts, weights: PersonWeights) -> dict[str, float]:
    terms = {}
    for feature, (k, n) in counts.shown.items():
        on, off = weights.weights.get(feature, (0.0, 0.0))
        terms[feature] = on * k + off * (n - k)
    return terms


def person_logit(counts: PersonCounts, weights: PersonWeights) -> float:
    size = weights.log_ads * math.log(counts.ads) + weights.per_ad * counts.ads if counts.ads else 0.0
    return weights.bias + size + sum(_terms(counts, weights).values())


def person_evidence(counts: PersonCounts, weights: PersonWeights, titles: dict[str, str]) -> dict[str, Any]:
    """What an analyst reads: the person, their distinct ads, the features that weighed most for and
    against."""
    terms = _terms(counts, weights)
    # Reasons are evidence for (a feature shown) or against (a feature not shown where the model counts
    # its absence); a small positive weight for an absent feature only stands in for the number of ads.
    telling = [f for f in terms if terms[f] < 0 or (terms[f] > 0 and counts.shown[f][0] > 0)]
    order = sorted(telling, key=lambda f: (-abs(terms[f]), f))[:TOP_REASONS]
    return {
        "person": counts.label,
        "ads": counts.ads,
        "logit": round(person_logit(counts, weights), 4),
        "reasons": [
            {
                "feature": f,
                "title": titles.get(f, LABELS.get(f, f)),
                "shown": counts.shown[f][0],
                "of": counts.shown[f][1],
                "contribution": round(terms[f], 3),
            }
            for f in order
            if terms[f] != 0.0
        ],
    }


def reason_text(reason: dict[str, Any]) -> str:
    """'youth language or emoji (any) 7 of 9 (+3.9)'."""
    return f"{reason['title']} {reason['shown']} of {reason['of']} ({float(reason['contribution']):+.1f})"


def evidence_line(evidence: dict[str, Any]) -> str:
    """One line for a terminal: '<person>, 9 distinct ads: youth ... 7 of 9 (+3.9); ...'."""
    parts = [reason_text(r) for r in evidence.get("reasons", [])]
    return f"{evidence.get('person')}, {evidence.get('ads')} distinct ads: " + "; ".join(parts)


def basis_line(rank_basis: dict[str, Any]) -> str | None:
    """A lead's `rank_basis` (score/lead_table.py) as one line, when the person model ranked it."""
    if rank_basis.get("evidence") is None:
        return None
    person, ads = rank_basis.get("person"), rank_basis.get("person_ads")
    return evidence_line({"person": person, "ads": ads, "reasons": rank_basis["evidence"]})


def design_row(counts: PersonCounts, features: Sequence[str]) -> list[float]:
    """The person's counts as a row of the fitting matrix: log(ads), ads, then (showing, not showing)
    pairs."""
    row = [math.log(counts.ads) if counts.ads else 0.0, float(counts.ads)]
    for f in features:
        k, n = counts.shown.get(f, (0, 0))
        row += [float(k), float(n - k)]
    return row


def fit_person_weights(
    samples: Sequence[tuple[PersonCounts, bool]],
    base: PersonWeights,
    *,
    prior_sd: float = 0.17,
    centre_on_base: bool = True,
) -> PersonWeights:
    """MAP logistic fit of the person model (Gaussian prior: on the current weights for `train`, on
    zero when fitting the defaults from development corpora)."""
    if not samples:
        raise ValueError("no persons to fit on")
    # A feature no sample shows cannot be fitted (its "not shown" weight would only stand in for the
    # number of ads): it keeps its current weights when the prior is centred on them, else gets 0, 0.
    features = [f for f in base.weights if any(c.shown.get(f, (0, 0))[0] for c, _ in samples)]
    x = np.array([design_row(c, features) for c, _ in samples])
    y = np.array([1.0 if label else 0.0 for _, label in samples])
    prior = [base.log_ads, base.per_ad] + [w for f in features for w in base.weights[f]]
    prior_w = np.array(prior) if centre_on_base else np.zeros(len(prior))
    # The size terms are not shrunk: how many ads a person has is not evidence either way, and left
    # unshrunk they keep the features' "not shown" weights from standing in for it.
    sd = np.array([SIZE_SD, prior_sd] + [prior_sd] * (2 * len(features)))
    bias, w = fit_weights(x, y, base.bias if centre_on_base else 0.0, prior_w, prior_sd=sd, bias_sd=100.0)
    fitted = dict(base.weights) if centre_on_base else {f: (0.0, 0.0) for f in base.weights}
    for i, f in enumerate(features):
        fitted[f] = (round(float(w[2 + 2 * i]), 3), round(float(w[3 + 2 * i]), 3))
    return PersonWeights(
        bias=round(bias, 3),
        log_ads=round(float(w[0]), 3),
        per_ad=round(float(w[1]), 3),
        weights=fitted,
        youth=base.youth,
        repost_days=base.repost_days,
    )


NO_PERSON = "ads with no name or photo in common"


def person_clusters(
    persons: dict[str, list[AdFacts]], members: Sequence[AdFacts]
) -> dict[str, list[AdFacts]]:
    """The persons of a group, plus one more for the group's ads that no person was found for."""
    clusters = dict(persons)
    assigned = {m.ad_key for ads in persons.values() for m in ads}
    rest = [m for m in members if m.ad_key not in assigned]
    if rest:
        clusters[NO_PERSON] = rest
    return clusters


def score_persons(
    persons: dict[str, list[AdFacts]],
    members: Sequence[AdFacts],
    weights: PersonWeights,
    titles: dict[str, str],
) -> dict[int, tuple[float, dict[str, Any]]]:
    """For each ad of a group: the logit and evidence of the strongest person it advertises.

    `persons` is the group split into persons (network_signals.persons); the group's ads that no person
    was found for are scored together as one more person, so that they are not left out of the rank."""
    out: dict[int, tuple[float, dict[str, Any]]] = {}
    for label, ads in person_clusters(persons, members).items():
        counts = person_counts(label, ads, weights)
        logit = person_logit(counts, weights)
        evidence: dict[str, Any] | None = None
        for m in ads:
            if m.ad_key not in out or logit > out[m.ad_key][0]:
                evidence = evidence or person_evidence(counts, weights, titles)
                out[m.ad_key] = (logit, evidence)
    return out


def score_single(ad: AdFacts, weights: PersonWeights, titles: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """A stand-alone ad is one person with one ad."""
    label = ", ".join(sorted(n.title() for n in ad.names)) or "this ad"
    counts = person_counts(label, [ad], weights)
    return person_logit(counts, weights), person_evidence(counts, weights, titles)
