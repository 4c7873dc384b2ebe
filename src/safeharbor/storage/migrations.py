"""Versioned schema migrations.

Each stage owns its tables and lists its migrations in its own `tables` module as
`MIGRATIONS: list[Migration]`; ids are unique strings ("core_0001", "link_0001", ...), applied once,
in the order given (`safeharbor.store.MIGRATIONS` lists the stages in dependency order), and recorded
in `schema_migrations`. A new schema change is a new Migration appended to its stage's list, never an
edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, inspect, select

from safeharbor.storage.backends import backend_for_url
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


def migrate(engine: Engine, migrations: Sequence[Migration]) -> list[str]:
    """Apply every one of `migrations` not yet applied, in order; returns the ids applied now.

    Safe when several processes open a new store at once: each migration is re-checked under the
    backend's lock (`Backend.exclusive`); otherwise both would apply it ("table already exists").
    """
    check_unique(migrations)
    done: list[str] = []
    with engine.connect() as conn:  # the common case, a store already up to date, takes no lock
        ready = inspect(conn).has_table("schema_migrations")
        already = applied_ids(conn) if ready else set()
    pending = [m for m in migrations if m.id not in already]
    if not pending:
        return done
    backend = backend_for_url(engine.url.render_as_string(hide_password=False))
    with backend.exclusive(engine) as conn:
        _migrations_meta.create_all(conn)
    for migration in pending:
        with backend.exclusive(engine) as conn:  # one transaction per migration, re-checked under the lock
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
