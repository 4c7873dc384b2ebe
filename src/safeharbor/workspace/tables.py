"""Workspace tables: accounts, sessions, the append-only audit log, cases, reviews, referrals, search index.

Everything here is either analyst work (cases, notes, reviews — not derivable from ads, so never
dropped by a rebuild) or security state (users, sessions, audit). The full-text index over ads is
derived, and the backend's (`storage.backends`: an FTS5 table on SQLite, rebuildable with
`safeharbor.workspace.search.rebuild_index`; a tsvector expression index on PostgreSQL).
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
    inspect,
    text,
)

from safeharbor.storage.backends import backend_of
from safeharbor.storage.migrations import Migration
from safeharbor.storage.schema import ads as core_ads
from safeharbor.workspace.chain import CHAINED_FIELDS, GENESIS, row_digest
from safeharbor.workspace.passwords import PolicyError, normalise_username

metadata = MetaData()

ROLES = ("admin", "analyst", "reviewer")

users = Table(
    "ws_users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", String(20), nullable=False),  # admin | analyst | reviewer
    Column("totp_secret", Text),  # base32, sealed with the data key when one is set (storage.sealing)
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

# Sign-in throttles (workspace.throttle): one counter per address-window and one for the whole site.
# `bucket` is an HMAC of the address under a key outside the database (or "site"), never the address.
login_throttle = Table(
    "ws_login_throttle",
    metadata,
    Column("bucket", String(64), primary_key=True),
    Column("window_no", Integer, nullable=False),  # seconds since the epoch // the window's length
    Column("attempts", Integer, nullable=False),
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
    # The hash chain (workspace_0003): seq numbers rows in append order; row_hash covers the row's
    # content and prev_hash (the row_hash of seq - 1), so any edit, delete, insert or reorder shows.
    Column("seq", Integer),
    Column("prev_hash", String(64)),
    Column("row_hash", String(64)),
)
Index("ix_audit_at", audit_log.c.at)

# The chain's head (one row, id = 1): the last seq and its hash. Appenders lock this row first, so
# on every backend appends are serialised and seq follows commit order.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("row_hash", String(64), nullable=False),
)

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
    Column("status", String(20), nullable=False),  # confirmed | reviewed | dismissed
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


def _create_workspace(conn: Connection) -> None:
    for table in WORKSPACE_TABLES:
        table.create(conn, checkfirst=True)
    # The database itself refuses UPDATE and DELETE on the audit log (the DDL is the backend's).
    backend_of(conn).create_append_only_guard(conn, audit_log.name)


_CHAIN_COLUMNS = {"seq": "INTEGER", "prev_hash": "VARCHAR(64)", "row_hash": "VARCHAR(64)"}


def backfill_chain(conn: Connection) -> tuple[int, str]:
    """Chain the rows that have no seq yet (in audit_id order); returns the new head (seq, hash)."""
    last = conn.execute(
        text("SELECT seq, row_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
    ).first()
    seq, prev = (int(last.seq), str(last.row_hash)) if last else (0, GENESIS)
    fields = ", ".join(f'"{name}"' for name in CHAINED_FIELDS if name != "seq")
    rows = conn.execute(
        text(f"SELECT audit_id, {fields} FROM audit_log WHERE seq IS NULL ORDER BY audit_id")
    ).all()
    for row in rows:
        seq += 1
        values = {**row._mapping, "seq": seq}
        digest = row_digest(prev, values)
        conn.execute(
            text("UPDATE audit_log SET seq = :seq, prev_hash = :prev, row_hash = :h WHERE audit_id = :id"),
            {"seq": seq, "prev": prev, "h": digest, "id": row.audit_id},
        )
        prev = digest
    return seq, prev


def _normalise_usernames(conn: Connection) -> None:
    """Accounts made before names were normalised: rename `Ana` to `ana` unless that is taken."""
    taken = {str(name) for name in conn.execute(users.select().with_only_columns(users.c.username)).scalars()}
    for name in sorted(taken):
        try:
            canonical = normalise_username(name)
        except PolicyError:
            continue  # left as it is; an admin can see it in `users list`
        if canonical != name and canonical not in taken:
            conn.execute(users.update().where(users.c.username == name).values(username=canonical))
            taken.add(canonical)


def _chain_audit_log(conn: Connection) -> None:
    """Add the hash chain to the audit log and chain the rows already there, in audit_id order."""
    _normalise_usernames(conn)
    present = {c["name"] for c in inspect(conn).get_columns("audit_log")}
    for name, sql_type in _CHAIN_COLUMNS.items():
        if name not in present:
            conn.execute(text(f"ALTER TABLE audit_log ADD COLUMN {name} {sql_type}"))
    audit_head.create(conn, checkfirst=True)
    backend = backend_of(conn)
    # The existing rows get their chain values once, here, with the update guard lifted for this
    # transaction only (the migration runs in one transaction: no other writer sees it lifted).
    backend.suspend_update_guard(conn, audit_log.name)
    head_seq, head_hash = backfill_chain(conn)
    backend.restore_update_guard(conn, audit_log.name)
    conn.execute(audit_head.insert().values(id=1, seq=head_seq, row_hash=head_hash))
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_audit_seq ON audit_log (seq)"))
    backend.create_truncate_guard(conn, audit_log.name)
    backend.create_no_delete_guard(conn, audit_head.name)  # the head moves forward, never away
    backend.widen_to_text(conn, users.name, "totp_secret")  # sealed secrets are longer


def _create_search_index(conn: Connection) -> None:
    # SQLite: an FTS5 table kept up to date by `safeharbor analyze`; PostgreSQL: a tsvector index.
    backend_of(conn).create_text_index(conn)


def _guard_search_delete(conn: Connection) -> None:
    # Deleting an ad analyze has not indexed yet (set aside as unreadable) must not corrupt the index.
    backend_of(conn).guard_text_index_delete(conn)


def _store_search_document(conn: Connection) -> None:
    # PostgreSQL: each ad's searched tsvector stored and indexed, not recomputed per ad read (SQLite: none).
    backend_of(conn).store_text_document(conn)


MIGRATIONS = [
    Migration(
        "workspace_0001", "users, sessions, audit log, cases, reviews, outcomes, referrals", _create_workspace
    ),
    Migration("workspace_0002", "full-text search index over ads", _create_search_index),
    Migration("workspace_search_0002", "search index: deleting an ad not yet indexed", _guard_search_delete),
    Migration(
        "workspace_0003_audit_chain",
        "hash chain over the audit log; TRUNCATE guard; sealed TOTP secrets",
        _chain_audit_log,
    ),
    Migration(
        "workspace_0004_login_throttle",
        "per-address and site-wide sign-in throttles",
        lambda conn: login_throttle.create(conn, checkfirst=True),
    ),
    Migration(
        "workspace_search_0003", "search index: each ad's searched document stored", _store_search_document
    ),
]
