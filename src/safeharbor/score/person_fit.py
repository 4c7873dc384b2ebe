"""Re-fit the person model (which ranks the lead queue) from analysts' reviewed outcomes.

`safeharbor train --persons FILE` calls this: the reviewed ads' persons (as the score stage finds them
in their networks; a stand-alone ad is a person of one ad) become the samples, a person is positive
when at least half of their reviewed ads were confirmed to involve a child (an ad showing two persons
says only that one of them is), and the weights are fitted with a Gaussian prior centred on the
catalogue's current ones. The fit is written as a copy of the catalogue with a new `person_model`
block, for a person to check and put in use (SAFEHARBOR_CATALOGUE=FILE): changing what ranks the queue
is a decision, not a side effect.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

from safeharbor.score.catalogue import Catalogue, PersonWeights
from safeharbor.score.load import ad_facts
from safeharbor.score.network_signals import persons
from safeharbor.score.person_model import (
    PersonCounts,
    fit_person_weights,
    person_clusters,
    person_counts,
    person_logit,
)
from safeharbor.score.tables import score_ads
from safeharbor.storage.engine import Store

MIN_EACH = 5  # fewer positive or negative persons than this: too little to fit on


@dataclass
class PersonFit:
    persons: int
    positives: int
    weights: PersonWeights | None = None
    auc_before: float | None = None
    auc_after_cv: float | None = None
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Person model: {self.persons} reviewed persons ({self.positives} confirmed child victims)."]
        if self.auc_before is not None and self.auc_after_cv is not None:
            out.append(
                f"  Person ROC AUC: current weights {self.auc_before:.3f}, re-fitted {self.auc_after_cv:.3f} "
                "(5-fold cross-validated)"
            )
        out += [f"  Warning: {w}" for w in self.warnings]
        return out


def reviewed_persons(
    store: Store, outcomes: Sequence[tuple[int, bool]], weights: PersonWeights
) -> list[tuple[PersonCounts, bool]]:
    """(person counts, confirmed) for every person holding a reviewed ad."""
    from safeharbor.score.run import networks_of  # run imports the person model

    decided = {int(k): bool(v) for k, v in outcomes}
    networks = networks_of(store, sorted(decided)) or {}
    wanted = sorted(set(networks.values()))
    members: dict[str, list[int]] = defaultdict(list)
    with store.connect() as conn:
        for i in range(0, len(wanted), 500):  # the networks' other ads, as the score stage stored them
            query = select(score_ads.c.ad_key, score_ads.c.network_id).where(
                score_ads.c.network_id.in_(wanted[i : i + 500])
            )
            for key, nid in conn.execute(query):
                members[nid].append(key)
        facts = ad_facts(conn, sorted(set(decided) | {k for ks in members.values() for k in ks}))
    samples: list[tuple[PersonCounts, bool]] = []
    for ks in members.values():
        group = [facts[k] for k in sorted(ks) if k in facts]
        for label, ads in person_clusters(persons(group), group).items():
            verdicts = [decided[m.ad_key] for m in ads if m.ad_key in decided]
            if verdicts:  # as the defaults were fitted: most of the person's reviewed ads confirmed
                samples.append((person_counts(label, ads, weights), 2 * sum(verdicts) >= len(verdicts)))
    for key, verdict in decided.items():
        if key not in networks and key in facts:
            samples.append((person_counts("ad", [facts[key]], weights), verdict))
    return samples


def _cv_auc(samples: list[tuple[PersonCounts, bool]], base: PersonWeights, prior_sd: float) -> float | None:
    y = np.array([v for _, v in samples], dtype=float)
    if y.sum() < MIN_EACH or (1 - y).sum() < MIN_EACH:
        return None
    folds = np.arange(len(samples)) % 5
    z = np.zeros(len(samples))
    for f in range(5):
        train = [s for s, fold in zip(samples, folds, strict=True) if fold != f]
        fitted = fit_person_weights(train, base, prior_sd=prior_sd)
        for i in np.flatnonzero(folds == f):
            z[i] = person_logit(samples[i][0], fitted)
    return float(roc_auc_score(y, z))


def fit_persons_from_outcomes(
    store: Store, outcomes: Sequence[tuple[int, bool]], cat: Catalogue, *, prior_sd: float = 0.3
) -> PersonFit:
    if cat.person is None:
        fit = PersonFit(0, 0)
        fit.warnings.append("the catalogue has no person_model to re-fit")
        return fit
    from safeharbor.score.run import update_scores  # run imports the person model

    update_scores(store, catalogue=cat)  # every reviewed ad scored, with its network (cheap if current)
    samples = reviewed_persons(store, outcomes, cat.person)
    y = np.array([v for _, v in samples], dtype=float)
    fit = PersonFit(len(samples), int(y.sum()))
    if y.sum() < MIN_EACH or (1 - y).sum() < MIN_EACH:
        fit.warnings.append(
            f"need at least {MIN_EACH} confirmed and {MIN_EACH} ruled-out persons; "
            "the person model is unchanged"
        )
        return fit
    fit.auc_before = float(roc_auc_score(y, [person_logit(c, cat.person) for c, _ in samples]))
    fit.auc_after_cv = _cv_auc(samples, cat.person, prior_sd)
    fit.weights = fit_person_weights(samples, cat.person, prior_sd=prior_sd)
    if fit.auc_after_cv is not None and fit.auc_after_cv < fit.auc_before:
        fit.warnings.append("the re-fitted person model ranks reviewed persons worse than the current one")
    return fit


def person_block(weights: PersonWeights) -> str:
    lines = [
        "person_model:",
        f"  bias: {weights.bias}",
        f"  log_ads: {weights.log_ads}",
        f"  per_ad: {weights.per_ad}",
        f"  repost_days: {weights.repost_days:g}",
        f"  youth: [{', '.join(weights.youth)}]",
        "  weights:",
    ]
    lines += [f"    {f}: [{on}, {off}]" for f, (on, off) in weights.weights.items()]
    return "\n".join(lines) + "\n"


def write_catalogue_with(source: Path, target: Path, weights: PersonWeights) -> None:
    """Copy the catalogue file, replacing its top-level person_model block (or appending one)."""
    text = source.read_text(encoding="utf-8")
    block = re.compile(r"^person_model:\n(?:(?:[ \t].*|\s*)\n)*", re.MULTILINE)
    if block.search(text):
        text = block.sub(lambda _: person_block(weights), text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + person_block(weights)
    target.write_text(text, encoding="utf-8")
