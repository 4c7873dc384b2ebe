"""Workspace tables: accounts, sessions, the append-only audit log, cases, reviews, referrals, search index.

Everything here is either analyst work (cases, notes, reviews — not derivable from ads, so never
dropped by a rebuild) or security state (users, sessions, audit). The full-text index over ads is
derived: an SQLite FTS5 external-content table kept in sync by a trigger on `ads` and rebuildable
with `safeharbor.workspace.search.rebuild_index`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from safeharbor.storage.migrations import Migration
from safeharbor.storage.schema import ads as core_ads

metadata = MetaData()

ROLES = ("admin", "analyst", "reviewer")

users = Table(
    "ws_users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", String(20), nullable=False),  # admin | analyst | reviewer
    Column("totp_secret", String(64)),  # base32; required for admin and analyst
    Column("totp_last_step", Integer),  # last accepted TOTP time step (replay protection)
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", String(32)),
    Column("created_at", String(32), nullable=False),
    Column("last_login_at", String(32)),
)

login_attempts = Table(
    "ws_login_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False),
    Column("at", String(32), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("client", String(64)),
)

# Session ids are random; only their SHA-256 is stored, so a stolen database yields no live session.
sessions = Table(
    "ws_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("ws_users.user_id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
)

# Append-only: no code path updates or deletes it, and on SQLite triggers refuse both.
audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("user", String(80)),  # None: not signed in
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(200)),
    Column("outcome", String(20), nullable=False),  # ok | denied | not_found | error | failed
    Column("detail", Text),
)
Index("ix_audit_at", audit_log.c.at)

cases = Table(
    "ws_cases",
    metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(300), nullable=False),
    Column("status", String(20), nullable=False),  # open | active | referred | closed
    Column("outcome", String(30)),  # see cases.OUTCOMES
    Column("assignee", String(80)),
    Column("created_by", String(80), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

case_items = Table(
    "ws_case_items",
    metadata,
    Column("case_id", Integer, ForeignKey("ws_cases.case_id"), primary_key=True),
    Column("item_type", String(20), primary_key=True),  # ad | network | tip
    Column("item_ref", String(100), primary_key=True),
    Column("added_by", String(80), nullable=False),
    Column("added_at", String(32), nullable=False),
)

case_notes = Table(
    "ws_case_notes",
    metadata,
    Column("note_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("ws_cases.case_id"), nullable=False),
    Column("author", String(80), nullable=False),
    Column("at", String(32), nullable=False),
    Column("body", Text, nullable=False),
)

case_history = Table(
    "ws_case_history",
    metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("ws_cases.case_id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("user", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text),
)
Index("ix_case_history_case", case_history.c.case_id)

# A person's decision on a lead (an ad, a network or a tip): reviewed, or dismissed with a reason.
lead_reviews = Table(
    "ws_lead_reviews",
    metadata,
    Column("lead_type", String(20), primary_key=True),  # ad | network | tip
    Column("lead_ref", String(100), primary_key=True),
    Column("status", String(20), nullable=False),  # reviewed | dismissed
    Column("reason", Text),
    Column("user", String(80), nullable=False),
    Column("at", String(32), nullable=False),
)

# What cases concluded about ads; the risk stage's `train` reads it to re-fit the model.
case_outcomes = Table(
    "case_outcomes",
    metadata,
    Column("ad_key", Integer, ForeignKey(core_ads.c.ad_key), primary_key=True),
    Column("minor_confirmed", Boolean, nullable=False),
    Column("decided_at", String(32), nullable=False),
    Column("case_id", Integer),
)

referral_exports = Table(
    "ws_referral_exports",
    metadata,
    Column("export_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("ws_cases.case_id"), nullable=False),
    Column("user", String(80), nullable=False),
    Column("at", String(32), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("format", String(10), nullable=False),  # pdf | json
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    UniqueConstraint("export_id", "sha256", name="uq_referral_hash"),
)

WORKSPACE_TABLES = [
    users,
    login_attempts,
    sessions,
    audit_log,
    cases,
    case_items,
    case_notes,
    case_history,
    lead_reviews,
    case_outcomes,
    referral_exports,
]

_SQLITE_AUDIT_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]

_PG_AUDIT_GUARDS = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]

# External-content FTS5 index over the ads' text. New ads are indexed by `safeharbor analyze`
# (search.update_index), not by an insert trigger: indexing is derived work like extraction, and
# keeping it out of the ingest transaction keeps ingest fast. Deletes (rare) are kept in step here.
_SQLITE_FTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS ads_fts USING fts5(
         title, body, location, content='ads', content_rowid='ad_key',
         tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TABLE IF NOT EXISTS ws_search_state (
         id INTEGER PRIMARY KEY CHECK (id = 1), last_ad_key INTEGER NOT NULL)""",
    "INSERT OR IGNORE INTO ws_search_state (id, last_ad_key) VALUES (1, 0)",
    """CREATE TRIGGER IF NOT EXISTS ads_fts_delete AFTER DELETE ON ads BEGIN
         INSERT INTO ads_fts(ads_fts, rowid, title, body, location)
         VALUES ('delete', old.ad_key, old.title, old.body, old.location); END""",
    "INSERT INTO ads_fts(ads_fts) VALUES ('rebuild')",
    "UPDATE ws_search_state SET last_ad_key = (SELECT coalesce(max(ad_key), 0) FROM ads)",
]


def _create_workspace(conn: Connection) -> None:
    for table in WORKSPACE_TABLES:
        table.create(conn, checkfirst=True)
    guards = _SQLITE_AUDIT_GUARDS if conn.dialect.name == "sqlite" else _PG_AUDIT_GUARDS
    for statement in guards:
        conn.execute(text(statement))


def _create_search_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_FTS:
            conn.execute(text(statement))
    else:  # PostgreSQL: an expression index for to_tsvector search
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_ads_fts ON ads USING gin "
                "(to_tsvector('simple', coalesce(title,'') || ' ' || body || ' ' || coalesce(location,'')))"
            )
        )


def _guard_search_delete(conn: Connection) -> None:
    # An FTS5 'delete' of a row that was never indexed corrupts the index ("database disk image is
    # malformed"), and an ad can be deleted before analyze indexed it (set aside as unreadable, purged).
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text("DROP TRIGGER IF EXISTS ads_fts_delete"))
    conn.execute(
        text(
            """CREATE TRIGGER ads_fts_delete AFTER DELETE ON ads
         WHEN old.ad_key <= (SELECT last_ad_key FROM ws_search_state WHERE id = 1) BEGIN
         INSERT INTO ads_fts(ads_fts, rowid, title, body, location)
         VALUES ('delete', old.ad_key, old.title, old.body, old.location); END"""
        )
    )


MIGRATIONS = [
    Migration(
        "workspace_0001", "users, sessions, audit log, cases, reviews, outcomes, referrals", _create_workspace
    ),
    Migration("workspace_0002", "full-text search index over ads", _create_search_index),
    Migration("workspace_search_0002", "search index: deleting an ad not yet indexed", _guard_search_delete),
]
