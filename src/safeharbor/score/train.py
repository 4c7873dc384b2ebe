"""Training entry points: re-fit the scoring model and the person model from reviewed outcomes.

These orchestrate (score everything, read the reviewed ads' features, fit, save); the fitting maths
lives in model.py (indicator weights) and person_model.py / person_fit.py (the person model). Keeping the
orchestration here, above `run.update_scores`, is what keeps the score stage free of import cycles:
run -> model, never model -> run.

An outcome is `(ad_key, confirmed_minor)`: an analyst's decision on a reviewed ad.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

from safeharbor.link.queries import networks_for_ads
from safeharbor.score.catalogue import Catalogue, PersonWeights, load_catalogue
from safeharbor.score.load import ad_facts
from safeharbor.score.model import FitReport, catalogue_model, fit_report, save_model
from safeharbor.score.network_signals import persons
from safeharbor.score.person_fit import MIN_EACH, PersonFit, person_cv_auc
from safeharbor.score.person_model import (
    PersonCounts,
    fit_person_weights,
    person_clusters,
    person_counts,
    person_logit,
)
from safeharbor.score.run import update_scores
from safeharbor.score.tables import score_ads, score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store

log = logging.getLogger(__name__)

Outcome = tuple[int, bool]  # (ad_key, confirmed that the ad involves a child victim)


def _feature_matrix(store: Store, keys: Sequence[int], indicators: Sequence[str]) -> np.ndarray:
    """One row per reviewed ad: the strength of each indicator that fired on it (0 when it did not)."""
    column = {ind: n for n, ind in enumerate(indicators)}
    row_of = {k: n for n, k in enumerate(keys)}
    x = np.zeros((len(keys), len(indicators)))
    with store.connect() as conn:
        for chunk in sorted_chunks(keys):
            query = select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.strength)
            for ad_key, indicator, strength in conn.execute(query.where(score_flags.c.ad_key.in_(chunk))):
                if indicator in column:
                    x[row_of[ad_key], column[indicator]] = strength
    return x


def fit_from_outcomes(
    store: Store,
    outcomes: Sequence[Outcome],
    *,
    catalogue: Catalogue | None = None,
    activate: bool = True,
    prior_sd: float = 1.0,
) -> FitReport:
    """Re-fit indicator weights from (ad_key, confirmed_minor) decisions; save (and by default use) them.

    The model is only activated when its cross-validated log loss is no worse than the catalogue's.
    """
    cat = catalogue or load_catalogue()
    update_scores(store, catalogue=cat)  # make sure every reviewed ad has its flags
    decided = {int(ad_key): bool(minor) for ad_key, minor in outcomes}
    keys = sorted(decided)
    if not keys:
        raise ValueError("no reviewed ads to fit on")
    indicators = [i.id for i in cat.indicators]
    x = _feature_matrix(store, keys, indicators)
    y = np.array([1.0 if decided[k] else 0.0 for k in keys])
    report, bias, weights = fit_report(x, y, indicators, catalogue_model(cat), prior_sd=prior_sd)
    worse = (
        report.log_loss_fitted_cv is not None
        and report.log_loss_catalogue is not None
        and report.log_loss_fitted_cv > report.log_loss_catalogue
    )
    if worse:
        report.warnings.append("the re-fitted weights predict worse than the catalogue's; not put in use")
    use = activate and not worse
    summary: dict[str, object] = {
        "n": report.n,
        "positives": report.positives,
        "auc_catalogue": report.auc_catalogue,
        "auc_fitted_cv": report.auc_fitted_cv,
        "log_loss_catalogue": report.log_loss_catalogue,
        "log_loss_fitted_cv": report.log_loss_fitted_cv,
    }
    report.model_id = save_model(
        store, cat, bias, dict(zip(indicators, weights.tolist(), strict=True)), summary, activate=use
    )
    report.activated = use
    log.info(
        "fitted indicator weights on %d reviewed ads (model #%s, in use: %s)", report.n, report.model_id, use
    )
    return report


def reviewed_persons(
    store: Store, outcomes: Sequence[Outcome], weights: PersonWeights
) -> list[tuple[PersonCounts, bool]]:
    """(person counts, confirmed) for every person holding a reviewed ad."""
    decided = {int(k): bool(v) for k, v in outcomes}
    members: dict[str, list[int]] = defaultdict(list)
    with store.connect() as conn:
        networks = networks_for_ads(conn, decided)
        for chunk in sorted_chunks(
            networks.values(), 500
        ):  # the networks' ads, as the score stage stored them
            query = select(score_ads.c.ad_key, score_ads.c.network_id).where(
                score_ads.c.network_id.in_(chunk)
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


def fit_persons_from_outcomes(
    store: Store, outcomes: Sequence[Outcome], cat: Catalogue, *, prior_sd: float = 0.3
) -> PersonFit:
    """Re-fit the person model (which ranks the lead queue) from reviewed ads; the catalogue is unchanged
    (`person_fit.write_catalogue_with` writes a copy for a person to check and put in use)."""
    if cat.person is None:
        fit = PersonFit(0, 0)
        fit.warnings.append("the catalogue has no person_model to re-fit")
        return fit
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
    fit.auc_after_cv = person_cv_auc(samples, cat.person, prior_sd)
    fit.weights = fit_person_weights(samples, cat.person, prior_sd=prior_sd)
    if fit.auc_after_cv is not None and fit.auc_after_cv < fit.auc_before:
        fit.warnings.append("the re-fitted person model ranks reviewed persons worse than the current one")
    return fit
