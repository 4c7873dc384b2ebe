"""`safeharbor export networks`: the link stage's network records, with risk from the score stage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from safeharbor.link import export as link_export
from safeharbor.score.queries import network_scores

BATCH = 500


def network_records(conn: Connection) -> Iterator[dict[str, Any]]:
    batch: list[dict[str, Any]] = []
    for record in link_export.network_records(conn):
        batch.append(record)
        if len(batch) >= BATCH:
            yield from _with_risk(conn, batch)
            batch = []
    yield from _with_risk(conn, batch)


def _with_risk(conn: Connection, batch: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    if batch:
        scores = network_scores(conn, [r["network"] for r in batch])
        for record in batch:
            score = scores.get(record["network"])
            record["risk"] = round(score.risk, 4) if score is not None else record.get("risk")
    yield from batch
