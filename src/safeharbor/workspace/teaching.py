"""The lead queue ordered by what a review would teach the ranking most (active learning, score/teach.py).

The candidates are the highest-ranked unreviewed leads (`teach.POOL`, with the queue's filters); the
labelled leads (workspace/learning.py) say which evidence has been reviewed already; the boundary is the
one the last re-fit from reviews found, if the model in use was fitted from reviews.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from safeharbor.score.leads import lead_queue as scored_lead_queue
from safeharbor.score.leads import leads_by_id
from safeharbor.score.tables import score_models
from safeharbor.score.teach import POOL, Teach, boundary, lead_features, teach_order
from safeharbor.workspace.leads import LeadFilters, LeadRow, annotate, lead_row, reviewed_refs
from safeharbor.workspace.learning import review_labels


def fitted_boundary(conn: Connection) -> float | None:
    """The boundary stored with the model in use, when it was fitted from reviews."""
    row = conn.execute(
        select(score_models.c.report)
        .where(score_models.c.active.is_(True))
        .order_by(score_models.c.model_id.desc())
    ).first()
    value = (row.report or {}).get("boundary") if row else None
    return float(value) if isinstance(value, int | float) else None


def teaching(conn: Connection, filters: LeadFilters, *, limit: int = 50, offset: int = 0) -> list[Teach]:
    """Unreviewed leads, most to teach first."""
    done_ads = {int(r) for r in reviewed_refs(conn, "ad") if r.isdigit()}
    done_networks = reviewed_refs(conn, "network")
    pool = scored_lead_queue(
        conn,
        limit=POOL,
        city=filters.city,
        state=filters.state.upper() if filters.state else None,
        since=filters.since,
        until=filters.until,
        source=filters.source,
        indicator=filters.indicator,
        exclude_keys=done_ads,
        exclude_leads={f"network:{n}" for n in done_networks},
    )
    labelled = [lead_features(x) for x in leads_by_id(conn, review_labels(conn))]
    edge = boundary(pool, fitted_boundary(conn))
    return teach_order(pool, labelled, edge)[offset : offset + limit]


def teaching_rows(
    conn: Connection, filters: LeadFilters, *, limit: int = 50, offset: int = 0
) -> list[LeadRow]:
    """`teaching` as queue rows (with each lead's reason to review it in `extra["teach"]`)."""
    rows = []
    for item in teaching(conn, filters, limit=limit, offset=offset):
        row = lead_row(item.lead)
        row.extra["teach"] = item.why()
        rows.append(row)
    return annotate(conn, rows)
