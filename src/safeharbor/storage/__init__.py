"""The storage layer every stage calls: one SQLAlchemy engine (SQLite by default, PostgreSQL for teams)."""

from safeharbor.storage.engine import Store, default_db_url, insert_ignoring_duplicates, open_store
from safeharbor.storage.schema import metadata

__all__ = ["Store", "default_db_url", "insert_ignoring_duplicates", "metadata", "open_store"]
