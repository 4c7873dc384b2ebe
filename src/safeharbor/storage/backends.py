"""The SQL that differs by database, in one class per database.

Every stage writes portable SQLAlchemy Core; whatever cannot be portable (duplicate-ignoring inserts,
the driver's placeholder style, full-text search, the audit log's append-only guard, whether worker
processes can open the same database) is a method here. Nothing outside this module asks which
database it is talking to, so a new engine (DuckDB, say) is one new subclass registered in `BACKENDS`,
in the spirit of splink's `DatabaseAPI` subclasses.

A backend is chosen by URL (`backend_for_url`) when a store is opened (`Store.backend`), or from a
connection (`backend_of`) for code that is handed only a `Connection`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

__all__ = [
    "BACKENDS",
    "Backend",
    "PostgresBackend",
    "SqliteBackend",
    "TextMatches",
    "backend_for_url",
    "backend_of",
]


# Ranking by relevance (FTS5's bm25) scores every matching ad before the first page: ~1.6 us a match
# on this 2-core machine, 250-440 ms for a common word in 150,000-330,000 of 1.15M ads (docs/scale.md).
# Past this many matches a text search lists the matches most recently added first instead, and says so.
RANKED_MATCHES_AT_MOST = 20_000
# PostgreSQL counts a text search's matches by visiting each (~3 us a match: 100-115 ms for a word in
# 40,000-50,000 of 300,000 ads, docs/scale.md); it counts up to this many past the page shown and then
# says "more than" (TextMatches.more). SQLite's FTS5 counts from its index (20-55 ms at 1.15M ads): exact.
COUNTED_AT_MOST = 10_000


@dataclass(slots=True)
class TextMatches:
    """One page of a full-text search: ad keys best (or newest) first, the total, and any snippets.

    `order` says which: "relevance" (best match first) or "newest" (most recently added first).
    Snippets mark the matched words with \\x02 … \\x03 (the page escapes them, then highlights)."""

    keys: list[int] = field(default_factory=list)
    total: int = 0
    snippets: dict[int, str] = field(default_factory=dict)
    order: str = "relevance"
    order_note: str = ""  # why, when the order is not the database's usual one
    more: bool = False  # more ads match than `total` (the count stopped there: COUNTED_AT_MOST)


class Backend:
    """What a database must provide beyond portable SQLAlchemy Core. Subclass per engine."""

    dialect: ClassVar[str]

    def __init__(self, url: str) -> None:
        self.url = url

    # --- opening -------------------------------------------------------------------------------
    def create_engine(self) -> Engine:
        return create_engine(self.url, future=True, pool_pre_ping=True)

    def describe(self, engine: Engine) -> str:
        """Where the data lives, for summaries (no password)."""
        return engine.url.render_as_string(hide_password=True)

    @property
    def supports_worker_processes(self) -> bool:
        """Can other processes open this database by its URL (and see what this one committed)?"""
        return True

    # --- writing -------------------------------------------------------------------------------
    def insert_ignoring_duplicates(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
    ) -> int:
        """Insert rows, skipping any that collide with a unique constraint; returns rows inserted.

        Counted from RETURNING: the driver's rowcount is -1 for these statements on PostgreSQL."""
        if not rows:
            return 0
        stmt = self.insert_ignoring(table).returning(*table.primary_key.columns)
        return len(conn.execute(stmt, list(rows)).all())

    def insert_ignoring(self, table: Table) -> Any:
        """An INSERT that skips rows colliding with a unique constraint."""
        raise NotImplementedError

    @property
    def placeholder(self) -> str:
        """The driver's parameter marker, for statements sent with `exec_driver_sql`."""
        raise NotImplementedError

    def bulk_insert(
        self, conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows given as tuples in `columns` order, straight through the driver's executemany.

        For the hot paths (ads, extractions, link rows), where SQLAlchemy's per-row parameter processing
        costs more than the database does. Values must already be plain (JSON as json.dumps text).
        """
        if not rows:
            return
        quote = conn.dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join([self.placeholder] * len(columns))})"
        )
        conn.exec_driver_sql(sql, list(rows))

    def delete_by_keys(
        self, conn: Connection, table: Table, columns: Sequence[str], keys: Sequence[Sequence[Any]]
    ) -> None:
        """Delete the rows whose `columns` equal one of the `keys` tuples (one executemany)."""
        if not keys:
            return
        quote = conn.dialect.identifier_preparer.quote
        where = " AND ".join(f"{quote(c)} = {self.placeholder}" for c in columns)
        conn.exec_driver_sql(f"DELETE FROM {quote(table.name)} WHERE {where}", list(keys))

    # --- whole-database operations --------------------------------------------------------------
    @property
    def file_path(self) -> Path | None:
        """The database file, for a database that is one file (None otherwise)."""
        return None

    @contextmanager
    def exclusive(self, engine: Engine) -> Iterator[Connection]:
        """A transaction holding the database's migration lock until it ends (serialises first runs)."""
        with engine.begin() as conn:
            yield conn

    def secure_delete(self, conn: Connection) -> None:
        """Make this transaction's deletes overwrite the deleted data where the database can."""

    def compact(self, engine: Engine) -> None:
        """Rewrite the database so deleted rows are gone from its files as far as it can."""
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")

    # --- the audit log's guard -------------------------------------------------------------------
    def create_append_only_guard(self, conn: Connection, table: str) -> None:
        """Make the database itself refuse UPDATE and DELETE on `table` (the audit log)."""
        raise NotImplementedError

    def create_no_delete_guard(self, conn: Connection, table: str) -> None:
        """Make the database refuse DELETE (and TRUNCATE) on `table`, allowing UPDATE (the audit head)."""
        raise NotImplementedError

    def create_truncate_guard(self, conn: Connection, table: str) -> None:
        """Refuse TRUNCATE on a guarded table where the database has it (row triggers skip it)."""

    def suspend_update_guard(self, conn: Connection, table: str) -> None:
        """Lift the UPDATE guard for the rest of this (migration) transaction only."""
        raise NotImplementedError

    def restore_update_guard(self, conn: Connection, table: str) -> None:
        raise NotImplementedError

    def widen_to_text(self, conn: Connection, table: str, column: str) -> None:
        """Make a length-limited text column unlimited (SQLite does not enforce lengths)."""

    # --- full-text search over ads -------------------------------------------------------------
    def create_text_index(self, conn: Connection) -> None:
        """Create the full-text index over the ads' title, body and location (a migration)."""
        raise NotImplementedError

    def guard_text_index_delete(self, conn: Connection) -> None:
        """Make deleting an ad that is not indexed yet leave the index intact (a migration)."""

    def store_text_document(self, conn: Connection) -> None:
        """Keep each ad's searched document stored where computing it per row is the cost (a migration)."""

    def update_text_index(self, conn: Connection, *, rebuild: bool = False) -> int:
        """Index the ads added since the last call (all of them when `rebuild`); returns ads indexed.

        0 where the database keeps its index up to date by itself."""
        return 0

    def search_text(self, conn: Connection, query: str, limit: int, offset: int = 0) -> TextMatches:
        """Ads whose text matches every word of `query` (one page of them: `limit` from `offset`)."""
        raise NotImplementedError


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query, flags=re.UNICODE)[:12]


# An FTS5 'delete' of a row that was never indexed corrupts the index ("database disk image is
# malformed"), and an ad can be deleted before analyze indexed it (set aside as unreadable): only
# ads up to the last indexed key are deleted from the index.
_FTS_DELETE = """CREATE TRIGGER IF NOT EXISTS ads_fts_delete AFTER DELETE ON ads
         WHEN old.ad_key <= (SELECT last_ad_key FROM ws_search_state WHERE id = 1) BEGIN
         INSERT INTO ads_fts(ads_fts, rowid, title, body, location)
         VALUES ('delete', old.ad_key, old.title, old.body, old.location); END"""


class SqliteBackend(Backend):
    """The embedded default: a file (or memory), WAL so readers never block the one writer,
    synchronous=FULL so a committed batch survives power loss, foreign keys on."""

    dialect = "sqlite"

    @property
    def in_memory(self) -> bool:
        return make_url(self.url).database in (None, "", ":memory:")

    def create_engine(self) -> Engine:
        database = make_url(self.url).database
        if not self.in_memory and database:
            create_private_file(Path(database).expanduser())
        engine = create_engine(self.url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def describe(self, engine: Engine) -> str:
        return str(Path(engine.url.database or ":memory:").resolve())

    @property
    def file_path(self) -> Path | None:
        database = make_url(self.url).database
        return None if self.in_memory or not database else Path(database).expanduser()

    @contextmanager
    def exclusive(self, engine: Engine) -> Iterator[Connection]:
        # BEGIN IMMEDIATE takes the write lock up front; others wait (busy_timeout).
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def secure_delete(self, conn: Connection) -> None:
        conn.exec_driver_sql("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left readable

    def compact(self, engine: Engine) -> None:
        # Deleted text lives on in the write-ahead log and in free pages: checkpoint and truncate the
        # WAL, VACUUM (rewrites the file without free pages), and truncate the WAL VACUUM wrote.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def supports_worker_processes(self) -> bool:
        return not self.in_memory  # an in-memory database exists only in this process

    def insert_ignoring(self, table: Table) -> Any:
        return sqlite.insert(table).on_conflict_do_nothing()

    @property
    def placeholder(self) -> str:
        return "?"  # sqlite3's qmark paramstyle

    def create_append_only_guard(self, conn: Connection, table: str) -> None:
        for action in ("UPDATE", "DELETE"):
            conn.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table}\n"
                    f"       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )

    def create_no_delete_guard(self, conn: Connection, table: str) -> None:
        conn.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}\n"
                f"       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        )

    def suspend_update_guard(self, conn: Connection, table: str) -> None:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))

    def restore_update_guard(self, conn: Connection, table: str) -> None:
        conn.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}\n"
                f"       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        )

    # External-content FTS5 index over the ads' text. New ads are indexed by `safeharbor analyze`
    # (update_text_index), not by an insert trigger: indexing is derived work like extraction, and
    # keeping it out of the ingest transaction keeps ingest fast. Deletes (rare) are kept in step here.
    _FTS = (
        """CREATE VIRTUAL TABLE IF NOT EXISTS ads_fts USING fts5(
         title, body, location, content='ads', content_rowid='ad_key',
         tokenize='unicode61 remove_diacritics 2')""",
        """CREATE TABLE IF NOT EXISTS ws_search_state (
         id INTEGER PRIMARY KEY CHECK (id = 1), last_ad_key INTEGER NOT NULL)""",
        "INSERT OR IGNORE INTO ws_search_state (id, last_ad_key) VALUES (1, 0)",
        _FTS_DELETE,
        "INSERT INTO ads_fts(ads_fts) VALUES ('rebuild')",
        "UPDATE ws_search_state SET last_ad_key = (SELECT coalesce(max(ad_key), 0) FROM ads)",
    )

    def create_text_index(self, conn: Connection) -> None:
        for statement in self._FTS:
            conn.execute(text(statement))

    def guard_text_index_delete(self, conn: Connection) -> None:
        conn.execute(text("DROP TRIGGER IF EXISTS ads_fts_delete"))
        conn.execute(text(_FTS_DELETE))

    def update_text_index(self, conn: Connection, *, rebuild: bool = False) -> int:
        newest = int(conn.execute(text("SELECT coalesce(max(ad_key), 0) FROM ads")).scalar_one())
        if rebuild:
            conn.execute(text("INSERT INTO ads_fts(ads_fts) VALUES ('rebuild')"))
            conn.execute(text("UPDATE ws_search_state SET last_ad_key = :newest"), {"newest": newest})
            return int(conn.execute(text("SELECT count(*) FROM ads")).scalar_one())
        last = int(conn.execute(text("SELECT last_ad_key FROM ws_search_state WHERE id = 1")).scalar_one())
        if newest <= last:
            return 0
        conn.execute(
            text(
                "INSERT INTO ads_fts(rowid, title, body, location) "
                "SELECT ad_key, title, body, location FROM ads WHERE ad_key > :last"
            ),
            {"last": last},
        )
        conn.execute(text("UPDATE ws_search_state SET last_ad_key = :newest"), {"newest": newest})
        return newest - last

    @staticmethod
    def fts_query(query: str) -> str:
        """User words as an FTS5 query, all required: each word of three or more characters a quoted
        prefix term, a shorter one the word itself (the prefix "in"* matches 1.04M of 1.15M ads and
        took 170 ms to expand; the word "in", 0.3 ms to the first page)."""
        return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in _words(query))

    def search_text(self, conn: Connection, query: str, limit: int, offset: int = 0) -> TextMatches:
        match = self.fts_query(query)
        if not match:
            return TextMatches()
        total = int(
            conn.execute(
                text("SELECT count(*) FROM ads_fts WHERE ads_fts MATCH :q"), {"q": match}
            ).scalar_one()
        )
        ranked = total <= RANKED_MATCHES_AT_MOST
        rows = conn.execute(
            text(
                "SELECT rowid, snippet(ads_fts, 1, '\x02', '\x03', ' … ', 16) FROM ads_fts "
                f"WHERE ads_fts MATCH :q ORDER BY {'rank, rowid DESC' if ranked else 'rowid DESC'} "
                "LIMIT :n OFFSET :o"
            ),
            {"q": match, "n": limit, "o": offset},
        ).all()
        return TextMatches(
            [r[0] for r in rows],
            total,
            {r[0]: r[1] for r in rows},
            "relevance" if ranked else "newest",
            "" if ranked else f"more than {RANKED_MATCHES_AT_MOST:,} matches: not ranked by relevance",
        )


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # first: switching a new file to WAL may have to wait
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class PostgresBackend(Backend):
    """PostgreSQL for teams (psycopg 3). Full-text search is a GIN index over a stored tsvector column."""

    dialect = "postgresql"

    # The document searched, written once: the index is used only when a query repeats it exactly.
    DOCUMENT = "to_tsvector('simple', coalesce(title,'') || ' ' || body || ' ' || coalesce(location,''))"

    # Any constant: the key of the advisory lock that serialises migrations (CREATE TABLE IF NOT
    # EXISTS alone races on the catalogue when two first runs start together).
    MIGRATION_LOCK = 0x5AFE4A2B

    @contextmanager
    def exclusive(self, engine: Engine) -> Iterator[Connection]:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.MIGRATION_LOCK})
            yield conn

    def insert_ignoring(self, table: Table) -> Any:
        return postgresql.insert(table).on_conflict_do_nothing()

    @property
    def placeholder(self) -> str:
        return "%s"  # psycopg's format paramstyle

    def create_append_only_guard(self, conn: Connection, table: str) -> None:
        conn.execute(
            text(
                f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"""
            )
        )
        conn.execute(
            text(
                f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"""
            )
        )

    def _raising_function(self, conn: Connection, table: str) -> None:
        conn.execute(
            text(
                f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"""
            )
        )

    def create_truncate_guard(self, conn: Connection, table: str) -> None:
        # TRUNCATE fires no row triggers: a statement trigger of its own refuses it.
        self._raising_function(conn, table)
        conn.execute(
            text(
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
       FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"""
            )
        )

    def create_no_delete_guard(self, conn: Connection, table: str) -> None:
        self._raising_function(conn, table)
        conn.execute(
            text(
                f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"""
            )
        )
        self.create_truncate_guard(conn, table)

    def suspend_update_guard(self, conn: Connection, table: str) -> None:
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_change"))

    def restore_update_guard(self, conn: Connection, table: str) -> None:
        conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_change"))

    def widen_to_text(self, conn: Connection, table: str, column: str) -> None:
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT"))

    def create_text_index(self, conn: Connection) -> None:
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_ads_fts ON ads USING gin ({self.DOCUMENT})"))

    def store_text_document(self, conn: Connection) -> None:
        # A stored column: with only the expression index, every plan that walks ads in key order (the
        # newest first) computed each ad's tsvector, ~40 us an ad (458 ms for the second page of a word
        # in 2% of 300,000 ads); stored, checking an ad is a read.
        conn.execute(
            text(
                "ALTER TABLE ads ADD COLUMN IF NOT EXISTS search_doc tsvector "
                f"GENERATED ALWAYS AS ({self.DOCUMENT}) STORED"
            )
        )
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_ads_search_doc ON ads USING gin (search_doc)"))
        conn.execute(text("DROP INDEX IF EXISTS ix_ads_fts"))

    def search_text(self, conn: Connection, query: str, limit: int, offset: int = 0) -> TextMatches:
        cond = "search_doc @@ plainto_tsquery('simple', :q)"  # store_text_document
        cap = max(COUNTED_AT_MOST, offset + limit)
        counted = int(
            conn.execute(
                text(f"SELECT count(*) FROM (SELECT 1 FROM ads WHERE {cond} LIMIT :cap) AS found"),
                {"q": query, "cap": cap + 1},
            ).scalar_one()
        )
        keys = list(
            conn.execute(
                text(f"SELECT ad_key FROM ads WHERE {cond} ORDER BY ad_key DESC LIMIT :n OFFSET :o"),
                {"q": query, "n": limit, "o": offset},
            ).scalars()
        )
        return TextMatches(keys, min(counted, cap), {}, "newest", more=counted > cap)


BACKENDS: dict[str, type[Backend]] = {b.dialect: b for b in (SqliteBackend, PostgresBackend)}


@lru_cache(maxsize=32)
def backend_for_url(url: str) -> Backend:
    """The backend for a SQLAlchemy URL ("sqlite:///…", "postgresql+psycopg://…")."""
    name = make_url(url).get_backend_name()
    try:
        return BACKENDS[name](url)
    except KeyError:
        raise ValueError(
            f"unsupported database {name!r} (supported: {', '.join(sorted(BACKENDS))})"
        ) from None


def backend_of(conn: Connection) -> Backend:
    """The backend of an open connection, for code that is handed a Connection rather than a Store."""
    return backend_for_url(conn.engine.url.render_as_string(hide_password=False))
