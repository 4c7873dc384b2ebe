"""Retention: `safeharbor purge` removes expired tips and cases from the database, its WAL and named
backups — tested with canary values that must be gone from every file on disk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.storage import Store
from safeharbor.storage.backup import backup
from safeharbor.storage.times import format_time
from safeharbor.store import open_store
from safeharbor.tips.tables import tips
from safeharbor.workspace.retention import purge
from safeharbor.workspace.tables import case_items, case_notes, case_outcomes, cases

runner = CliRunner()
NOW = datetime(2026, 12, 1, tzinfo=UTC)
OLD_TIP = "CANARY-OLD-TIP-7f3a9c"
OLD_CONTACT = "canary-contact-55e1@example.org"
OLD_NOTE = "CANARY-OLD-NOTE-b81d02"
KEPT_TIP = "KEPT-RECENT-TIP-0c4e"
HELD_TIP = "KEPT-HELD-TIP-91aa"


def _tip(conn, text: str, days_old: int) -> int:  # type: ignore[no-untyped-def]
    made = format_time(NOW - timedelta(days=days_old))
    row = conn.execute(
        tips.insert().values(
            reference=f"T-{abs(hash(text)) % 10**8:08d}"[:16],
            created_at=made,
            variant="public",
            role="public",
            signs=[],
            what_seen=text,
            seen_on=date(2024, 1, 1),
            contact=OLD_CONTACT if text == OLD_TIP else None,
        )
    )
    return int(row.inserted_primary_key[0])


def _case(conn, status: str, days_old: int, note: str, tip_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    at = format_time(NOW - timedelta(days=days_old))
    case_id = int(
        conn.execute(
            cases.insert().values(
                title="Case", status=status, created_by="analyst1", created_at=at, updated_at=at
            )
        ).inserted_primary_key[0]
    )
    conn.execute(case_notes.insert().values(case_id=case_id, author="analyst1", at=at, body=note))
    if tip_id is not None:
        conn.execute(
            case_items.insert().values(
                case_id=case_id, item_type="tip", item_ref=str(tip_id), added_by="analyst1", added_at=at
            )
        )
    return case_id


def _seed(store: Store) -> None:
    with store.begin() as conn:
        _tip(conn, OLD_TIP, 500)
        _tip(conn, KEPT_TIP, 10)
        held = _tip(conn, HELD_TIP, 900)
        _case(conn, "active", 900, "an open case keeps its tip", held)
        _case(conn, "closed", 1000, OLD_NOTE)
        _case(conn, "closed", 100, "closed recently, kept")


def _on_disk(folder: Path, needle: str) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and needle.encode() in p.read_bytes()]


def test_purge_removes_canaries_from_the_database_wal_and_named_backups(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = open_store(str(folder / "safeharbor.db"))
    _seed(store)
    copy = tmp_path / "backup.db"
    backup(store, copy)
    assert _on_disk(folder, OLD_TIP) and OLD_TIP.encode() in copy.read_bytes()
    report = purge(store, now=NOW)
    assert (report.tips, report.cases) == (1, 1)
    result = runner.invoke(
        app, ["purge", "--db", str(folder / "safeharbor.db"), "--backup", str(copy), "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert "1 expired tips" in result.output  # the backup still held them
    store.dispose()
    for needle in (OLD_TIP, OLD_CONTACT, OLD_NOTE):
        assert _on_disk(folder, needle) == [], needle
        assert needle.encode() not in copy.read_bytes(), needle
    again = open_store(str(folder / "safeharbor.db"))
    with again.connect() as conn:
        kept = set(conn.execute(select(tips.c.what_seen)).scalars())
        assert kept == {KEPT_TIP, HELD_TIP}
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(case_outcomes)).scalar_one() == 0
    again.dispose()


def test_purge_dry_run_and_postgresql(any_store: Store) -> None:
    _seed(any_store)
    counted = purge(any_store, now=NOW, dry_run=True)
    assert (counted.tips, counted.cases) == (1, 1)
    with any_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tips)).scalar_one() == 3
    purge(any_store, now=NOW)
    with any_store.connect() as conn:
        assert set(conn.execute(select(tips.c.what_seen)).scalars()) == {KEPT_TIP, HELD_TIP}
        notes = set(conn.execute(select(case_notes.c.body)).scalars())
    assert OLD_NOTE not in notes
