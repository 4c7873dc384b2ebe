"""Versioned schema migrations.

Each stage owns its tables and lists its migrations in its own `tables` module as
`MIGRATIONS: list[Migration]`; ids are unique strings ("core_0001", "link_0001", ...), applied once,
in the order given (`safeharbor.store.MIGRATIONS` lists the stages in dependency order), and recorded
in `schema_migrations`. A new schema change is a new Migration appended to its stage's list, never an
edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, inspect, select, text

from safeharbor.storage.times import now_iso


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    apply: Callable[[Connection], None]


_migrations_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _migrations_meta,
    Column("id", String(100), primary_key=True),
    Column("description", String(300), nullable=False),
    Column("applied_at", String(32), nullable=False),
)


def check_unique(migrations: Sequence[Migration]) -> None:
    ids = [m.id for m in migrations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate migration ids: {sorted(duplicates)}")


def applied_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(schema_migrations.c.id)).scalars())


# Any constant: the key of the PostgreSQL advisory lock that serialises migrations.
PG_MIGRATION_LOCK = 0x5AFE4A2B


@contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the store's migration lock until it ends.

    Two first runs on a new store (two terminals, a server and a CLI) would otherwise both see a
    migration as pending and both apply it: "table already exists". SQLite: BEGIN IMMEDIATE takes
    the write lock up front (others wait, busy_timeout). PostgreSQL: a transaction-scoped advisory
    lock (CREATE TABLE IF NOT EXISTS alone races on the catalogue).
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        return
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        yield conn


def migrate(engine: Engine, migrations: Sequence[Migration]) -> list[str]:
    """Apply every one of `migrations` not yet applied, in order; returns the ids applied now.

    Safe when several processes open a new store at once: each migration is re-checked under a lock.
    """
    check_unique(migrations)
    done: list[str] = []
    with engine.connect() as conn:  # the common case, a store already up to date, takes no lock
        ready = inspect(conn).has_table("schema_migrations")
        already = applied_ids(conn) if ready else set()
    pending = [m for m in migrations if m.id not in already]
    if not pending:
        return done
    with _exclusive(engine) as conn:
        _migrations_meta.create_all(conn)
    for migration in pending:
        with _exclusive(engine) as conn:  # one transaction per migration, re-checked under the lock
            if migration.id in applied_ids(conn):
                continue
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    id=migration.id, description=migration.description, applied_at=now_iso()
                )
            )
        done.append(migration.id)
    return done
