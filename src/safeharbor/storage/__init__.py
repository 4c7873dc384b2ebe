"""The storage layer every stage calls: one SQLAlchemy engine (SQLite by default, PostgreSQL for teams),
and a backend object (`Store.backend`) for whatever SQL differs by database.

To open a store with every stage's tables, use `safeharbor.store.open_store`; `open_store` here takes
the migrations to apply, since storage sits below the stages that own tables.
"""

from safeharbor.storage.backends import Backend, backend_of
from safeharbor.storage.engine import Store, default_db_url, insert_ignoring_duplicates, open_store
from safeharbor.storage.schema import metadata

__all__ = [
    "Backend",
    "Store",
    "backend_of",
    "default_db_url",
    "insert_ignoring_duplicates",
    "metadata",
    "open_store",
]
