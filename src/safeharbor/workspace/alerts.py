"""Alerts: new ads that carry something an analyst watches (`safeharbor.workspace.watches`).

The `alerts` step of `safeharbor analyze` runs after scoring: load the ads added since its last run
(their identifiers that equal a watched value), compute the matches (a pure function: new ads ×
watches -> alerts), write one alert per (watch, ad) and move its mark forward. Reading alerts (the
workspace badge and list, `safeharbor alerts`) and marking them read are here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from safeharbor.link.queries import networks_for_ads
from safeharbor.link.tables import link_ad_network
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store
from safeharbor.storage.reads import ad_summaries
from safeharbor.storage.schema import ad_images, ads, extractions
from safeharbor.storage.times import now_iso
from safeharbor.workspace.watch_tables import alert_state, alerts, watches

Identifier = tuple[str, str]  # (kind, stored value), as in ws_watches


@dataclass(frozen=True, slots=True)
class WatchKey:
    watch_id: int
    owner: str
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class AlertMatch:
    watch_id: int
    owner: str
    ad_key: int


@dataclass
class AlertSummary:
    ads_checked: int = 0
    watches: int = 0
    new_alerts: int = 0

    def lines(self) -> list[str]:
        if not self.watches:
            return []
        return [
            f"Alerts: {self.new_alerts:,} new on {self.watches:,} watched identifiers "
            f"({self.ads_checked:,} new ads checked; see `safeharbor alerts`)"
        ]


@dataclass(frozen=True, slots=True)
class AlertView:
    alert_id: int
    created_at: str
    read_at: str | None
    owner: str
    watch_id: int
    kind: str
    value: str
    note: str | None
    ad_key: int
    ad_label: str
    source: str | None
    ad_id: str | None
    posted_at: str | None
    city: str | None
    state: str | None
    network_id: str | None


def match_alerts(
    identifiers: Mapping[int, Iterable[Identifier]], watch_list: Sequence[WatchKey]
) -> list[AlertMatch]:
    """Every (watch, ad) where the ad carries the watched value; one per pair, in ad then watch order."""
    by_value: dict[Identifier, list[WatchKey]] = defaultdict(list)
    for w in watch_list:
        by_value[(w.kind, w.value)].append(w)
    out: dict[tuple[int, int], AlertMatch] = {}
    for ad_key in sorted(identifiers):
        for pair in sorted(set(identifiers[ad_key])):
            for w in by_value.get(pair, ()):
                out.setdefault((w.watch_id, ad_key), AlertMatch(w.watch_id, w.owner, ad_key))
    return sorted(out.values(), key=lambda m: (m.ad_key, m.watch_id))


def _handle(value: str) -> str:
    return "@" + value.lstrip("@").lower()


def load_identifiers(
    conn: Connection, low: int, high: int, watch_list: Sequence[WatchKey]
) -> dict[int, set[Identifier]]:
    """The watched identifiers each ad in (low, high] carries (ads carrying none are absent)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for w in watch_list:
        wanted[w.kind].add(w.value)
    found: dict[int, set[Identifier]] = defaultdict(set)
    in_range = (extractions.c.ad_key > low, extractions.c.ad_key <= high)
    for kind in ("phone", "email", "handle"):
        values = sorted(wanted.get(kind, ()))
        if kind == "handle":  # extracted handles keep their case (and maybe no "@")
            values = sorted({v for h in values for v in (h, h.lstrip("@"))})
        for chunk in chunks(values):
            column = extractions.c.value if kind == "phone" else func.lower(extractions.c.value)
            rows = conn.execute(
                select(extractions.c.ad_key, extractions.c.value).where(
                    extractions.c.kind == kind, column.in_(chunk), *in_range
                )
            )
            for ad_key, value in rows:
                stored = value if kind == "phone" else _handle(value) if kind == "handle" else value.lower()
                found[int(ad_key)].add((kind, stored))
    for chunk in chunks(sorted(wanted.get("image", ()))):
        rows = conn.execute(
            select(ad_images.c.ad_key, ad_images.c.phash).where(
                func.lower(ad_images.c.phash).in_(chunk), ad_images.c.ad_key > low, ad_images.c.ad_key <= high
            )
        )
        for ad_key, phash in rows:
            found[int(ad_key)].add(("image", str(phash).lower()))
    for chunk in chunks(sorted(wanted.get("network", ()))):
        rows = conn.execute(
            select(link_ad_network.c.ad_key, link_ad_network.c.network_id).where(
                link_ad_network.c.network_id.in_(chunk),
                link_ad_network.c.ad_key > low,
                link_ad_network.c.ad_key <= high,
            )
        )
        for ad_key, network_id in rows:
            found[int(ad_key)].add(("network", str(network_id)))
    return dict(found)


def _all_watches(conn: Connection) -> list[WatchKey]:
    rows = conn.execute(select(watches.c.watch_id, watches.c.owner, watches.c.kind, watches.c.value))
    return [WatchKey(int(r.watch_id), r.owner, r.kind, r.value) for r in rows]


def update_alerts(store: Store) -> AlertSummary:
    """Match the ads added since the last run against every watch and write the new alerts."""
    with store.begin() as conn:
        low = conn.execute(select(alert_state.c.last_ad_key).where(alert_state.c.id == 1)).scalar()
        if low is None:
            conn.execute(alert_state.insert().values(id=1, last_ad_key=0))
            low = 0
        high = int(conn.execute(select(func.max(ads.c.ad_key))).scalar() or 0)
        if high <= low:
            return AlertSummary(
                watches=int(conn.execute(select(func.count()).select_from(watches)).scalar_one())
            )
        # Claim (low, high] first: a run racing this one finds the mark moved and matches nothing twice.
        claimed = conn.execute(
            update(alert_state)
            .where(alert_state.c.id == 1, alert_state.c.last_ad_key == low)
            .values(last_ad_key=high)
        )
        if claimed.rowcount != 1:
            return AlertSummary()
        watch_list = _all_watches(conn)
        summary = AlertSummary(ads_checked=high - low, watches=len(watch_list))
        if not watch_list:
            return summary
        matches = match_alerts(load_identifiers(conn, low, high, watch_list), watch_list)
        stamp = now_iso()
        for chunk in chunks(matches):
            conn.execute(
                alerts.insert(),
                [
                    {"watch_id": m.watch_id, "owner": m.owner, "ad_key": m.ad_key, "created_at": stamp}
                    for m in chunk
                ],
            )
        summary.new_alerts = len(matches)
        return summary


def unread_count(conn: Connection, owner: str) -> int:
    """The nav badge: one indexed count."""
    query = (
        select(func.count()).select_from(alerts).where(alerts.c.owner == owner, alerts.c.read_at.is_(None))
    )
    return int(conn.execute(query).scalar_one())


def count_alerts(conn: Connection, owner: str | None, *, unread_only: bool = False) -> int:
    query = select(func.count()).select_from(alerts)
    if owner is not None:
        query = query.where(alerts.c.owner == owner)
    if unread_only:
        query = query.where(alerts.c.read_at.is_(None))
    return int(conn.execute(query).scalar_one())


def list_alerts(
    conn: Connection, owner: str | None, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[AlertView]:
    """Alerts newest first (one analyst's, or everyone's with `owner=None`), with their ads."""
    query = select(alerts, watches.c.kind, watches.c.value, watches.c.note).join(
        watches, watches.c.watch_id == alerts.c.watch_id
    )
    if owner is not None:
        query = query.where(alerts.c.owner == owner)
    if unread_only:
        query = query.where(alerts.c.read_at.is_(None))
    rows = conn.execute(query.order_by(alerts.c.alert_id.desc()).limit(limit).offset(offset)).all()
    keys = [int(r.ad_key) for r in rows]
    info = ad_summaries(conn, keys)
    nets = networks_for_ads(conn, keys)
    out: list[AlertView] = []
    for r in rows:
        ad = info.get(int(r.ad_key))
        out.append(
            AlertView(
                alert_id=int(r.alert_id),
                created_at=r.created_at,
                read_at=r.read_at,
                owner=r.owner,
                watch_id=int(r.watch_id),
                kind=r.kind,
                value=r.value,
                note=r.note,
                ad_key=int(r.ad_key),
                ad_label=ad.label if ad else f"ad {r.ad_key} (no longer stored)",
                source=ad.source if ad else None,
                ad_id=ad.ad_id if ad else None,
                posted_at=ad.posted_at if ad else None,
                city=ad.city if ad else None,
                state=ad.state if ad else None,
                network_id=nets.get(int(r.ad_key)),
            )
        )
    return out


def mark_read(conn: Connection, owner: str, alert_ids: Sequence[int] | None = None) -> int:
    """Mark one analyst's alerts read (these ids, or all of them); returns how many changed."""
    query = update(alerts).where(alerts.c.owner == owner, alerts.c.read_at.is_(None))
    if alert_ids is not None:
        if not alert_ids:
            return 0
        query = query.where(alerts.c.alert_id.in_(list(alert_ids)))
    return int(conn.execute(query.values(read_at=now_iso())).rowcount or 0)
