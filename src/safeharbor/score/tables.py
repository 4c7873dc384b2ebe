"""Tables of the scoring stage. Everything here is derived from raw ads and can be rebuilt.

- score_ads: one row per ad version: risk 0..1, the log-odds behind it, the network it was scored with.
- score_flags: the indicators that fired on an ad, one row per (ad, indicator), with the evidence span.
- score_networks: one row per network: risk, flags (JSON), ads, first/last seen.
- score_state: what the stored scores were computed with (catalogue hashes), for incremental re-scoring.
- score_models: weights re-fitted from analysts' reviewed cases (`safeharbor train`), with the fit report.
- score_leads: the lead queue, precomputed by `update_scores`: one row per network and per stand-alone
  posting, with its ranking score, place, dates and top reasons (the queue is one indexed query).
- score_lead_ads: which lead each ad belongs to, with the columns the queue filters on.
- score_lead_facets: per lead, one row per (state, city, source) its ads show, with their first and last
  posting time and count: the queue's place/source/time filters and its total read these (O(leads)), not
  every ad of a state (score_lead_ads; 403 ms p95 at 1.15M ads, docs/scale.md).
- score_phrases: phrases and emoji proposed from reviewed leads (score/phrases.py), and those an analyst
  accepted into the catalogue (as a pattern of a named indicator); accepted ones are used by every
  scoring run (score/phrase_store.py). Not derived: kept by `analyze --rebuild`.
- score_prevalence: the phrases each ad's text indicators matched, for their prevalence among the
  corpus's persons (score/prevalence.py). Derived: rebuilt by `analyze --rebuild`.
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
    func,
    insert,
    inspect,
    select,
    text,
)

from safeharbor.storage.migrations import Migration
from safeharbor.storage.schema import ads as _core_ads

PERSON_SEP = "\x1f"  # joins the person labels an ad advertises in score_ads.persons

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
    # Persons of its network this ad advertises (labels joined by \x1f; score_0002), for network ranking.
    Column("persons", Text),
    # The person model's log-odds for the strongest person this ad advertises, and what it rests on
    # (score/person_model.py; score_0003): leads rank by these.
    Column("person_logit", Float),
    Column("person_evidence", JSON),
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


score_leads = Table(
    "score_leads",
    metadata,
    Column("lead_id", String(100), primary_key=True),  # "network:<id>" or "ad:<ad_key>"
    Column("kind", String(10), nullable=False),  # network | ad
    Column("ref", String(80), nullable=False),  # the network id, or the ad_key of a stand-alone ad
    Column("rank", Float, nullable=False),  # ranking score 0..1 (see leads.py); the queue's order
    Column("risk", Float, nullable=False),  # ad risk, or the network's (max of its ads, docs/formats.md)
    Column("top_ad_key", Integer),
    Column("n_ads", Integer, nullable=False),
    Column("first_seen", String(32)),
    Column("last_seen", String(32)),
    Column("city", String(120)),
    Column("state", String(2)),
    Column("title", Text),
    Column("source", String(80)),
    Column("reasons", JSON, nullable=False, default=list),  # top flags, strongest first
    Column("summary", JSON, nullable=False, default=dict),  # what the ranking score was built from
)
Index("ix_score_leads_rank", score_leads.c.rank.desc(), score_leads.c.kind, score_leads.c.ref)

score_lead_ads = Table(
    "score_lead_ads",
    metadata,
    Column("ad_key", Integer, primary_key=True),
    Column("lead_id", String(100), nullable=False),
    Column("posted_at", String(32)),
    Column("source", String(80)),
    Column("city_key", String(120)),  # lower-cased city, for case-insensitive filtering
    Column("state", String(2)),
)
# (lead_id, posted_at): a lead's ads, and those in a time window (the facets' check of a two-sided one).
Index("ix_score_lead_ads_lead_posted", score_lead_ads.c.lead_id, score_lead_ads.c.posted_at)
Index("ix_score_lead_ads_state", score_lead_ads.c.state, score_lead_ads.c.posted_at)
Index("ix_score_lead_ads_city", score_lead_ads.c.city_key)
Index("ix_score_lead_ads_posted", score_lead_ads.c.posted_at)
Index("ix_score_lead_ads_source", score_lead_ads.c.source)

score_lead_facets = Table(
    "score_lead_facets",
    metadata,
    Column("lead_id", String(100), nullable=False),
    Column("state", String(2)),  # as score_lead_ads: upper-cased state, lower-cased city key
    Column("city_key", String(120)),
    Column("source", String(80)),
    Column("first_posted", String(32)),
    Column("last_posted", String(32)),
    Column("n_ads", Integer, nullable=False),
)
Index("ix_score_lead_facets_lead", score_lead_facets.c.lead_id)
Index("ix_score_lead_facets_state", score_lead_facets.c.state, score_lead_facets.c.last_posted)

# The phrases each ad's text indicators matched (normalised: score/prevalence.py), so that a phrase's
# prevalence across the corpus's posters is counted from what is stored, whatever order ads came in.
score_prevalence = Table(
    "score_prevalence",
    metadata,
    Column("ad_key", Integer, ForeignKey("ads.ad_key", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(60), primary_key=True),
    Column("phrase", String(200), primary_key=True),
)


score_phrases = Table(
    "score_phrases",
    metadata,
    Column("phrase_id", Integer, primary_key=True, autoincrement=True),
    Column("phrase", String(200), nullable=False, unique=True),  # normalised: lower case, single spaces
    Column("kind", String(10), nullable=False),  # phrase | emoji
    Column("status", String(12), nullable=False),  # proposed | accepted
    Column("confirmed", Integer, nullable=False),  # confirmed leads showing it (when last proposed)
    Column("dismissed", Integer, nullable=False),  # dismissed leads showing it
    Column("score", Float, nullable=False),  # smoothed log-odds, confirmed vs dismissed
    Column("indicator", String(60)),  # accepted into this indicator (an existing id, or a new one)
    Column("proposed_at", String(32), nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", String(32)),
)


def _create(conn: Connection) -> None:
    metadata.create_all(conn, tables=[score_ads, score_flags, score_networks, score_state, score_models])


def _create_leads(conn: Connection) -> None:
    # score_0001 creates score_ads from the current definition, so the column may already be there.
    if "persons" not in {c["name"] for c in inspect(conn).get_columns("score_ads")}:
        conn.execute(text("ALTER TABLE score_ads ADD COLUMN persons TEXT"))
    metadata.create_all(conn, tables=[score_leads, score_lead_ads])


def _add_person_columns(conn: Connection) -> None:
    have = {c["name"] for c in inspect(conn).get_columns("score_ads")}
    if "person_logit" not in have:
        conn.execute(text("ALTER TABLE score_ads ADD COLUMN person_logit FLOAT"))
    if "person_evidence" not in have:
        conn.execute(text("ALTER TABLE score_ads ADD COLUMN person_evidence JSON"))


def _create_lead_facets(conn: Connection) -> None:
    """The per-lead facets, filled from the stored lead members; a lead's ads by (lead, time)."""
    metadata.create_all(conn, tables=[score_lead_facets])
    conn.execute(text("DROP INDEX IF EXISTS ix_score_lead_ads_lead"))
    for index in score_lead_ads.indexes:
        index.create(conn, checkfirst=True)
    m = score_lead_ads.c
    grouped = select(
        m.lead_id, m.state, m.city_key, m.source, func.min(m.posted_at), func.max(m.posted_at), func.count()
    ).group_by(m.lead_id, m.state, m.city_key, m.source)
    conn.execute(insert(score_lead_facets).from_select(FACET_COLUMNS, grouped))


FACET_COLUMNS = ("lead_id", "state", "city_key", "source", "first_posted", "last_posted", "n_ads")


def _create_prevalence(conn: Connection) -> None:
    metadata.create_all(conn, tables=[score_prevalence])


MIGRATIONS = [
    Migration("score_0001", "risk scores, flags, network scores, state, fitted models", _create),
    Migration("score_0002", "precomputed lead queue (leads and the ads they hold)", _create_leads),
    Migration(
        "score_0003", "person model: each ad's strongest person's log-odds and evidence", _add_person_columns
    ),
    Migration(
        "score_phrases_0001",
        "phrases proposed from reviews and accepted into the catalogue",
        lambda conn: metadata.create_all(conn, tables=[score_phrases]),
    ),
    Migration(
        "score_prevalence_0001",
        "the phrases each ad's text indicators matched (their prevalence in the corpus)",
        _create_prevalence,
    ),
    Migration(
        "score_0004",
        "per-lead facets (states, cities, sources, posting range) for the queue's filters and total",
        _create_lead_facets,
    ),
]
