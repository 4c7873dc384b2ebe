"""The prior's strength is chosen from the reviews (score/learn.py, choose_prior_sd): the catalogue's weights
hold when the reviews are few or agree with them, and the reviews overrule them when they clearly disagree."""

from __future__ import annotations

import numpy as np

from safeharbor.score.learn import (
    PRIOR_SD,
    PRIOR_SDS,
    Design,
    LearnReport,
    choose_prior_sd,
    fit_design,
    log_evidence,
)
from safeharbor.score.model import ScoringModel

BASE = ScoringModel(bias=-3.0, weights={"youth_language": 2.0, "hotel_venue": 0.2, "unused": 1.0})
FITTED = ["hotel_venue", "unused", "youth_language"]


def _design(rows: list[tuple[float, float, bool]]) -> Design:
    """(youth share, hotel share, confirmed) per reviewed lead."""
    x = np.array([[hotel, 0.0, youth] for youth, hotel, _ in rows])
    y = np.array([1.0 if c else 0.0 for _, _, c in rows])
    return Design(FITTED, x, np.zeros(len(rows)), y)


def test_few_agreeing_reviews_keep_the_catalogue_prior() -> None:
    rows = [(1.0, 0.0, True)] * 3 + [(0.0, 0.0, False)] * 3 + [(1.0, 0.0, False)]
    sd, evidence = choose_prior_sd(_design(rows), BASE)
    assert sd == PRIOR_SD
    assert set(evidence) == set(PRIOR_SDS)


def test_many_disagreeing_reviews_overrule_the_catalogue() -> None:
    # Here youth language marks the adults (dismissed) and hotels the confirmed leads: the catalogue's
    # +2.0 points the wrong way, and 100 reviews say so clearly.
    rows = (
        [(0.0, 1.0, True)] * 18 + [(1.0, 1.0, True)] * 2 + [(1.0, 0.0, False)] * 60 + [(0.0, 0.0, False)] * 20
    )
    d = _design(rows)
    sd, evidence = choose_prior_sd(d, BASE)
    assert sd > PRIOR_SD and evidence[sd] >= evidence[PRIOR_SD] + 1.0
    youth = FITTED.index("youth_language")
    strong = fit_design(d, BASE, PRIOR_SD)[1][youth]
    chosen = fit_design(d, BASE, sd)[1][youth]
    assert chosen < 0.0 < strong  # only the weaker prior lets the weight change sign


def test_an_indicator_no_review_shows_adds_no_evidence() -> None:
    rows = [(1.0, 0.0, True)] * 4 + [(0.0, 1.0, False)] * 4
    d = _design(rows)
    without = Design(["hotel_venue", "youth_language"], d.x[:, [0, 2]], d.offset, d.y)
    for sd in PRIOR_SDS:
        assert abs(log_evidence(d, BASE, sd) - log_evidence(without, BASE, sd)) < 1e-6


def test_a_reversed_weight_is_reported() -> None:
    report = LearnReport(
        reviews=100,
        confirmed=20,
        dismissed=80,
        by="ana",
        at="2026-01-01T00:00:00Z",
        weights_before={"youth_language": 0.8, "hotel_venue": 0.2},
        weights_after={"youth_language": -1.5, "hotel_venue": 0.9},
    )
    assert report.reversed() == [("youth_language", 0.8, -1.5)]
