"""The append-only, hash-chained audit log: who did what to which object, when, and whether allowed.

There is deliberately no update or delete function here; triggers refuse both (and TRUNCATE on
PostgreSQL). Beyond that, every row carries a hash over its content and the previous row's hash
(`workspace.chain`), so a row edited, deleted, inserted or reordered directly in the database breaks
the chain: `verify_chain` (and `safeharbor audit verify`) names the first bad row. The chain's head
goes into every referral export, so a later rewrite of the whole log would not match what was sent.

Appends are serialised by locking the head row first (`audit_head`), on SQLite and PostgreSQL alike:
two concurrent writers can never chain onto the same previous row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, TextIO

from sqlalchemy import Connection, Select, func, select, update

from safeharbor.storage.times import day_bounds, now_iso
from safeharbor.workspace.chain import GENESIS, row_digest
from safeharbor.workspace.tables import audit_head, audit_log


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
    seq: int | None = None
    row_hash: str | None = None


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    row_hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    head: ChainHead
    problem: str | None = None  # None: the chain is intact
    bad_audit_id: int | None = None
    bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    user: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: str | None = None  # stored-time strings (inclusive)
    until: str | None = None

    @classmethod
    def for_days(
        cls, user: str | None, action: str | None, outcome: str | None, first: date | None, last: date | None
    ) -> AuditFilter:
        """Empty text means no filter; a first/last day means the whole day (UTC)."""
        return cls(
            user=user or None,
            action=action or None,
            outcome=outcome or None,
            since=day_bounds(first)[0] if first else None,
            until=day_bounds(last)[1] if last else None,
        )


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
    """Append one row to the audit log (in the caller's transaction; call it last in a transaction)."""
    # Lock the head first (a no-op write): from here to commit no other appender can chain.
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
    head = conn.execute(select(audit_head.c.seq, audit_head.c.row_hash).where(audit_head.c.id == 1)).first()
    seq, prev = (int(head.seq) + 1, str(head.row_hash)) if head else (1, GENESIS)
    values: dict[str, object] = {
        "seq": seq,
        "at": now_iso(),
        "user": user,
        "action": action[:60],
        "object_type": object_type[:40],
        "object_id": None if object_id is None else str(object_id)[:200],
        "outcome": outcome[:20],
        "detail": detail,
    }
    digest = row_digest(prev, values)
    conn.execute(audit_log.insert().values(**values, prev_hash=prev, row_hash=digest))
    if head is None:
        conn.execute(audit_head.insert().values(id=1, seq=seq, row_hash=digest))
    else:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, row_hash=digest))


def chain_head(conn: Connection) -> ChainHead:
    row = conn.execute(select(audit_head.c.seq, audit_head.c.row_hash).where(audit_head.c.id == 1)).first()
    return ChainHead(int(row.seq), str(row.row_hash)) if row else ChainHead(0, GENESIS)


def _break_in(r: dict[str, object], expected_seq: int, prev: str, last_id: int) -> str | None:
    """What is wrong with this row given the chain so far, or None."""
    seq = r["seq"]
    if not isinstance(seq, int):
        return "has no place in the chain (inserted outside the app)"
    if seq != expected_seq:
        what = "rows before it were deleted" if seq > expected_seq else "a row was inserted before it"
        return f"expected seq {expected_seq}: {what}"
    if r["prev_hash"] != prev:
        return "does not follow the row before it (a row was removed, inserted or moved)"
    if row_digest(prev, r) != r["row_hash"]:
        return "its content was changed after it was written"
    if int(str(r["audit_id"])) < last_id:
        return "is out of order (rows were reordered)"
    return None


def verify_chain(conn: Connection) -> ChainReport:
    """Walk the log in seq order and report the first row that breaks the chain."""
    head = chain_head(conn)
    expected_seq, prev, last_id, count = 1, GENESIS, 0, 0
    rows = conn.execution_options(stream_results=True, yield_per=2000).execute(
        select(audit_log).order_by(audit_log.c.seq.is_(None).desc(), audit_log.c.seq, audit_log.c.audit_id)
    )
    for row in rows:
        r = dict(row._mapping)
        count += 1
        problem = _break_in(r, expected_seq, prev, last_id)
        if problem is not None:
            seq = r["seq"] if isinstance(r["seq"], int) else None
            return ChainReport(
                count, head, f"row {r['audit_id']} (seq {seq}): {problem}", int(str(r["audit_id"])), seq
            )
        prev, last_id, expected_seq = str(r["row_hash"]), int(str(r["audit_id"])), expected_seq + 1
    if head.seq != expected_seq - 1 or head.row_hash != prev:
        return ChainReport(
            count,
            head,
            f"the log ends at seq {expected_seq - 1} but its head says seq {head.seq}: "
            "the last rows were deleted (or the head was edited)",
        )
    return ChainReport(count, head)


def _filtered(query: Select[Any], f: AuditFilter) -> Select[Any]:
    if f.user:
        query = query.where(audit_log.c.user == f.user)
    if f.action:
        query = query.where(audit_log.c.action == f.action)
    if f.outcome:
        query = query.where(audit_log.c.outcome == f.outcome)
    if f.since:
        query = query.where(audit_log.c.at >= f.since)
    if f.until:
        query = query.where(audit_log.c.at <= f.until)
    return query


def _entry(row: object) -> AuditEntry:
    r = row._mapping  # type: ignore[attr-defined]
    return AuditEntry(**{name: r[name] for name in AuditEntry.__dataclass_fields__})


def list_entries(
    conn: Connection,
    *,
    limit: int = 100,
    offset: int = 0,
    user: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[AuditEntry]:
    """Newest first, optionally filtered."""
    f = AuditFilter(user, action, outcome, since, until)
    query = _filtered(select(audit_log), f).order_by(audit_log.c.audit_id.desc()).limit(limit).offset(offset)
    return [_entry(row) for row in conn.execute(query)]


def iter_entries(conn: Connection, f: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first (for exports), streamed."""
    query = _filtered(select(audit_log), f).order_by(audit_log.c.audit_id)
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        yield _entry(row)


def count_entries(conn: Connection, f: AuditFilter | None = None) -> int:
    query = select(func.count()).select_from(audit_log)
    return int(conn.execute(_filtered(query, f or AuditFilter())).scalar_one())


def write_export(entries: Iterable[AuditEntry], out: TextIO, fmt: str) -> int:
    """Write entries as CSV (with a header row) or JSON Lines; returns how many."""
    fields = list(AuditEntry.__dataclass_fields__)
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(fields)
    count = 0
    for entry in entries:
        row = asdict(entry)
        if writer is not None:
            writer.writerow(["" if row[name] is None else row[name] for name in fields])
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
