"""The tamper-evident audit log (issue 16: M9, M10): a hash chain, `safeharbor audit verify`, guards."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.store import Store, open_store
from safeharbor.workspace import audit

runner = CliRunner()


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        with store.begin() as conn:
            audit.record(
                conn, user="ana", action="case.view", object_type="case", object_id=str(i), outcome="ok"
            )


def test_concurrent_appends_keep_one_unbroken_chain(any_store: Store) -> None:
    barrier = threading.Barrier(8)

    def writer(w: int) -> None:
        barrier.wait()
        for i in range(15):
            with any_store.begin() as conn:
                audit.record(
                    conn, user=f"user{w}", action="ad.view", object_type="ad", object_id=str(i), outcome="ok"
                )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(writer, range(8)))
    with any_store.connect() as conn:
        report = audit.verify_chain(conn)
        entries = audit.list_entries(conn, limit=1000)
    assert report.ok, report.problem
    assert report.rows == 120 and report.head.seq == 120
    assert sorted(e.seq for e in entries) == list(range(1, 121))


def test_rows_cannot_be_updated_deleted_or_truncated(any_store: Store) -> None:
    _fill(any_store, 3)
    statements = [
        "UPDATE audit_log SET outcome = 'denied'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_head",
    ]
    if any_store.engine.dialect.name == "postgresql":
        statements += ["TRUNCATE audit_log", "TRUNCATE audit_head", "TRUNCATE audit_log CASCADE"]
    for statement in statements:
        with pytest.raises(Exception, match="append-only"), any_store.begin() as conn:
            conn.execute(text(statement))
    with any_store.connect() as conn:
        assert audit.verify_chain(conn).ok and audit.count_entries(conn) == 3


# Tampering done directly in SQLite, as someone with the file would: drop the guards first.
TAMPERING: dict[str, tuple[list[str], str]] = {
    "edit": (["UPDATE audit_log SET outcome = 'denied' WHERE seq = 4"], "seq 4"),
    "back-date": (["UPDATE audit_log SET at = '2001-01-01T00:00:00Z' WHERE seq = 3"], "seq 3"),
    "delete": (["DELETE FROM audit_log WHERE seq = 5"], "seq 6"),
    "delete tail": (["DELETE FROM audit_log WHERE seq = 8"], "head says seq 8"),
    "delete tail and head": (
        ["DELETE FROM audit_log WHERE seq = 8", "UPDATE audit_head SET seq = 7"],
        "head",
    ),
    "insert": (
        [
            "INSERT INTO audit_log (at, user, action, object_type, object_id, outcome) "
            "VALUES ('2026-01-01T00:00:00Z', 'ana', 'login', 'user', 'ana', 'ok')"
        ],
        "no place in the chain",
    ),
    "insert with a seq": (
        [
            "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 6",
            "INSERT INTO audit_log "
            "(at, user, action, object_type, object_id, outcome, seq, prev_hash, row_hash) "
            "SELECT at, user, action, object_type, object_id, outcome, 6, row_hash, row_hash FROM audit_log "
            "WHERE seq = 5",
        ],
        "seq 6",
    ),
    "reorder": (
        [
            "UPDATE audit_log SET audit_id = -1 WHERE seq = 2",
            "UPDATE audit_log SET audit_id = 2 WHERE seq = 3",
            "UPDATE audit_log SET audit_id = 3 WHERE audit_id = -1",
        ],
        "seq 3",
    ),
    "swap contents": (
        [
            "UPDATE audit_log SET object_id = 'x' WHERE seq = 2",
            "UPDATE audit_log SET object_id = '1' WHERE seq = 3",
            "UPDATE audit_log SET object_id = '2' WHERE object_id = 'x'",
        ],
        "seq 2",
    ),
    "recreate": (
        [
            "CREATE TABLE audit_copy AS SELECT * FROM audit_log WHERE seq <> 4",
            "DROP TABLE audit_log",
            "ALTER TABLE audit_copy RENAME TO audit_log",
        ],
        "seq 5",
    ),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_audit_verify_names_the_first_bad_row_after_tampering(tmp_path: Path, attack: str) -> None:
    db = str(tmp_path / "store.db")
    store = open_store(db)
    _fill(store, 8)
    store.dispose()
    ok = runner.invoke(app, ["audit", "verify", "--db", db])
    assert ok.exit_code == 0 and "intact: 8 rows" in ok.output
    statements, named = TAMPERING[attack]
    raw = sqlite3.connect(db)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        raw.execute(statement)
    raw.commit()
    raw.close()
    broken = runner.invoke(app, ["audit", "verify", "--db", db])
    assert broken.exit_code == 1, broken.output
    assert "broken" in broken.output and named in " ".join(broken.output.split())


def test_audit_export_and_date_filter(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    store = open_store(db)
    _fill(store, 3)
    with store.begin() as conn:
        audit.record(conn, user="bob", action="login", object_type="user", object_id="bob", outcome="failed")
    store.dispose()
    out = tmp_path / "audit.csv"
    result = runner.invoke(app, ["audit", "export", "--out", str(out), "--user", "ana", "--db", db])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("audit_id,at,user") and len(lines) == 4
    empty = runner.invoke(app, ["audit", "export", "--out", str(out), "--until", "2001-01-01", "--db", db])
    assert empty.exit_code == 0 and len(out.read_text().splitlines()) == 1
    bad = runner.invoke(app, ["audit", "list", "--since", "yesterday", "--db", db])
    assert bad.exit_code == 2 and "not a date" in bad.output
