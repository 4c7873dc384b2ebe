"""Versioned schema migrations.

Each stage owns its tables and lists its migrations in its own module as
`MIGRATIONS: list[Migration]`; ids are unique strings ("core_0001", "link_0001", ...), applied once,
in the order of MIGRATION_MODULES and then of each list, and recorded in `schema_migrations`.
A new schema change is a new Migration appended to its stage's list, never an edit of an old one.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, MetaData, String, Table, inspect, select, text

from safeharbor.storage.engine import Store


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    apply: Callable[[Connection], None]


# Stage modules that own tables, in dependency order (later ones may reference earlier tables).
MIGRATION_MODULES = [
    "safeharbor.storage.schema",
    "safeharbor.link.tables",
    "safeharbor.score.tables",
    "safeharbor.workspace.tables",
    "safeharbor.tips.tables",
]

_migrations_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _migrations_meta,
    Column("id", String(100), primary_key=True),
    Column("description", String(300), nullable=False),
    Column("applied_at", String(32), nullable=False),
)


def all_migrations() -> list[Migration]:
    found: list[Migration] = []
    for name in MIGRATION_MODULES:
        if importlib.util.find_spec(name.rsplit(".", 1)[0]) is None:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a stage that has no tables yet
            if exc.name == name:
                continue
            raise
        found.extend(getattr(module, "MIGRATIONS", []))
    ids = [m.id for m in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate migration ids: {sorted(duplicates)}")
    return found


def applied_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(schema_migrations.c.id)).scalars())


# Any constant: the key of the PostgreSQL advisory lock that serialises migrations.
PG_MIGRATION_LOCK = 0x5AFE4A2B


@contextmanager
def _exclusive(store: Store) -> Iterator[Connection]:
    """A transaction that holds the store's migration lock until it ends.

    Two first runs on a new store (two terminals, a server and a CLI) would otherwise both see a
    migration as pending and both apply it: "table already exists". SQLite: BEGIN IMMEDIATE takes
    the write lock up front (others wait, busy_timeout). PostgreSQL: a transaction-scoped advisory
    lock (CREATE TABLE IF NOT EXISTS alone races on the catalogue).
    """
    if store.is_sqlite:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        return
    with store.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        yield conn


def migrate(store: Store) -> list[str]:
    """Apply every migration not yet applied; returns the ids applied now (safe to run concurrently)."""
    done: list[str] = []
    with store.connect() as conn:  # the common case, a store already up to date, takes no lock
        ready = inspect(conn).has_table("schema_migrations")
        already = applied_ids(conn) if ready else set()
    pending = [m for m in all_migrations() if m.id not in already]
    if not pending:
        return done
    with _exclusive(store) as conn:
        _migrations_meta.create_all(conn)
    for migration in pending:
        with _exclusive(store) as conn:  # one transaction per migration, re-checked under the lock
            if migration.id in applied_ids(conn):
                continue
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    id=migration.id,
                    description=migration.description,
                    applied_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )
        done.append(migration.id)
    return done
