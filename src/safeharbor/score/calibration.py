"""Ranks, not fake probabilities: where a score stands in its corpus, and calibrated risk once reviews allow.

A ranking score (a lead's `rank`, an ad's `risk` in score_ads) orders leads by their evidence; it is not
the chance that a child is involved. On the demo world 21% of ads scored >= 0.5 while about 8% involve
a minor: read as a probability it misleads. So what a person is shown is:

- without calibration: the **standing** - position in the corpus ("#12 of 3,400 leads, top 0.4%") and
  the evidence behind it. The raw score stays available as "score", labelled as not a probability.
- with enough reviews (`MIN_REVIEWS` labelled leads, at least `MIN_EACH` confirmed and `MIN_EACH` not):
  **calibrated risk**, an isotonic regression (scikit-learn) of the reviewers' decisions on the
  reviewed leads' scores: monotone in the score, so it never changes the order. It is shown with the
  number of reviews it rests on, and kept inside [1/(n+2), (n+1)/(n+2)] (Laplace's rule of succession:
  n reviews cannot justify "certainly" or "never"). Reviewed leads are the top of the queue, not a
  random sample; below the lowest reviewed score the curve stays at its lowest value, which there
  reads as "at most".
Pure: the workspace (workspace/standing.py) reads the labels and positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression

MIN_REVIEWS = 20  # labelled leads before risk is calibrated
MIN_EACH = 5  # and at least this many of each outcome

NOT_A_PROBABILITY = (
    "Scores rank leads within this corpus by their evidence; they are not probabilities. A person decides."
)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from ranking score to the share of reviewed leads confirmed (isotonic)."""

    xs: tuple[float, ...]  # score thresholds, increasing
    ys: tuple[float, ...]  # calibrated risk at each threshold (non-decreasing)
    reviews: int
    confirmed: int
    method: str = "isotonic"

    def risk(self, score: float) -> float:
        """Calibrated risk of a score (linear between thresholds, flat outside them)."""
        return float(np.interp(score, self.xs, self.ys))

    @property
    def label(self) -> str:
        return f"calibrated on {self.reviews} reviewed leads ({self.confirmed} confirmed)"


def fit_calibration(
    scores: Sequence[float], confirmed: Sequence[bool], *, min_reviews: int = MIN_REVIEWS
) -> Calibration | None:
    """Isotonic calibration of scores on reviewers' decisions; None when there are too few of either."""
    n, pos = len(scores), sum(1 for c in confirmed if c)
    if n < min_reviews or pos < MIN_EACH or n - pos < MIN_EACH:
        return None
    bound = 1.0 / (n + 2)
    iso = IsotonicRegression(y_min=bound, y_max=1.0 - bound, increasing=True, out_of_bounds="clip")
    iso.fit(np.asarray(scores, dtype=float), np.asarray([1.0 if c else 0.0 for c in confirmed]))
    xs = tuple(float(x) for x in iso.X_thresholds_)
    ys = tuple(float(y) for y in iso.y_thresholds_)
    return Calibration(xs, ys, reviews=n, confirmed=pos)


def top_percent(position: int, of: int) -> float:
    """The share of the corpus at or above this position, in percent, rounded up (never "top 0%")."""
    pct = 100.0 * position / max(of, 1)
    step = 0.1 if pct < 10 else 1.0
    return round(min(100.0, math.ceil(pct / step - 1e-9) * step), 1)


@dataclass(frozen=True)
class Standing:
    """Where one lead (or ad) stands in the corpus, and its calibrated risk when reviews allow."""

    score: float  # the raw ranking score: orders, is not a probability
    position: int  # 1 = the highest in the corpus (ties share the better position)
    of: int  # how many leads (or ads) are ranked
    calibrated_risk: float | None = None
    reviews: int = 0  # reviewed leads the calibration rests on (0: none)
    unit: str = "leads"

    @property
    def top_percent(self) -> float:
        return top_percent(self.position, self.of)

    def rank_text(self) -> str:
        pct = self.top_percent
        return f"#{self.position:,} of {self.of:,} {self.unit} (top {pct:g}%)"

    def risk_text(self) -> str | None:
        if self.calibrated_risk is None:
            return None
        return f"calibrated risk {self.calibrated_risk:.2f} (from {self.reviews} reviews)"

    def text(self) -> str:
        """One line: the rank, and the calibrated risk when there is one."""
        risk = self.risk_text()
        return self.rank_text() + (f"; {risk}" if risk else "")

    def as_json(self) -> dict[str, object]:
        return {
            "score": round(self.score, 4),
            "rank": self.position,
            "of": self.of,
            "top_percent": self.top_percent,
            "calibrated_risk": None if self.calibrated_risk is None else round(self.calibrated_risk, 4),
            "calibration_reviews": self.reviews or None,
        }
