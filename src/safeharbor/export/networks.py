"""`safeharbor export networks`: the link stage's network records, with risk from the score stage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from safeharbor.stages import optional

BATCH = 500


def network_records(conn: Connection) -> Iterator[dict[str, Any]]:
    link_export = optional("safeharbor.link.export")
    if link_export is None:
        return
    score_queries = optional("safeharbor.score.queries")
    batch: list[dict[str, Any]] = []
    for record in link_export.network_records(conn):
        batch.append(record)
        if len(batch) >= BATCH:
            yield from _with_risk(conn, batch, score_queries)
            batch = []
    yield from _with_risk(conn, batch, score_queries)


def _with_risk(conn: Connection, batch: list[dict[str, Any]], score_queries: Any) -> Iterator[dict[str, Any]]:
    if score_queries is not None and batch:
        scores = score_queries.network_scores(conn, [r["network"] for r in batch])
        for record in batch:
            score = scores.get(record["network"])
            record["risk"] = round(score.risk, 4) if score is not None else record.get("risk")
    yield from batch
