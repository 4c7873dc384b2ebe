"""Reliability of calibrated risk: after simulated reviews, is "calibrated risk 0.3" right 30% of the time?

After a learning-curve run (bench/learning_curve.py) the reviewed leads calibrate the ranking score
(workspace/standing.py `current_calibration`, isotonic, score/calibration.py). The calibration is then
checked on *held-out* simulated reviews, leads it was not fitted on, answered from the ground truth:
  - next:   the next leads of the unreviewed queue (what an analyst reads next);
  - random: unreviewed leads drawn at random from the whole queue (where the calibration extrapolates
            below the reviewed scores; read low values there as "at most").
Reported per world shift: mean calibrated risk against the observed share confirmed, in bins, the Brier
score and the expected calibration error; `draw` writes the reliability diagram (matplotlib, PNG).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402

from safeharbor.score.tables import score_leads  # noqa: E402
from safeharbor.store import Store  # noqa: E402
from safeharbor.workspace.learning import review_labels  # noqa: E402
from safeharbor.workspace.standing import current_calibration  # noqa: E402

HELD_OUT = 200  # leads per held-out set
BINS = 10


@dataclass
class Held:
    """One held-out set: calibrated risk and truth per lead."""

    name: str
    risk: list[float] = field(default_factory=list)
    truth: list[bool] = field(default_factory=list)

    def brier(self) -> float:
        r, y = np.array(self.risk), np.array(self.truth, dtype=float)
        return float(np.mean((r - y) ** 2)) if len(r) else float("nan")

    def bins(self, n: int = BINS) -> list[tuple[float, float, int]]:
        """(mean calibrated risk, share confirmed, leads) per equal-width bin of calibrated risk."""
        r, y = np.array(self.risk), np.array(self.truth, dtype=float)
        which = np.minimum((r * n).astype(int), n - 1)
        return [(float(r[which == b].mean()), float(y[which == b].mean()), int((which == b).sum()))
                for b in range(n) if (which == b).any()]  # fmt: skip

    def ece(self) -> float:
        """Expected calibration error: |mean risk - share confirmed| per bin, weighted by its leads."""
        total = sum(c for _, _, c in self.bins())
        return sum(c * abs(p - o) for p, o, c in self.bins()) / total if total else float("nan")


@dataclass
class Reliability:
    shift: str
    reviews: int
    confirmed: int
    sets: list[Held]

    def line(self) -> str:
        parts = [f"{h.name}: {len(h.risk)} leads, mean calibrated risk {np.mean(h.risk):.3f} vs "
                 f"{np.mean(h.truth):.3f} confirmed, Brier {h.brier():.3f}, ECE {h.ece():.3f}"
                 for h in self.sets]  # fmt: skip
        return f"    reliability after {self.reviews} reviews ({self.confirmed} confirmed): " + "; ".join(
            parts
        )


def held_out(store: Store, truth: dict[str, bool], shift: str, seed: int = 0) -> Reliability | None:
    """Calibrate on the reviews made so far and check it on leads no review touched (see module doc)."""
    with store.connect() as conn:
        calibration = current_calibration(conn)
        labelled = set(review_labels(conn))
        ranked = conn.execute(
            select(score_leads.c.lead_id, score_leads.c.rank).order_by(
                score_leads.c.rank.desc(), score_leads.c.kind, score_leads.c.ref
            )
        ).all()
    if calibration is None:
        return None
    open_leads = [(lead, float(rank)) for lead, rank in ranked if lead not in labelled and lead in truth]
    picks = np.random.default_rng(seed).permutation(len(open_leads))[:HELD_OUT]
    sets = [
        ("next in the queue", open_leads[:HELD_OUT]),
        ("random unreviewed", [open_leads[i] for i in picks]),
    ]
    out = []
    for name, leads in sets:
        held = Held(name)
        for lead, rank in leads:
            held.risk.append(calibration.risk(rank))
            held.truth.append(truth[lead])
        out.append(held)
    return Reliability(shift, calibration.reviews, calibration.confirmed, out)


def draw(found: list[Reliability], path: Path) -> Path:
    """The reliability diagram: one panel per world shift, one curve per held-out set."""
    cols = min(3, len(found))
    rows = (len(found) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.0 * rows), squeeze=False)
    for ax, rel in zip(axes.flat, found, strict=False):
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
        for held, marker in zip(rel.sets, ("o", "s"), strict=False):
            points = held.bins()
            ax.plot([p for p, _, _ in points], [o for _, o, _ in points], marker=marker,
                    label=f"{held.name} (ECE {held.ece():.2f})")  # fmt: skip
        ax.set_title(f"{rel.shift}: {rel.reviews} reviews", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("calibrated risk")
        ax.set_ylabel("share confirmed (truth)")
        ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(found) :]:
        ax.axis("off")
    fig.suptitle("Calibrated risk vs observed, held-out simulated reviews (bench/risk.py --learning-curve)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
