"""Concurrent first runs on a new store never crash in migrations (real processes, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeharbor.storage.migrations import schema_migrations
from safeharbor.store import MIGRATIONS, open_store
from tests.conftest import BACKENDS, _drop_pg_database, _fresh_pg_database

PROCESSES = 8


def _open(url: str) -> str:
    try:
        open_store(url).dispose()
    except Exception as exc:  # reported, so a failure names its error
        return f"{type(exc).__name__}: {exc}"
    return "ok"


@pytest.fixture(params=BACKENDS)
def new_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    url, name = _fresh_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


def test_concurrent_first_opens_all_succeed_and_migrate_once(new_store_url: str) -> None:
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(_open, [new_store_url] * PROCESSES))
    assert results == ["ok"] * PROCESSES
    store = open_store(new_store_url)
    try:
        with store.connect() as conn:
            applied = conn.execute(select(func.count()).select_from(schema_migrations)).scalar_one()
        assert applied == len(MIGRATIONS)
    finally:
        store.dispose()
