"""How the lead queue ranks by default: each person's evidence, counted once per independent observation.

A network involves a child victim when one of the persons it advertises is a child. A person is a
network's ads that share a working name or photos (network_signals.persons); a stand-alone ad is a
person of one ad. The person's score uses the same weights as an ad's (the catalogue's, or those
re-fitted from reviews) on the person's evidence:

- **Independent observations.** Re-posts and near-duplicate templates of one person are one
  observation: ads with the same evidence signature (the same indicators and stated ages) count once,
  whatever their number, city or date. 219 re-posts of one template are one observation.
- **Ad-level indicators count by their share** of the person's observations: youth language in 7 of 9
  observations contributes 7/9 of its weight, in 1 of 9 a ninth. Shares saturate at 1, so no number of
  ads adds more than the weight. Evidence by absence is not used: what a person's ads do not say does
  not count against them (it depends on who writes the ads, not on who is advertised).
- **Person-level indicators** (a person's ads keep using youth language, their stated age changes...)
  count with their graded value (0..1, already a saturating measure of repeated evidence).
- **Decisive indicators** (a stated age under 18) count fully if any observation shows them.

    person logit = bias + cap * tanh(sum of weight x value / cap) + decisive weights

(docs/indicators.md, "Independent evidence counted once"). A network ranks by its strongest person;
an ad's own score is bounded by its strongest person's (run.py), so one ad's chance phrase in a person's
many ads does not make that ad a top lead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safeharbor.score.model import ScoringModel
from safeharbor.score.network_signals import AdFacts, observations
from safeharbor.score.person_model import NO_PERSON, PersonScores, person_clusters

TOP_REASONS = 4
Hits = Mapping[int, Mapping[str, float]]  # ad_key -> network-level indicator -> value


def person_values(ads: Sequence[AdFacts], hits: Hits, decisive: frozenset[str]) -> dict[str, float]:
    """Indicator -> value for one person: shares of observations, graded person-level values, and
    decisive indicators if any observation shows them."""
    observed = observations(ads)
    values: dict[str, float] = {}
    for ad in observed:
        for indicator in ad.indicators:  # a phrase widespread in the corpus counts less (prevalence.py)
            values[indicator] = values.get(indicator, 0.0) + ad.strength(indicator)
    for indicator in values:
        values[indicator] = 1.0 if indicator in decisive else values[indicator] / len(observed)
    for ad in ads:
        for indicator, value in hits.get(ad.ad_key, {}).items():
            values[indicator] = max(values.get(indicator, 0.0), value)
    return values


def _reasons(
    values: Mapping[str, float], ads: Sequence[AdFacts], model: ScoringModel, titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    n = len(observations(ads))
    terms = {i: model.weight(i) * v for i, v in values.items() if model.weight(i) * v != 0.0}
    order = sorted(terms, key=lambda i: (-abs(terms[i]), i))[:TOP_REASONS]
    return [
        {
            "feature": i,
            "title": titles.get(i, i),
            "shown": round(values[i] * n) if i not in model.decisive else 1,
            "of": n,
            "contribution": round(terms[i], 3),
        }
        for i in order
    ]


def evidence_score(
    label: str, ads: Sequence[AdFacts], hits: Hits, model: ScoringModel, titles: Mapping[str, str]
) -> tuple[float, dict[str, Any]]:
    """The person's logit and what an analyst reads: the person, their observations, the strongest
    evidence."""
    values = person_values(ads, hits, model.decisive)
    logit = model.logit(values)
    return logit, {
        "basis": "evidence",
        "person": label,
        "ads": len(observations(ads)),
        "logit": round(logit, 4),
        "reasons": _reasons(values, ads, model, titles),
    }


def evidence_persons(
    persons: dict[str, list[AdFacts]],
    members: Sequence[AdFacts],
    hits: Hits,
    model: ScoringModel,
    titles: Mapping[str, str],
) -> PersonScores:
    """For each ad of a network: the logit and evidence of the strongest person it advertises (the
    network's ads no person was found for are scored together, as person_model.score_persons does)."""
    out: PersonScores = {}
    for label, ads in sorted(
        person_clusters(persons, members).items(), key=lambda kv: (kv[0] == NO_PERSON, kv[0])
    ):
        logit, evidence = evidence_score(label, ads, hits, model, titles)
        for m in ads:
            if m.ad_key not in out or logit > out[m.ad_key][0]:
                out[m.ad_key] = (logit, evidence)
    return out
