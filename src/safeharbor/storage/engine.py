"""Opening a store: URL resolution, the backend for that database, migrations on open.

SQLite is the embedded default; any SQLAlchemy URL with a backend in `storage.backends` works, so a
team can point SAFEHARBOR_DB at PostgreSQL without the stages changing.

The storage layer does not know which stages own tables: the caller passes the migrations to apply
(`safeharbor.store.open_store` passes every stage's, in order; a worker process passes none).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table

from safeharbor.settings import DEFAULT_DB_PATH, default_db_url
from safeharbor.storage.backends import Backend, backend_for_url, backend_of
from safeharbor.storage.migrations import migrate

if TYPE_CHECKING:
    from safeharbor.storage.migrations import Migration

__all__ = [
    "DEFAULT_DB_PATH",
    "Store",
    "bulk_insert",
    "default_db_url",
    "insert_ignoring_duplicates",
    "normalise_db_url",
    "open_store",
]


def normalise_db_url(db: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if not db:
        return default_db_url()
    if "://" in db:
        return db
    return f"sqlite:///{db}"


@dataclass
class Store:
    """A handle on one database. Stages take a Store and use its engine with SQLAlchemy Core;
    whatever differs by database is asked of `backend`."""

    engine: Engine
    url: str
    backend: Backend

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (committed on success, rolled back on error)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read connection."""
        with self.engine.connect() as conn:
            yield conn

    def describe(self) -> str:
        """Where the data lives, for summaries (no password)."""
        return self.backend.describe(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping any that collide with a unique constraint; returns rows inserted."""
    return backend_of(conn).insert_ignoring_duplicates(conn, table, rows)


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many plain rows (tuples in `columns` order) through the driver's executemany."""
    backend_of(conn).bulk_insert(conn, table, columns, rows)


def open_store(db: str | None = None, *, migrations: Sequence[Migration]) -> Store:
    """Open the store at `db` (URL or SQLite path) and apply those of `migrations` not yet applied.

    Most callers want `safeharbor.store.open_store`, which passes every stage's migrations; a worker
    process opening a store its parent already migrated passes `migrations=()`.
    """
    url = normalise_db_url(db)
    backend = backend_for_url(url)
    store = Store(engine=backend.create_engine(), url=url, backend=backend)
    if migrations:
        migrate(store.engine, migrations)
    return store
