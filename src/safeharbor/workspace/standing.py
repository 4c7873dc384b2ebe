"""What the workspace and the CLI show instead of a probability-looking number: a lead's standing in the
corpus (position, top percent) and, once enough leads are reviewed, its calibrated risk with the number
of reviews it rests on (score/calibration.py).

The calibration is fitted on the reviewed leads' current ranking scores and the reviewers' decisions
(workspace/learning.py `review_labels`: confirmed, dismissed, case outcomes), each time it is asked for:
a few hundred labels fit in milliseconds, and it can never be stale after a review or a re-fit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from safeharbor.score.calibration import Calibration, Standing, fit_calibration
from safeharbor.score.positions import ad_positions, lead_positions, lead_ranks
from safeharbor.workspace.learning import review_labels


def current_calibration(conn: Connection) -> Calibration | None:
    """Isotonic calibration on the reviewed leads, or None while there are too few reviews."""
    labels = review_labels(conn)
    ranks = lead_ranks(conn, labels)
    reviewed = sorted(lead for lead in labels if lead in ranks)
    return fit_calibration([ranks[lead] for lead in reviewed], [labels[lead] for lead in reviewed])


def lead_standings(
    conn: Connection, scores: Iterable[float], calibration: Calibration | None
) -> dict[float, Standing]:
    """ranking score -> its standing among the corpus's leads (calibrated when a calibration is given)."""
    positions, total = lead_positions(conn, scores)
    return {
        score: Standing(
            score,
            position,
            total,
            calibrated_risk=calibration.risk(score) if calibration else None,
            reviews=calibration.reviews if calibration else 0,
        )
        for score, position in positions.items()
    }


def lead_standing(conn: Connection, lead_id: str, calibration: Calibration | None) -> Standing | None:
    """The standing of one lead (`network:<id>`, `ad:<ad_key>`), None when it is not in the queue."""
    rank = lead_ranks(conn, [lead_id]).get(lead_id)
    return None if rank is None else lead_standings(conn, [rank], calibration)[rank]


def ad_standing(conn: Connection, score: float) -> Standing:
    """Where an ad's own score stands among every scored ad (ads are not calibrated: leads are)."""
    positions, total = ad_positions(conn, [score])
    return Standing(score, positions[score], total, unit="ads")
