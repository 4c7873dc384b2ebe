"""Tables of watched identifiers and the alerts they raise (workspace analyst work, never rebuilt).

A watch belongs to one analyst: a phone, email, handle, image hash or network they want to hear
about. The `alerts` step of `safeharbor analyze` matches ads that are new since its last run against
every watch and writes one alert per (watch, ad); `ws_alert_state` keeps how far it has read.
"""

from __future__ import annotations

from sqlalchemy import (
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
    func,
    select,
)

from safeharbor.storage.migrations import Migration
from safeharbor.storage.schema import ads

metadata = MetaData()

WATCH_KINDS = ("phone", "email", "handle", "image", "network")

watches = Table(
    "ws_watches",
    metadata,
    Column("watch_id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(80), nullable=False),  # the analyst the alerts go to
    Column("kind", String(20), nullable=False),  # phone | email | handle | image | network
    Column("value", String(200), nullable=False),  # normalised: E.164, lower-case email/@handle/hash, N-id
    Column("note", Text),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("owner", "kind", "value", name="ux_ws_watches_owner_value"),
)
Index("ix_ws_watches_value", watches.c.kind, watches.c.value)

alerts = Table(
    "ws_alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("watch_id", Integer, ForeignKey("ws_watches.watch_id", ondelete="CASCADE"), nullable=False),
    Column("owner", String(80), nullable=False),  # copied from the watch: the badge counts by owner
    Column("ad_key", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("read_at", String(32)),
    UniqueConstraint("watch_id", "ad_key", name="ux_ws_alerts_watch_ad"),
)
# The nav badge counts one analyst's unread alerts on every page: this index answers it alone.
Index("ix_ws_alerts_owner_unread", alerts.c.owner, alerts.c.read_at)

# One row (id = 1): the highest ad_key the alerts step has matched against the watches.
alert_state = Table(
    "ws_alert_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_ad_key", Integer, nullable=False),
)


def _create(conn: Connection) -> None:
    metadata.create_all(conn)
    # Ads already in the store are not "new": alerts start with the next ads loaded.
    last = conn.execute(select(func.max(ads.c.ad_key))).scalar() or 0
    conn.execute(alert_state.insert().values(id=1, last_ad_key=int(last)))


MIGRATIONS = [Migration("workspace_0004_watches", "watched identifiers and their alerts", _create)]
