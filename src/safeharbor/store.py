"""Opening Safe Harbor's store with every stage's tables: what the CLI, the web app, benches and tests call.

The storage layer sits below the stages and does not know them; this module sits above them and lists
the stages that own tables, in dependency order (a later stage's tables may reference an earlier
stage's). A new stage with tables adds its `MIGRATIONS` here.
"""

from __future__ import annotations

from safeharbor.link import tables as link_tables
from safeharbor.score import tables as score_tables
from safeharbor.settings import Settings, default_db_url
from safeharbor.storage import engine, schema
from safeharbor.storage.engine import Store
from safeharbor.storage.migrations import Migration
from safeharbor.tips import tables as tips_tables
from safeharbor.workspace import tables as workspace_tables
from safeharbor.workspace import watch_tables

__all__ = ["MIGRATIONS", "Store", "open_store"]

MIGRATIONS: list[Migration] = [
    *schema.MIGRATIONS,
    *link_tables.MIGRATIONS,
    *score_tables.MIGRATIONS,
    *workspace_tables.MIGRATIONS,
    *watch_tables.MIGRATIONS,
    *tips_tables.MIGRATIONS,
]


def open_store(db: str | None = None, *, settings: Settings | None = None, migrate: bool = True) -> Store:
    """Open (and by default create or upgrade) the store at `db`, a SQLite path or a SQLAlchemy URL.

    Without `db`, the store named by the settings (SAFEHARBOR_DB), else ./var/safeharbor.db.
    """
    return engine.open_store(db or default_db_url(settings), migrations=MIGRATIONS if migrate else ())
