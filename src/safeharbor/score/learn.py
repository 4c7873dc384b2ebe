"""Learning from review: re-fit the indicator weights that rank the lead queue from reviewed leads.

Every reviewed lead is one sample: its features are the values its ranking score was built from (the
strongest person's evidence, lead_features.py), its label the analysts' decision (confirmed: a possible
child victim; dismissed or ruled out by a case: not). The fit is a logistic regression with a Gaussian
prior centred on the catalogue's weights (MAP, `model.fit_weights`):

    maximise  sum over leads of log-likelihood  -  sum over indicators of (w - w_catalogue)^2 / (2 sd^2)

and an indicator no reviewed lead shows keeps the catalogue's weight. How strong the prior is (sd) is
chosen from the reviews themselves (empirical Bayes, `choose_prior_sd`): the Laplace-approximated
evidence p(reviews | sd) over `PRIOR_SDS`. The strongest (`PRIOR_SD`, 0.7) stays unless a weaker one
explains the reviews at least `EVIDENCE_MARGIN` nats better, so a few reviews, or reviews that agree
with the catalogue, keep its weights, and many that clearly disagree (an indicator that points the
wrong way in this corpus) overrule them. What is fitted and what is not:
- non-decisive indicator weights: fitted (prior sd chosen as above, or given, in log-odds);
- decisive indicators (a stated age under 18): kept; their contribution is a fixed offset;
- the intercept is fitted (reviewed leads are the top of the queue, not a random sample) but not
  stored: the catalogue's bias stays, so risks are not shifted by who was reviewed. It does not change
  the order of leads.
The cap on combined evidence (catalogue `model.cap`) applies on top, as always. The fitted weights are
stored as a new model version (score_models) labelled "fitted on N reviews of this corpus", with who
fitted it and when; the next scoring run uses them. Without reviews there is no fitted model: the
catalogue's weights are the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score

from safeharbor.score.catalogue import Catalogue
from safeharbor.score.lead_features import Values
from safeharbor.score.model import ScoringModel, catalogue_model, fit_weights, save_model
from safeharbor.storage.engine import Store
from safeharbor.storage.times import now_iso

PRIOR_SD = 0.7  # the strongest prior (log-odds): the catalogue's weights, unless the reviews clearly disagree
PRIOR_SDS = (PRIOR_SD, 1.4, 2.8, 5.6, 11.2)  # the prior strengths the reviews choose from
EVIDENCE_MARGIN = 1.0  # nats: a weaker prior must explain the reviews this much better (Bayes factor e)
BIAS_SD = 10.0  # the intercept is nearly free (reviewed leads are not a random sample)
MIN_EACH = 3  # fewer confirmed or dismissed leads than this: nothing to learn from yet


class NotEnoughReviews(ValueError):
    """Too few confirmed or dismissed leads to fit on; the message says how many are needed."""


@dataclass
class LearnReport:
    reviews: int
    confirmed: int
    dismissed: int
    by: str
    at: str
    weights_before: dict[str, float]
    weights_after: dict[str, float]
    # Where, in the ranking's log-odds, reviewed leads were as often confirmed as not: the fitted
    # intercept against the catalogue's bias (active learning asks about leads near it, score/teach.py).
    boundary: float | None = None
    auc_before: float | None = None
    auc_after_cv: float | None = None
    model_id: int | None = None
    activated: bool = False
    warnings: list[str] = field(default_factory=list)
    prior_sd: float = PRIOR_SD
    prior_evidence: dict[float, float] = field(default_factory=dict)  # log evidence per sd, when chosen
    text_model: dict[str, object] | None = None  # the review-learned text model (score/review_text.py)
    text_note: str = ""  # whether it is on, and why

    @property
    def label(self) -> str:
        return f"fitted on {self.reviews} reviews of this corpus"

    def changed(self, top: int = 8) -> list[tuple[str, float, float]]:
        """The indicators whose weight moved most: (id, before, after)."""
        moved = sorted(self.weights_after, key=lambda i: -abs(self.weights_after[i] - self.weights_before[i]))
        return [(i, self.weights_before[i], self.weights_after[i]) for i in moved[:top]]

    def reversed(self) -> list[tuple[str, float, float]]:
        """Indicators whose fitted weight has the opposite sign to the catalogue's: (id, before, after)."""
        return [
            (i, b, self.weights_after[i])
            for i, b in sorted(self.weights_before.items())
            if b * self.weights_after[i] < 0 and abs(self.weights_after[i]) >= 0.05
        ]

    def lines(self) -> list[str]:
        def num(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        out = [
            f"Learnt from {self.reviews} reviewed leads ({self.confirmed} confirmed, {self.dismissed} "
            f"dismissed or ruled out), by {self.by} at {self.at}.",
            f"Ranking of the reviewed leads (ROC AUC): catalogue weights {num(self.auc_before)}, "
            f"re-fitted {num(self.auc_after_cv)} (5-fold cross-validated).",
        ]
        out.append(self.prior_line())
        if self.text_note:
            out.append(self.text_note[:1].upper() + self.text_note[1:] + ".")
        for ind, before, after in self.changed():
            if abs(after - before) >= 0.005:
                out.append(f"  {ind}: {before:+.2f} -> {after:+.2f}")
        out.extend(f"Warning: {w}" for w in self.warnings)
        if self.model_id is not None:
            state = "now in use" if self.activated else "saved, not in use (--dry-run)"
            out.append(f"Model #{self.model_id} ({self.label}) {state}.")
        return out

    def prior_line(self) -> str:
        if not self.prior_evidence:
            return f"Prior: weights within about {self.prior_sd:g} log-odds of the catalogue's (as given)."
        best = self.prior_evidence[self.prior_sd]
        others = ", ".join(
            f"sd {sd:g}: {v - best:+.1f}"
            for sd, v in sorted(self.prior_evidence.items())
            if sd != self.prior_sd
        )
        kept = (
            "the catalogue's weights hold"
            if self.prior_sd <= PRIOR_SD
            else "the reviews overrule the catalogue"
        )
        return (
            f"Prior: weights within about {self.prior_sd:g} log-odds of the catalogue's, chosen by the "
            f"reviews' evidence ({kept}; log evidence of the others relative to it: {others})."
        )

    def summary(self) -> dict[str, object]:
        """What is stored with the model (score_models.report)."""
        return {
            "kind": "reviews",
            "label": self.label,
            "reviews": self.reviews,
            "confirmed": self.confirmed,
            "dismissed": self.dismissed,
            "by": self.by,
            "at": self.at,
            "auc_before": self.auc_before,
            "auc_after_cv": self.auc_after_cv,
            "boundary": self.boundary,
            "prior_sd": self.prior_sd,
            "prior_chosen": bool(self.prior_evidence),
            "text_model": self.text_model,
            "text_note": self.text_note,
        }


@dataclass(frozen=True)
class Design:
    """The fitting problem: one row per reviewed lead over the fitted indicators."""

    fitted: list[str]  # indicator ids whose weights are fitted (columns of x)
    x: np.ndarray
    offset: np.ndarray  # the decisive indicators' fixed contribution per lead
    y: np.ndarray


def design(samples: Mapping[str, tuple[Values, bool]], base: ScoringModel) -> Design:
    fitted = sorted(i for i in base.weights if i not in base.decisive)
    column = {ind: n for n, ind in enumerate(fitted)}
    ids = sorted(samples)
    x = np.zeros((len(ids), len(fitted)))
    offset = np.zeros(len(ids))
    for row, lead in enumerate(ids):
        values = samples[lead][0]
        for ind, value in values.items():
            if ind in column:
                x[row, column[ind]] = value
            elif ind in base.decisive:
                offset[row] += base.weight(ind) * value
    y = np.array([1.0 if samples[lead][1] else 0.0 for lead in ids])
    return Design(fitted, x, offset, y)


def fit_design(d: Design, base: ScoringModel, prior_sd: float) -> tuple[float, np.ndarray]:
    """The fitted intercept and the MAP weights of the fitted indicators."""
    w0 = np.array([base.weight(i) for i in d.fitted])
    bias, w = fit_weights(d.x, d.y, base.bias, w0, prior_sd=prior_sd, bias_sd=BIAS_SD, offset=d.offset)
    return bias, np.asarray(w)


def log_evidence(d: Design, base: ScoringModel, prior_sd: float) -> float:
    """log p(reviews | prior sd), by the Laplace approximation around the MAP fit:

        log Z = -NLL(theta*) - 1/2 sum s_j (theta*_j - mu_j)^2 + 1/2 sum log s_j - 1/2 log det H

    with s_j the prior precisions (intercept: 1/BIAS_SD^2, weights: 1/sd^2) and H the Hessian of the
    negative log posterior at theta*. An indicator no reviewed lead shows adds nothing (its prior and
    its curvature cancel), so only the evidence the reviews bear on decides."""
    bias, w = fit_design(d, base, prior_sd)
    theta = np.concatenate([[bias], w])
    centre = np.concatenate([[base.bias], [base.weight(i) for i in d.fitted]])
    scale = np.concatenate([[1.0 / BIAS_SD**2], np.full(len(w), 1.0 / prior_sd**2)])
    design_x = np.hstack([np.ones((d.x.shape[0], 1)), d.x])
    z = design_x @ theta + d.offset
    nll = float(np.sum(np.logaddexp(0.0, z) - d.y * z))
    p = 1.0 / (1.0 + np.exp(-z))
    hessian = (design_x * (p * (1 - p))[:, None]).T @ design_x + np.diag(scale)
    logdet = float(np.linalg.slogdet(hessian)[1])
    return (
        -nll
        - 0.5 * float(np.sum(scale * (theta - centre) ** 2))
        + 0.5 * float(np.sum(np.log(scale)))
        - (0.5 * logdet)
    )


def choose_prior_sd(d: Design, base: ScoringModel) -> tuple[float, dict[float, float]]:
    """The prior strength the reviews support best (empirical Bayes over `PRIOR_SDS`), and the log
    evidence of each. The catalogue's prior (`PRIOR_SD`) stays unless a weaker one explains the reviews
    by at least `EVIDENCE_MARGIN` nats more: a few reviews that agree with the catalogue keep its
    weights; many that clearly disagree (an indicator that points the wrong way here) overrule them."""
    evidence = {sd: round(log_evidence(d, base, sd), 3) for sd in PRIOR_SDS}
    best = max(PRIOR_SDS, key=lambda sd: (evidence[sd], -sd))
    if evidence[best] < evidence[PRIOR_SD] + EVIDENCE_MARGIN:
        return PRIOR_SD, evidence
    return best, evidence


def _cv_auc(d: Design, base: ScoringModel, prior_sd: float) -> tuple[float | None, float | None]:
    """ROC AUC on the reviewed leads of the catalogue weights, and of re-fitted ones (5-fold CV)."""
    y = d.y
    if min(y.sum(), (1 - y).sum()) < 2:
        return None, None
    w0 = np.array([base.weight(i) for i in d.fitted])
    before = float(roc_auc_score(y, d.x @ w0 + d.offset))
    folds = int(min(5, y.sum(), (1 - y).sum()))
    order = np.random.default_rng(0).permutation(len(y))
    fold_of = np.empty(len(y), dtype=int)
    fold_of[order] = np.arange(len(y)) % folds
    z = np.empty(len(y))
    for k in range(folds):
        test = fold_of == k
        part = Design(d.fitted, d.x[~test], d.offset[~test], y[~test])
        w = fit_design(part, base, prior_sd)[1] if 0 < part.y.sum() < len(part.y) else w0
        z[test] = d.x[test] @ w + d.offset[test]
    return before, float(roc_auc_score(y, z))


def learn(
    store: Store,
    samples: Mapping[str, tuple[Values, bool]],
    catalogue: Catalogue,
    *,
    by: str,
    base: ScoringModel | None = None,
    prior_sd: float | None = None,
    activate: bool = True,
    text_model: dict[str, object] | None = None,
    text_note: str = "",
) -> LearnReport:
    """Fit the weights from reviewed leads (lead_id -> (values, confirmed)) and store them as a model
    version (in use unless `activate` is false). The prior's sd is chosen from the reviews
    (`choose_prior_sd`) unless `prior_sd` is given. Raises NotEnoughReviews when there is too little."""
    start = base or catalogue_model(catalogue)
    d = design(samples, start)
    confirmed = int(d.y.sum())
    dismissed = len(d.y) - confirmed
    if confirmed < MIN_EACH or dismissed < MIN_EACH:
        raise NotEnoughReviews(
            f"need at least {MIN_EACH} confirmed and {MIN_EACH} dismissed leads to learn from; "
            f"have {confirmed} confirmed and {dismissed} dismissed"
        )
    chosen, evidence = (prior_sd, {}) if prior_sd is not None else choose_prior_sd(d, start)
    intercept, w = fit_design(d, start, chosen)
    after = dict(start.weights)
    after.update({ind: round(float(v), 4) for ind, v in zip(d.fitted, w, strict=True)})
    report = LearnReport(
        reviews=len(d.y),
        confirmed=confirmed,
        dismissed=dismissed,
        by=by,
        at=now_iso(),
        weights_before=dict(start.weights),
        weights_after=after,
        boundary=round(start.bias - intercept, 4),
        prior_sd=chosen,
        prior_evidence=evidence,
        text_model=text_model,
        text_note=text_note,
    )
    report.auc_before, report.auc_after_cv = _cv_auc(d, start, chosen)
    before, after_cv = report.auc_before, report.auc_after_cv
    if before is not None and after_cv is not None and after_cv < before:
        report.warnings.append(
            "on these reviews the re-fitted weights rank no better than the catalogue's (cross-validated)"
        )
    flipped = report.reversed()
    if flipped:
        report.warnings.append(
            "the reviews reverse the catalogue's direction for "
            + ", ".join(f"{i} ({b:+.2f} -> {a:+.2f})" for i, b, a in flipped)
            + ": in this corpus the reviews point the other way (a negative weight counts against a lead); "
            "check the reviews behind it before relying on it"
        )
    if report.reviews < 50 and chosen <= PRIOR_SD:
        report.warnings.append(f"only {report.reviews} reviewed leads: weights stay close to the catalogue's")
    report.model_id = save_model(store, catalogue, catalogue.bias, after, report.summary(), activate=activate)
    report.activated = activate
    return report
