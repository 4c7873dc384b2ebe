"""Tables for public tips: the tip itself, its identifiers (for matching), and used form tokens.

A tip holds only what the reporter chose to type. No IP address, user agent or other fingerprint
is ever a column here; rate limiting lives in memory only (see `ratelimit.py`). Tips are not
derived data: they are the one thing the public side writes, and `analyze --rebuild` never drops them.
Matches to ads and networks are computed when a tip is read, so they follow re-linking.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)

from safeharbor.storage.backends import backend_of
from safeharbor.storage.migrations import Migration
from safeharbor.storage.sealing import SecretBox, is_sealed

metadata = MetaData()

tips = Table(
    "tips",
    metadata,
    Column("tip_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "reference", String(16), nullable=False, unique=True
    ),  # what the reporter is told, e.g. T-7K3M-Q9XD
    Column("created_at", String(32), nullable=False),  # ISO 8601 UTC, to the minute
    Column("variant", String(10), nullable=False),  # public | hotel
    Column(
        "role", String(20), nullable=False
    ),  # public | front_desk | housekeeping | security | food_service | other
    Column("signs", JSON, nullable=False, default=list),  # ids of the signs the reporter ticked
    Column("what_seen", Text, nullable=False),
    Column("apparent_age", String(12)),  # under_12 | 12_14 | 15_17 | unsure | NULL
    Column("city", String(120)),
    Column("state", String(2)),
    Column("place", String(300)),  # hotel or business name / address as typed
    Column("seen_on", Date, nullable=False),  # the reporter's local date
    Column("seen_time", String(5)),  # HH:MM local, optional
    Column("online", Text),  # an ad link, username or email the reporter saw (never fetched)
    Column("room", String(20)),
    Column("vehicle", String(200)),
    # Optional, for follow-up; nothing else identifies the reporter. Sealed with the data key when one
    # is configured (storage.sealing; tips_0003 widens it for the sealed form and seals existing ones).
    Column("contact", Text),
    # Where analysts are with it: new -> triaged -> in_case -> closed (tips_status migration adds these).
    Column("status", String(12), nullable=False, server_default="new"),
    Column("status_by", String(120)),
    Column("status_at", String(32)),
)
Index("ix_tips_created", tips.c.created_at)
Index("ix_tips_place", tips.c.state, tips.c.city)

# One row per identifier in a tip, so ads and networks can find the tips that mention them.
tip_identifiers = Table(
    "tip_identifiers",
    metadata,
    Column("tip_id", Integer, ForeignKey("tips.tip_id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(10), primary_key=True),  # phone (E.164) | email | handle
    Column("value", String(320), primary_key=True),
)
Index("ix_tip_identifiers_value", tip_identifiers.c.kind, tip_identifiers.c.value)

# Each tip form carries a signed one-time token; its nonce is recorded with the tip it created,
# in the same transaction, so a double submit finds the first tip instead of making a second.
tip_form_tokens = Table(
    "tip_form_tokens",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("tip_id", Integer, ForeignKey("tips.tip_id", ondelete="CASCADE"), nullable=False),
    Column("used_at", String(32), nullable=False),
)


# Every change of a tip's status: who moved it, when, from what to what (the audit log has it too).
tip_history = Table(
    "tip_history",
    metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("tip_id", Integer, ForeignKey("tips.tip_id", ondelete="CASCADE"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("user", String(120), nullable=False),
    Column("status", String(12), nullable=False),
    Column("previous", String(12)),
    Column("note", String(500)),
)
Index("ix_tip_history_tip", tip_history.c.tip_id)


def _create_tips(conn: Connection) -> None:
    metadata.create_all(conn)


def _add_status(conn: Connection) -> None:
    # tips_0001 creates `tips` from the current definition, so the columns may already be there.
    have = {c["name"] for c in inspect(conn).get_columns("tips")}
    for name, sql_type in (
        ("status", "VARCHAR(12) NOT NULL DEFAULT 'new'"),
        ("status_by", "VARCHAR(120)"),
        ("status_at", "VARCHAR(32)"),
    ):
        if name not in have:
            conn.execute(text(f"ALTER TABLE tips ADD COLUMN {name} {sql_type}"))
    tip_history.create(conn, checkfirst=True)


def _seal_contacts(conn: Connection) -> None:
    backend_of(conn).widen_to_text(conn, tips.name, "contact")
    box = SecretBox.from_settings()
    if not box.sealing:
        return  # nothing to seal with yet: `safeharbor keys seal` does it once a key is set
    rows = conn.execute(select(tips.c.tip_id, tips.c.contact).where(tips.c.contact.is_not(None))).all()
    for tip_id, stored in rows:
        if not is_sealed(stored):
            conn.execute(tips.update().where(tips.c.tip_id == tip_id).values(contact=box.seal(stored)))


MIGRATIONS = [
    Migration("tips_0001", "public tips, their identifiers, used form tokens", _create_tips),
    Migration("tips_status", "tip status (new, triaged, in a case, closed) and its history", _add_status),
    Migration("tips_0003_sealed_contact", "the reporter's contact sealed with the data key", _seal_contacts),
]
