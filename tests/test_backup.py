"""Online backup and verified restore (`safeharbor backup` / `restore`), in-process, real stores."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.ingest import ingest_file
from safeharbor.storage import Store
from safeharbor.storage.backup import BackupError, backup, check_sqlite_file, restore
from safeharbor.storage.schema import ads
from safeharbor.store import MIGRATIONS, open_store
from tests.ingest_support import ad, write_jsonl

runner = CliRunner()
KNOWN = {m.id for m in MIGRATIONS}


def n_ads(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ads)).scalar_one())


def test_backup_is_private_verified_and_restores_while_the_store_is_open(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "live.db"))
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", [ad(i) for i in range(20)]))
    reader = store.engine.connect()  # the store stays in use during the backup
    copy = tmp_path / "backups" / "b1.db"
    copy.parent.mkdir()
    check = backup(store, copy)
    reader.close()
    assert check is not None and check.tables["ads"] == 20
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    ingest_file(store, write_jsonl(tmp_path / "b.jsonl", [ad(i) for i in range(20, 50)]))
    assert n_ads(store) == 50
    restore(store, copy, KNOWN)
    assert n_ads(store) == 20
    with pytest.raises(BackupError, match="exists already"):
        backup(store, copy)
    store.dispose()


def test_a_damaged_or_foreign_backup_is_refused_before_anything_is_overwritten(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "live.db"))
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", [ad(1), ad(2)]))
    good = tmp_path / "good.db"
    backup(store, good)
    damaged = tmp_path / "damaged.db"
    data = bytearray(good.read_bytes())
    data[4096 * 2 : 4096 * 2 + 2000] = b"\xff" * 2000  # scribble over a page
    damaged.write_bytes(bytes(data))
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all " * 100)
    for bad in (damaged, foreign, text, tmp_path / "missing.db"):
        with pytest.raises(BackupError):
            restore(store, bad, KNOWN)
        assert n_ads(store) == 2, bad
    with pytest.raises(BackupError, match="newer Safe Harbor"):
        restore(store, good, KNOWN - {"core_0002"})
    store.dispose()


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    path = write_jsonl(tmp_path / "a.jsonl", [ad(1), ad(2), ad(3)])
    assert runner.invoke(app, ["ingest", str(path), "--db", db]).exit_code == 0
    out = tmp_path / "cli-backup.db"
    result = runner.invoke(app, ["backup", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output and "3 ad versions" in result.output
    check_sqlite_file(out)
    result = runner.invoke(app, ["backup", str(tmp_path / "nope" / "x.db"), "--db", db])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["restore", str(out), "--db", str(tmp_path / "other.db"), "--yes"])
    assert result.exit_code == 0, result.output
    other = open_store(str(tmp_path / "other.db"))
    assert n_ads(other) == 3
    other.dispose()
    result = runner.invoke(app, ["restore", str(tmp_path / "cli.db-nothing"), "--db", db, "--yes"])
    assert result.exit_code == 2 and "no such file" in result.output


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgresql_backup_and_restore_through_pg_dump(any_store: Store, tmp_path: Path) -> None:
    if any_store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", [ad(1), ad(2)]))
    dump = tmp_path / "pg.dump"
    assert backup(any_store, dump) is None
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    ingest_file(any_store, write_jsonl(tmp_path / "b.jsonl", [ad(3)]))
    any_store.engine.dispose()
    restore(any_store, dump, KNOWN)
    assert n_ads(any_store) == 2
