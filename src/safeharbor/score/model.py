"""The calibrated combination of indicators: a logistic model whose default weights come from the catalogue.

    risk = sigmoid(bias + sum of weights of the indicators that fired)

`score.train.fit_from_outcomes` re-fits the weights from analysts' reviewed decisions. With few reviewed
cases the catalogue weights are the better guess, so the fit is a MAP estimate with a Gaussian prior
centred on them (it moves a weight only as far as the evidence supports), and the report compares the two
by cross-validation so that nobody adopts a fit that predicts worse.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, select, update

from safeharbor.score.catalogue import Catalogue, digest
from safeharbor.score.odds import sigmoid
from safeharbor.score.tables import score_models
from safeharbor.storage.engine import Store
from safeharbor.storage.times import now_iso


def capped(evidence: float, cap: float | None) -> float:
    """`cap * tanh(evidence / cap)`: close to the evidence while it is small, never beyond +-cap.

    Monotone, so it keeps the order of everything it caps; it only stops many weak indicators from
    adding up past decisive evidence."""
    return evidence if cap is None else cap * math.tanh(evidence / cap)


@dataclass(frozen=True)
class ScoringModel:
    bias: float
    weights: dict[str, float]
    origin: str = "catalogue"  # "catalogue" or "fitted #<id>"
    cap: float | None = None  # see Catalogue.cap
    decisive: frozenset[str] = frozenset()  # added outside the cap

    def weight(self, indicator: str) -> float:
        return self.weights.get(indicator, 0.0)

    def logit(self, features: Mapping[str, float] | Iterable[str]) -> float:
        """Bias, plus weight x value of each indicator that fired (value 1 unless graded) - all but the
        decisive ones capped together at +-cap - plus the decisive ones."""
        values = features if isinstance(features, Mapping) else dict.fromkeys(set(features), 1.0)
        evidence = sum(self.weight(i) * v for i, v in values.items() if i not in self.decisive)
        decisive = sum(self.weight(i) * v for i, v in values.items() if i in self.decisive)
        return self.bias + capped(evidence, self.cap) + decisive

    def risk(self, features: Mapping[str, float] | Iterable[str]) -> float:
        return sigmoid(self.logit(features))

    def hash(self) -> str:
        extra = {"cap": self.cap, "decisive": sorted(self.decisive)} if self.cap or self.decisive else {}
        return digest({"bias": self.bias, "weights": self.weights, "origin": self.origin, **extra})


def catalogue_model(catalogue: Catalogue) -> ScoringModel:
    return ScoringModel(
        bias=catalogue.bias,
        weights=catalogue.weights(),
        origin="catalogue",
        cap=catalogue.cap,
        decisive=catalogue.decisive(),
    )


def active_model(conn: Connection, catalogue: Catalogue) -> ScoringModel:
    """The fitted model in use, if one was fitted against this catalogue's weights; else the catalogue's."""
    row = conn.execute(
        select(score_models)
        .where(score_models.c.active.is_(True))
        .order_by(score_models.c.model_id.desc())
        .limit(1)
    ).first()
    base = catalogue_model(catalogue)
    if row is None or row.catalogue_weights_hash != catalogue.weights_hash():
        return base  # an edited catalogue wins over a fit made against its old weights
    weights = dict(base.weights)
    weights.update({k: float(v) for k, v in row.weights.items() if k in weights})
    label = (row.report or {}).get("label")  # "fitted on N reviews of this corpus" (score/learn.py)
    return ScoringModel(
        bias=float(row.bias),
        weights=weights,
        origin=f"{label} (model #{row.model_id})" if label else f"fitted #{row.model_id}",
        cap=base.cap,
        decisive=base.decisive,
    )


def fit_weights(
    x: np.ndarray,
    y: np.ndarray,
    prior_bias: float,
    prior_weights: np.ndarray,
    *,
    prior_sd: float | np.ndarray = 1.0,
    bias_sd: float = 2.0,
    offset: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """MAP logistic regression with a Gaussian prior centred on the given weights (`prior_sd`: one
    standard deviation for all weights, or one per weight); `offset` is a fixed log-odds per sample
    (evidence whose weight is not fitted)."""
    theta0 = np.concatenate([[prior_bias], prior_weights])
    per_weight = np.broadcast_to(1.0 / np.asarray(prior_sd, dtype=float) ** 2, (len(prior_weights),))
    scale = np.concatenate([[1.0 / bias_sd**2], per_weight])
    design = np.hstack([np.ones((x.shape[0], 1)), x])
    fixed = np.zeros(x.shape[0]) if offset is None else np.asarray(offset, dtype=float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ theta + fixed
        # log(1 + e^z) - y z, computed stably
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z))
        p = 1.0 / (1.0 + np.exp(-z))
        diff = theta - theta0
        value = nll + 0.5 * float(np.sum(scale * diff**2))
        grad = design.T @ (p - y) + scale * diff
        return value, grad

    from scipy.optimize import minimize  # here, not at the top: see _metrics

    result = minimize(objective, theta0, jac=True, method="L-BFGS-B")
    return float(result.x[0]), np.asarray(result.x[1:])


@dataclass
class FitReport:
    n: int
    positives: int
    negatives: int
    indicators: list[str]
    bias_before: float
    bias_after: float
    weights_before: dict[str, float]
    weights_after: dict[str, float]
    auc_catalogue: float | None = None
    auc_fitted_cv: float | None = None
    log_loss_catalogue: float | None = None
    log_loss_fitted_cv: float | None = None
    brier_catalogue: float | None = None
    brier_fitted_cv: float | None = None
    folds: int = 0
    model_id: int | None = None
    activated: bool = False
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def num(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        out = [
            f"Fitted on {self.n} reviewed ads ({self.positives} confirmed minor, {self.negatives} not).",
            f"ROC AUC: catalogue weights {num(self.auc_catalogue)}, re-fitted weights "
            f"{num(self.auc_fitted_cv)} ({self.folds}-fold cross-validated)",
            f"Log loss: catalogue {num(self.log_loss_catalogue)}, re-fitted {num(self.log_loss_fitted_cv)}; "
            f"Brier: catalogue {num(self.brier_catalogue)}, re-fitted {num(self.brier_fitted_cv)} "
            "(lower is better)",
            f"Bias {self.bias_before:+.2f} -> {self.bias_after:+.2f}",
        ]
        changed = sorted(self.indicators, key=lambda i: -abs(self.weights_after[i] - self.weights_before[i]))
        for ind in changed[:8]:
            out.append(f"  {ind}: {self.weights_before[ind]:+.2f} -> {self.weights_after[ind]:+.2f}")
        out.extend(f"Warning: {w}" for w in self.warnings)
        if self.model_id is not None:
            state = "now in use" if self.activated else "saved, not in use"
            out.append(f"Model #{self.model_id} {state}; scores are re-combined on the next analyze/leads.")
        return out


def _metrics(y: np.ndarray, p: np.ndarray) -> tuple[float | None, float, float]:
    # Imported when a model is fitted or compared, not when one is used: scipy.optimize and scikit-learn
    # take ~1 s to import, paid by every `analyze` stage process and worker that only applies weights.
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return auc, float(log_loss(y, clipped, labels=[0, 1])), float(brier_score_loss(y, p))


def _predict(x: np.ndarray, bias: float, weights: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-(bias + x @ weights))))


def fit_report(
    x: np.ndarray, y: np.ndarray, indicators: Sequence[str], base: ScoringModel, *, prior_sd: float = 1.0
) -> tuple[FitReport, float, np.ndarray]:
    """Fit on all of (x, y); measure catalogue weights and (cross-validated) re-fitted weights."""
    w0 = np.array([base.weight(i) for i in indicators])
    bias, weights = fit_weights(x, y, base.bias, w0, prior_sd=prior_sd)
    positives = int(y.sum())
    report = FitReport(
        n=len(y),
        positives=positives,
        negatives=len(y) - positives,
        indicators=list(indicators),
        bias_before=base.bias,
        bias_after=bias,
        weights_before=dict(zip(indicators, w0.tolist(), strict=True)),
        weights_after=dict(zip(indicators, weights.tolist(), strict=True)),
    )
    report.auc_catalogue, report.log_loss_catalogue, report.brier_catalogue = _metrics(
        y, _predict(x, base.bias, w0)
    )
    folds = min(5, positives, len(y) - positives)
    if folds >= 2:
        order = np.random.default_rng(0).permutation(len(y))
        fold_of = np.empty(len(y), dtype=int)
        fold_of[order] = np.arange(len(y)) % folds
        p_cv = np.empty(len(y))
        for k in range(folds):
            test = fold_of == k
            b, w = fit_weights(x[~test], y[~test], base.bias, w0, prior_sd=prior_sd)
            p_cv[test] = _predict(x[test], b, w)
        report.folds = folds
        report.auc_fitted_cv, report.log_loss_fitted_cv, report.brier_fitted_cv = _metrics(y, p_cv)
    else:
        report.warnings.append("too few reviewed ads of each kind to cross-validate the fit")
    if report.n < 50:
        report.warnings.append(f"only {report.n} reviewed ads: weights stay close to the catalogue's")
    report.warnings.append(
        "reviewed cases are not a random sample of ads, so re-fitted risks are calibrated to reviewed leads"
    )
    return report, bias, weights


def save_model(
    store: Store,
    catalogue: Catalogue,
    bias: float,
    weights: dict[str, float],
    report: dict[str, object],
    *,
    activate: bool = True,
) -> int:
    """Store fitted weights (for this catalogue's weights); when activated, the next scoring run uses them."""
    with store.begin() as conn:
        if activate:
            conn.execute(update(score_models).values(active=False))
        result = conn.execute(
            score_models.insert().values(
                created_at=now_iso(),
                catalogue_weights_hash=catalogue.weights_hash(),
                bias=bias,
                weights=weights,
                report=report,
                active=activate,
            )
        )
        inserted = result.inserted_primary_key
    return int(inserted[0]) if inserted else 0
