"""Active learning: which unreviewed leads would teach the ranking most if a person reviewed them.

A review teaches most where the ranking is least sure and where the evidence is new to it:

    teach = uncertainty x (0.5 + novelty)
    uncertainty = 4 p (1 - p),   p = sigmoid(lead logit - boundary)
    novelty = mean over the lead's evidence features of 1 / (1 + labelled leads showing that feature)

- The lead logit is the log-odds of its ranking score. The boundary is where the ranking is a coin toss:
  after a re-fit from reviews, the one the fit found (its intercept, `score/learn.py`); before any, the
  logit of the 25th unreviewed lead (`READ`: the end of the first page an analyst reads), so the first
  lessons come from the edge of what analysts read anyway.
- A lead whose evidence no reviewed lead showed has novelty 1; one whose every feature was reviewed
  many times, close to 0. Evidence features are the indicators its score rests on (its top reasons).
Pure functions: the workspace (workspace/teaching.py) reads the leads and labels.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safeharbor.score.leads import Lead
from safeharbor.score.odds import sigmoid

POOL = 2000  # the highest-ranked unreviewed leads considered
READ = 25  # before any re-fit, the boundary is at the end of the first page an analyst reads


def lead_logit(lead: Lead) -> float:
    p = min(max(lead.risk, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def lead_features(lead: Lead) -> frozenset[str]:
    """The indicators a lead's score rests on: its ranking evidence and its top flags."""
    evidence = lead.rank_basis.get("evidence") or []
    found = {str(r.get("feature")) for r in evidence if isinstance(r, dict) and r.get("feature")}
    return frozenset(found | {f.indicator for f in lead.reasons})


@dataclass(frozen=True)
class Teach:
    lead: Lead
    score: float
    p: float  # the chance the ranking gives it, relative to the boundary
    novelty: float
    new_features: tuple[str, ...]  # its features no labelled lead shows

    def why(self) -> str:
        new = (
            f"; evidence no reviewed lead shows: {', '.join(self.new_features)}" if self.new_features else ""
        )
        return f"ranking unsure (p≈{self.p:.2f}), novelty {self.novelty:.2f}{new}"


def boundary(leads: Sequence[Lead], fitted: float | None, read: int = READ) -> float:
    """The logit where the ranking is a coin toss (see module doc); `leads` ranked, highest first."""
    if fitted is not None:
        return fitted
    return lead_logit(leads[min(read, len(leads)) - 1]) if leads else 0.0


def teach_order(leads: Sequence[Lead], labelled: Iterable[frozenset[str]], edge: float) -> list[Teach]:
    """The leads, most to teach first (ties: the ranking's order)."""
    seen: Counter[str] = Counter()
    for reviewed in labelled:
        seen.update(reviewed)
    out = []
    for lead in leads:
        p = sigmoid(lead_logit(lead) - edge)
        features = sorted(lead_features(lead))
        novelty = sum(1 / (1 + seen[f]) for f in features) / len(features) if features else 0.0
        out.append(
            Teach(
                lead, 4 * p * (1 - p) * (0.5 + novelty), p, novelty, tuple(f for f in features if not seen[f])
            )
        )
    ranked = sorted(enumerate(out), key=lambda t: (-t[1].score, t[0]))
    return [t for _, t in ranked]
