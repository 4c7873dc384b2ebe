"""The person model's re-fit from analysts' reviewed outcomes: its report, and the catalogue copy it writes.

`safeharbor train --persons FILE` runs the fit (score/train.py): the reviewed ads' persons (as the score
stage finds them in their networks; a stand-alone ad is a person of one ad) become the samples, a person
is positive when at least half of their reviewed ads were confirmed to involve a child (an ad showing two
persons says only that one of them is), and the weights are fitted with a Gaussian prior centred on the
catalogue's current ones. The fit is written as a copy of the catalogue with a new `person_model` block,
for a person to check and put in use (SAFEHARBOR_CATALOGUE=FILE): changing what ranks the queue is a
decision, not a side effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from safeharbor.score.catalogue import PersonWeights
from safeharbor.score.person_model import PersonCounts, fit_person_weights, person_logit

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


def person_cv_auc(
    samples: list[tuple[PersonCounts, bool]], base: PersonWeights, prior_sd: float
) -> float | None:
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
