"""Shared fixtures: real stores on every backend.

SQLite files always; PostgreSQL too when SAFEHARBOR_TEST_PG is set (`.ci/run` starts a server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from safeharbor.store import Store, open_store

# In CI the property tests replay a fixed set of examples (a red build is then a real regression, not
# a lucky draw); `make fuzz` runs them with fresh random examples and many more of them.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")

PG_URL = os.environ.get("SAFEHARBOR_TEST_PG")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _fresh_pg_database() -> tuple[str, str]:
    import psycopg

    assert PG_URL is not None
    name = "sh_test_" + uuid.uuid4().hex[:12]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop_pg_database(name: str) -> None:
    import psycopg

    assert PG_URL is not None
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_store(backend: str, tmp_path: Path) -> tuple[Store, str | None]:
    if backend == "sqlite":
        return open_store(str(tmp_path / "safeharbor.db")), None
    url, name = _fresh_pg_database()
    return open_store(url), name


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each backend; backend-sensitive tests use this."""
    store, pg_name = make_store(request.param, tmp_path)
    try:
        yield store
    finally:
        store.dispose()
        if pg_name:
            _drop_pg_database(pg_name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store in tmp_path."""
    s = open_store(str(tmp_path / "safeharbor.db"))
    yield s
    s.dispose()
