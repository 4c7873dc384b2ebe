"""Where scores stand in the corpus: the position of a lead's ranking score among all leads, of an ad's
risk among all scored ads (score/calibration.py says why positions are shown rather than the numbers).

A position is 1 + the number of scores strictly higher, so ties share the better place. One counting
query per distinct score, on the indexed score columns: a page of the queue is a few dozen small counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, func, select

from safeharbor.score.tables import score_ads, score_leads
from safeharbor.storage.batching import sorted_chunks


def _positions(conn: Connection, col: Column[float], scores: Iterable[float]) -> tuple[dict[float, int], int]:
    total = int(conn.execute(select(func.count()).select_from(col.table)).scalar() or 0)
    out: dict[float, int] = {}
    for score in sorted(set(scores)):
        higher = conn.execute(select(func.count()).select_from(col.table).where(col > score)).scalar()
        out[score] = int(higher or 0) + 1
    return out, total


def lead_positions(conn: Connection, ranks: Iterable[float]) -> tuple[dict[float, int], int]:
    """rank -> position among all leads (1 = highest), and how many leads there are."""
    return _positions(conn, score_leads.c.rank, ranks)


def ad_positions(conn: Connection, risks: Iterable[float]) -> tuple[dict[float, int], int]:
    """ad score -> position among all scored ads (1 = highest), and how many ads are scored."""
    return _positions(conn, score_ads.c.risk, risks)


def lead_ranks(conn: Connection, lead_ids: Iterable[str]) -> dict[str, float]:
    """lead_id -> its ranking score (leads not in the queue are left out)."""
    out: dict[str, float] = {}
    for chunk in sorted_chunks(set(lead_ids)):
        query = select(score_leads.c.lead_id, score_leads.c.rank).where(score_leads.c.lead_id.in_(chunk))
        out.update({str(lead): float(rank) for lead, rank in conn.execute(query)})
    return out
