"""Retention: what `safeharbor purge` removes, and how it makes sure it is gone from the disk too.

Policy (defaults; the command's options change them):
- A tip older than `tip_days` (365) is deleted with its identifiers and form token, its review, and
  its place in any case, unless a case that is not closed holds it (an open case keeps its evidence).
- A case closed (status `closed`) and untouched for `case_days` (730) is deleted with its items,
  notes, history and referral-export records. What it concluded about ads (`case_outcomes`, which
  trains the model and names no one) is kept, without the case number.
- The audit log is kept: it records who did what to which id, never a tip's or a note's text.

SQLite keeps deleted text in free pages and in the write-ahead log. Purge therefore deletes with
`secure_delete` on (freed pages are zeroed), checkpoints and truncates the WAL, and VACUUMs. Backups
are copies: purge rewrites every backup file it is given (`--backup FILE`) the same way; backups
elsewhere keep their data until they are purged or expire. On PostgreSQL the rows are deleted and
`VACUUM` run; old WAL segments and base backups are the database administrator's to expire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, select, update

from safeharbor.storage.backends import backend_for_url
from safeharbor.storage.engine import Store
from safeharbor.storage.times import format_time
from safeharbor.tips.tables import tip_form_tokens, tip_history, tip_identifiers, tips
from safeharbor.workspace.tables import (
    case_history,
    case_items,
    case_notes,
    case_outcomes,
    cases,
    lead_reviews,
    referral_exports,
)

TIP_DAYS = 365
CASE_DAYS = 730


@dataclass
class PurgeReport:
    tips: int = 0
    cases: int = 0
    dry_run: bool = False

    def lines(self, where: str) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        return [f"{where}: {verb} {self.tips:,} expired tips and {self.cases:,} expired closed cases"]


def _expired(conn: Connection, now: datetime, tip_days: int, case_days: int) -> tuple[list[int], list[int]]:
    tip_cutoff = format_time(now - timedelta(days=tip_days))
    case_cutoff = format_time(now - timedelta(days=case_days))
    held = select(case_items.c.item_ref).join(cases, cases.c.case_id == case_items.c.case_id)
    held = held.where(case_items.c.item_type == "tip", cases.c.status != "closed")
    held_tips = {str(r) for r in conn.execute(held).scalars()}
    old_tips = conn.execute(select(tips.c.tip_id).where(tips.c.created_at < tip_cutoff)).scalars()
    tip_ids = [t for t in old_tips if str(t) not in held_tips]
    case_ids = list(
        conn.execute(
            select(cases.c.case_id).where(cases.c.status == "closed", cases.c.updated_at < case_cutoff)
        ).scalars()
    )
    return tip_ids, case_ids


def _delete(conn: Connection, tip_ids: Sequence[int], case_ids: Sequence[int]) -> None:
    refs = [str(t) for t in tip_ids]
    if tip_ids:
        conn.execute(delete(tip_identifiers).where(tip_identifiers.c.tip_id.in_(tip_ids)))
        conn.execute(delete(tip_history).where(tip_history.c.tip_id.in_(tip_ids)))
        conn.execute(delete(tip_form_tokens).where(tip_form_tokens.c.tip_id.in_(tip_ids)))
        conn.execute(
            delete(lead_reviews).where(lead_reviews.c.lead_type == "tip", lead_reviews.c.lead_ref.in_(refs))
        )
        conn.execute(
            delete(case_items).where(case_items.c.item_type == "tip", case_items.c.item_ref.in_(refs))
        )
        conn.execute(delete(tips).where(tips.c.tip_id.in_(tip_ids)))
    if case_ids:
        for table in (case_items, case_notes, case_history, referral_exports):
            conn.execute(delete(table).where(table.c.case_id.in_(case_ids)))
        conn.execute(update(case_outcomes).where(case_outcomes.c.case_id.in_(case_ids)).values(case_id=None))
        conn.execute(delete(cases).where(cases.c.case_id.in_(case_ids)))


def purge(
    store: Store,
    *,
    now: datetime,
    tip_days: int = TIP_DAYS,
    case_days: int = CASE_DAYS,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete expired tips and cases from the store and scrub them from its files (see module doc)."""
    with store.begin() as conn:
        store.backend.secure_delete(conn)
        tip_ids, case_ids = _expired(conn, now, tip_days, case_days)
        report = PurgeReport(len(tip_ids), len(case_ids), dry_run)
        if not dry_run:
            _delete(conn, tip_ids, case_ids)
    if not dry_run:
        store.backend.compact(store.engine)
    return report


def purge_backup(path: Path, *, now: datetime, tip_days: int, case_days: int) -> PurgeReport:
    """The same purge on a SQLite backup file, in place."""
    backend = backend_for_url(f"sqlite:///{path}")
    engine = backend.create_engine()
    try:
        with engine.begin() as conn:
            backend.secure_delete(conn)
            tip_ids, case_ids = _expired(conn, now, tip_days, case_days)
            _delete(conn, tip_ids, case_ids)
        backend.compact(engine)
    finally:
        engine.dispose()
    return PurgeReport(len(tip_ids), len(case_ids))
