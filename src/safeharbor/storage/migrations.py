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

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, select

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
    """Apply every one of `migrations` not yet applied, in order; returns the ids applied now."""
    check_unique(migrations)
    done: list[str] = []
    with engine.begin() as conn:
        _migrations_meta.create_all(conn)
        already = applied_ids(conn)
    for migration in migrations:
        if migration.id in already:
            continue
        with engine.begin() as conn:  # one transaction per migration
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    id=migration.id, description=migration.description, applied_at=now_iso()
                )
            )
        done.append(migration.id)
    return done
