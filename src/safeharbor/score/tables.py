"""Tables of the scoring stage. Everything here is derived from raw ads and can be rebuilt.

- score_ads: one row per ad version: risk 0..1, the log-odds behind it, the network it was scored with.
- score_flags: the indicators that fired on an ad, one row per (ad, indicator), with the evidence span.
- score_networks: one row per network: risk, flags (JSON), ads, first/last seen.
- score_state: what the stored scores were computed with (catalogue hashes), for incremental re-scoring.
- score_models: weights re-fitted from analysts' reviewed cases (`safeharbor train`), with the fit report.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
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
)

from safeharbor.storage.migrations import Migration
from safeharbor.storage.schema import ads as _core_ads

metadata = MetaData()
# Make the core `ads` table known to this metadata so ForeignKey("ads.ad_key") resolves.
_core_ads.to_metadata(metadata)

score_ads = Table(
    "score_ads",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("risk", Float, nullable=False),
    Column("logit", Float, nullable=False),
    Column("network_id", String(80)),
    Column("extract_version", String(40), nullable=False, default=""),
    Column("scored_at", String(32), nullable=False),
)
Index("ix_score_ads_risk", score_ads.c.risk)
Index("ix_score_ads_network", score_ads.c.network_id)

score_flags = Table(
    "score_flags",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(60), primary_key=True),
    Column("level", String(10), nullable=False),  # ad | network
    Column("strength", Float, nullable=False, default=1.0),  # feature value 0..1 (graded signals < 1)
    Column("weight", Float, nullable=False),  # log-odds contribution: model weight * strength
    Column("evidence", Text, nullable=False),
    Column("field", String(20)),
    Column("span_start", Integer),
    Column("span_end", Integer),
    Column("note", Text, nullable=False, default=""),
    Column("also", JSON, nullable=False, default=list),  # further spans: [[field, start, end], ...]
)
Index("ix_score_flags_indicator", score_flags.c.indicator)

score_networks = Table(
    "score_networks",
    metadata,
    Column("network_id", String(80), primary_key=True),
    Column("risk", Float, nullable=False),
    Column("n_ads", Integer, nullable=False),
    Column("top_ad_key", Integer),
    Column("flags", JSON, nullable=False, default=list),
    Column("first_seen", String(32)),
    Column("last_seen", String(32)),
    Column("scored_at", String(32), nullable=False),
)
Index("ix_score_networks_risk", score_networks.c.risk)

score_state = Table(
    "score_state",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", JSON, nullable=False),
)

score_models = Table(
    "score_models",
    metadata,
    Column("model_id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(32), nullable=False),
    Column("catalogue_weights_hash", String(32), nullable=False),
    Column("bias", Float, nullable=False),
    Column("weights", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=False),
)


def _create(conn: Connection) -> None:
    metadata.create_all(conn, tables=[score_ads, score_flags, score_networks, score_state, score_models])


MIGRATIONS = [Migration("score_0001", "risk scores, flags, network scores, state, fitted models", _create)]
