from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from safeharbor.storage.engine import normalise_db_url
from safeharbor.storage.migrations import migrate
from safeharbor.store import MIGRATIONS, open_store


def test_sqlite_store_uses_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "x.db"))
    with store.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_apply_once_and_are_recorded(any_store) -> None:  # type: ignore[no-untyped-def]
    ids = {m.id for m in MIGRATIONS}
    with any_store.connect() as conn:
        applied = set(conn.execute(text("SELECT id FROM schema_migrations")).scalars())
    assert ids == applied
    assert migrate(any_store.engine, MIGRATIONS) == []  # nothing left to do the second time


def test_db_option_accepts_paths_and_urls(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert normalise_db_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert normalise_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("SAFEHARBOR_DB", "sqlite:///elsewhere.db")
    assert normalise_db_url(None) == "sqlite:///elsewhere.db"
