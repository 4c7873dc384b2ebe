"""Tables of the link stage: per-ad linking features, evidence, cuts, and the networks themselves.

Everything here is derived from the raw ads and their extractions and can be rebuilt
(`safeharbor analyze --rebuild`). Per-ad features (`link_features`, `link_idents`) are computed once
per ad (and again when its extraction changes); the graph-wide tables (`link_text_edges`,
`link_image_pairs`, `link_cuts`, `link_ad_network`, `link_networks`) are kept up to date by each run,
and `link_network_summary` holds each network's precomputed record (rewritten only for networks that
changed).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

from safeharbor.storage.migrations import Migration

metadata = MetaData()

# One row per ad version that has been through the link stage's feature step.
link_features = Table(
    "link_features",
    metadata,
    Column("ad_key", Integer, primary_key=True),  # ads.ad_key (plain column: derived, rebuilt freely)
    Column("posting", Text, nullable=False),  # "source\x1fad_id": versions of one posting always link
    Column("posted_at", String(32), nullable=False),
    Column("city", String(120)),
    Column("state", String(2)),
    Column("lat", Float),
    Column("lon", Float),
    Column("extract_version", String(40), nullable=False),
    Column("shingles", LargeBinary, nullable=False),  # sorted unique uint32 hashes of masked-text shingles
    Column("names", Text, nullable=False, default=""),  # working names, "\x1f"-joined (soft evidence only)
)
Index("ix_link_features_posting", link_features.c.posting)

# Identifiers an ad carries: phone (E.164), email, handle ('@x' lower case), image (pHash hex).
link_idents = Table(
    "link_idents",
    metadata,
    Column("ad_key", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("value", String(200), nullable=False),
)
Index("ix_link_idents_ad", link_idents.c.ad_key)
Index("ix_link_idents_value", link_idents.c.kind, link_idents.c.value)

# Near-duplicate text edges accepted by the last run (ad_a < ad_b).
link_text_edges = Table(
    "link_text_edges",
    metadata,
    Column("ad_a", Integer, nullable=False),
    Column("ad_b", Integer, nullable=False),
    Column("similarity", Float, nullable=False),  # rarity-weighted Jaccard of masked shingles
    Column("shared", Integer, nullable=False),  # number of shared (non-generic) shingles
)
Index("ix_link_text_edges_a", link_text_edges.c.ad_a)
Index("ix_link_text_edges_b", link_text_edges.c.ad_b)

# Pairs of distinct perceptual hashes within the matching Hamming distance (hash_a < hash_b), and
# the image group (representative hash) each hash belongs to.
link_image_pairs = Table(
    "link_image_pairs",
    metadata,
    Column("hash_a", String(16), nullable=False),
    Column("hash_b", String(16), nullable=False),
    Column("distance", Integer, nullable=False),
)
Index("ix_link_image_pairs_a", link_image_pairs.c.hash_a)
Index("ix_link_image_pairs_b", link_image_pairs.c.hash_b)

link_image_groups = Table(
    "link_image_groups",
    metadata,
    Column("phash", String(16), primary_key=True),
    Column("group_hash", String(16), nullable=False),
)
Index("ix_link_image_groups_group", link_image_groups.c.group_hash)

# Identifiers that giant-component control cut, with the figures behind the decision.
link_cuts = Table(
    "link_cuts",
    metadata,
    Column("kind", String(10), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("ads", Integer, nullable=False),
    Column("postings", Integer, nullable=False),
    Column("groups", Integer, nullable=False),  # separate groups of ads it would have joined
    Column("cities", Integer, nullable=False),
    Column("first_seen", String(32)),
    Column("last_seen", String(32)),
    Column("reason", Text, nullable=False),
)

link_ad_network = Table(
    "link_ad_network",
    metadata,
    Column("ad_key", Integer, primary_key=True),
    Column("network_id", String(20), nullable=False),
)
Index("ix_link_ad_network_network", link_ad_network.c.network_id)

link_networks = Table(
    "link_networks",
    metadata,
    Column("network_id", String(20), primary_key=True),
    Column("ads", Integer, nullable=False),  # ad versions
    Column("postings", Integer, nullable=False),  # distinct (source, id)
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)
Index("ix_link_networks_size", link_networks.c.postings)

# Precomputed network records (link_0002): what `network_record` / `list_networks` show, written by
# `update_networks` for the networks that changed, so the analyst pages read one row per network
# instead of re-deriving names, contacts and movement from every ad's extractions on each request.
link_network_summary = Table(
    "link_network_summary",
    metadata,
    Column("network_id", String(20), primary_key=True),
    Column("postings", Integer, nullable=False),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    Column("names", Text, nullable=False),  # JSON list
    Column("phones", Text, nullable=False),  # JSON list
    Column("emails", Text, nullable=False),  # JSON list
    Column("handles", Text, nullable=False),  # JSON list
    Column("image_hashes", Text, nullable=False),  # JSON list
    Column("stays", Text, nullable=False),  # JSON [[city, state, lat, lon, first, last, ads], ...]
    Column("distance_km", Float, nullable=False),
    Column("circuits", Text, nullable=False),  # JSON [[[city, ...], loops], ...]
    Column("shared_identifiers", Text, nullable=False),  # JSON list
    # link_0004: how strongly the network holds (its weakest link, 0-1) and what that link is.
    Column("confidence", Float),
    Column("weakest", Text),
)

# Template links accepted by the last run (link_0004): two groups joined by their operator's
# wording; ad_a < ad_b is the pair shown as evidence (the most similar co-located pair).
link_template_edges = Table(
    "link_template_edges",
    metadata,
    Column("ad_a", Integer, nullable=False),
    Column("ad_b", Integer, nullable=False),
    Column("score", Float, nullable=False),  # weighted overlap of the two groups' templates
    Column("shared", Integer, nullable=False),  # template shingles in common
    Column("cities", Integer, nullable=False),  # cities where both were within days of each other
)
Index("ix_link_template_edges_a", link_template_edges.c.ad_a)
Index("ix_link_template_edges_b", link_template_edges.c.ad_b)

# LSH band keys of each ad's text signature (link_0003): an incremental run reuses them for every ad
# whose distinctive wording did not change, so it needs no MinHash of the whole corpus. NULL: the ad
# has too little distinctive wording to be compared.
link_text_bands = Table(
    "link_text_bands",
    metadata,
    Column("ad_key", Integer, primary_key=True),
    Column("bands", LargeBinary),  # BANDS little-endian uint64
)

link_state = Table(
    "link_state",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)


def _create(conn: Connection) -> None:
    metadata.create_all(conn)


def _add_network_summary(conn: Connection) -> None:
    # checkfirst: on a fresh database link_0001's create_all has already made it.
    link_network_summary.create(conn, checkfirst=True)


def _add_text_bands(conn: Connection) -> None:
    link_text_bands.create(conn, checkfirst=True)


def _add_templates_and_confidence(conn: Connection) -> None:
    link_template_edges.create(conn, checkfirst=True)
    have = {c["name"] for c in inspect(conn).get_columns("link_network_summary")}
    for name, column_type in (("confidence", Float()), ("weakest", Text())):
        if name not in have:  # a store made before link_0004 (fresh ones have them from link_0001)
            type_sql = column_type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE link_network_summary ADD COLUMN {name} {type_sql}"))


MIGRATIONS = [
    Migration("link_0001", "link features, evidence, cuts and networks", _create),
    Migration("link_0002", "precomputed network records for fast reads", _add_network_summary),
    Migration("link_0003", "stored text band keys for incremental linking", _add_text_bands),
    Migration("link_0004", "template links and per-network confidence", _add_templates_and_confidence),
]
