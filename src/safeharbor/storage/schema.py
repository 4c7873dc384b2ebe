"""Core tables: raw ads (immutable), their image hashes, ingest runs, quarantine, extractions.

Raw ads are never updated; everything else here and in later stages is derived from them and can be
rebuilt (`safeharbor analyze --rebuild`). Times are stored as ISO 8601 UTC strings
('2026-05-01T14:03:00Z') so they sort and compare the same on every engine.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Float,
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

from safeharbor.storage.migrations import Migration

metadata = MetaData()

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("file", Text, nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    # running | done | failed | interrupted (killed: found "running" with its process gone)
    Column("status", String(20), nullable=False, default="running"),
    Column("lines_read", Integer, nullable=False, default=0),
    Column("ads_added", Integer, nullable=False, default=0),
    Column("new_versions", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("image_problems", Integer, nullable=False, default=0),
    Column("pid", Integer),  # the process running it, so a killed run can be told from a live one
    Column("host", String(255)),
)

ads = Table(
    "ads",
    metadata,
    Column("ad_key", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("ad_id", String(300), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("content_hash", String(64), nullable=False),
    Column("posted_at", String(32), nullable=False),
    Column("url", Text),
    Column("location", Text),
    Column("title", Text),
    Column("body", Text, nullable=False),
    Column("extra", JSON, nullable=False, default=dict),
    Column("images", JSON, nullable=False, default=list),
    Column("ingested_at", String(32), nullable=False),
    Column("run_id", Integer, ForeignKey("ingest_runs.run_id")),
    UniqueConstraint("source", "ad_id", "content_hash", name="uq_ads_content"),
    UniqueConstraint("source", "ad_id", "version", name="uq_ads_version"),
)
Index("ix_ads_posted_at", ads.c.posted_at)
# (source, ad_id) look-ups use the unique constraints' indexes.

ad_images = Table(
    "ad_images",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("ref", Text, nullable=False),
    Column("phash", String(16)),  # 64-bit perceptual hash, hex; pixels are never stored
    Column("status", String(16), nullable=False),  # ok | missing | unreadable
    Column("reason", Text),
)
Index("ix_ad_images_phash", ad_images.c.phash)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.run_id")),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),  # the line as read, truncated
    Column("line_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("file", "line", "line_hash", name="uq_quarantine_line"),
)

extractions = Table(
    "extractions",
    metadata,
    Column("extraction_id", Integer, primary_key=True, autoincrement=True),
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("field", String(20), nullable=False),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("extractor", String(60), nullable=False),
    Column("version", String(20), nullable=False),
    Column("confidence", Float, nullable=False, default=1.0),
    Column("attrs", JSON, nullable=False, default=dict),
)
Index("ix_extractions_ad", extractions.c.ad_key)
Index("ix_extractions_kind_value", extractions.c.kind, extractions.c.value)

# Which ads have been through extraction, and with which version of the extractors.
extract_state = Table(
    "extract_state",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("extract_version", String(40), nullable=False),
    Column("extracted_at", String(32), nullable=False),
)

# Where each ad places the advertised person (one row per ad; derived from extractions).
ad_places = Table(
    "ad_places",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("city", String(120)),
    Column("state", String(2)),
    Column("lat", Float),
    Column("lon", Float),
    Column("method", String(30)),  # location_field | text | area_code
)
Index("ix_ad_places_city", ad_places.c.state, ad_places.c.city)


def _create_core(conn: Connection) -> None:
    metadata.create_all(conn)


def _add_run_owner(conn: Connection) -> None:
    # core_0001 creates ingest_runs from the current definition, so the columns may already be there.
    have = {c["name"] for c in inspect(conn).get_columns("ingest_runs")}
    if "pid" not in have:
        conn.execute(text("ALTER TABLE ingest_runs ADD COLUMN pid INTEGER"))
    if "host" not in have:
        conn.execute(text("ALTER TABLE ingest_runs ADD COLUMN host VARCHAR(255)"))


MIGRATIONS = [
    Migration("core_0001", "ads, images, ingest runs, quarantine, extractions", _create_core),
    Migration("core_0002", "ingest runs: the process and host running each", _add_run_owner),
]
