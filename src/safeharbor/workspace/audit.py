"""The append-only audit log: who did what to which object, when, and whether it was allowed.

There is deliberately no update or delete function here; on SQLite, triggers refuse both.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from safeharbor.storage.times import now_iso
from safeharbor.workspace.tables import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    audit_id: int
    at: str
    user: str | None
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    detail: str | None


def record(
    conn: Connection,
    *,
    user: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    outcome: str,
    detail: str | None = None,
) -> None:
    """Append one row to the audit log (in the caller's transaction)."""
    conn.execute(
        audit_log.insert().values(
            at=now_iso(),
            user=user,
            action=action[:60],
            object_type=object_type[:40],
            object_id=None if object_id is None else str(object_id)[:200],
            outcome=outcome[:20],
            detail=detail,
        )
    )


def list_entries(
    conn: Connection,
    *,
    limit: int = 100,
    offset: int = 0,
    user: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
) -> list[AuditEntry]:
    """Newest first, optionally filtered."""
    query = select(audit_log)
    if user:
        query = query.where(audit_log.c.user == user)
    if action:
        query = query.where(audit_log.c.action == action)
    if outcome:
        query = query.where(audit_log.c.outcome == outcome)
    query = query.order_by(audit_log.c.audit_id.desc()).limit(limit).offset(offset)
    return [AuditEntry(**dict(row._mapping)) for row in conn.execute(query)]


def count_entries(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
