"""Opening a store: URL resolution, SQLite pragmas, migrations on open.

SQLite is the embedded default (WAL so readers never block the one writer, synchronous=FULL so a
committed batch survives power loss, foreign keys on). Any SQLAlchemy URL works, so a team can point
SAFEHARBOR_DB at PostgreSQL without the stages changing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite

from safeharbor.settings import DEFAULT_DB_PATH, default_db_url

__all__ = ["DEFAULT_DB_PATH", "Store", "default_db_url", "open_store"]


def normalise_db_url(db: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as a SQLite file)."""
    if not db:
        return default_db_url()
    if "://" in db:
        return db
    return f"sqlite:///{db}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # first: switching a new file to WAL may have to wait
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@dataclass
class Store:
    """A handle on one database. Stages take a Store and use its engine with SQLAlchemy Core."""

    engine: Engine
    url: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

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
        if self.is_sqlite:
            return str(Path(self.engine.url.database or ":memory:").resolve())
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping any that collide with a unique constraint; returns rows inserted."""
    if not rows:
        return 0
    name = conn.dialect.name
    if name == "sqlite":
        stmt: Any = sqlite.insert(table).on_conflict_do_nothing()
    elif name == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - other engines are not supported yet
        raise NotImplementedError(f"no duplicate-ignoring insert for {name}")
    result = conn.execute(stmt, list(rows))
    return max(result.rowcount or 0, 0)


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows given as tuples in `columns` order, straight through the driver's executemany.

    For the hot paths (ads, extractions), where SQLAlchemy's per-row parameter processing costs more
    than the database does. Values must already be plain (JSON columns passed as json.dumps text).
    """
    if not rows:
        return
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([placeholder] * len(columns))})"
    )
    conn.exec_driver_sql(sql, list(rows))  # type: ignore[arg-type]


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (0600), in a folder we create 0700.

    A store holds tips, cases and accounts. SQLite gives a database's -wal and -shm files the mode of
    the database file, so they are 0600 too. Existing files and folders are left as they are.
    """
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process created it first: theirs is as private
        return
    os.close(fd)


def open_store(db: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or upgrade) the store at `db` (URL or SQLite path)."""
    url = normalise_db_url(db)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        create_private_file(Path(url.removeprefix("sqlite:///")).expanduser())
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine=engine, url=url)
    if migrate:
        from safeharbor.storage.migrations import migrate as run_migrations

        run_migrations(store)
    return store
