"""Watched identifiers: an analyst asks to hear when a new ad carries a phone, email, handle, image
hash, or joins a network. Values are stored in the one form the extractors and the link stage write
(E.164 phones, lower-case emails, @handles and hashes, upper-case network ids), so matching is equality.
The alerts they raise are made by `safeharbor.workspace.alerts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from safeharbor.extract import phones
from safeharbor.link.tables import link_networks
from safeharbor.storage.times import now_iso
from safeharbor.workspace.audit import record
from safeharbor.workspace.watch_tables import WATCH_KINDS, alerts, watches

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_HANDLE = re.compile(r"^@?[\w.]{2,40}$")
_PHASH = re.compile(r"^[0-9a-f]{16}$")
_NETWORK = re.compile(r"^N-?(\d{1,9})$")
KIND_LABELS = {
    "phone": "phone",
    "email": "email",
    "handle": "handle",
    "image": "image hash",
    "network": "network",
}


class WatchError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Watch:
    watch_id: int
    owner: str
    kind: str
    value: str
    note: str | None
    created_at: str
    alerts: int = 0  # how many alerts it has raised
    unread: int = 0


def normalise_value(kind: str, value: str) -> str:
    """The stored form of a watched value, or WatchError saying what is wrong with it."""
    v = value.strip()
    if kind not in WATCH_KINDS:
        raise WatchError(f"watch kind must be one of {', '.join(WATCH_KINDS)}")
    if not v:
        raise WatchError(f"give the {KIND_LABELS[kind]} to watch")
    if kind == "phone":
        e164 = phones.normalise(v)
        if e164 is None:
            raise WatchError(f"{v!r} is not a phone number")
        return e164
    if kind == "email":
        if not _EMAIL.match(v):
            raise WatchError(f"{v!r} is not an email address")
        return v.lower()
    if kind == "handle":
        if not _HANDLE.match(v):
            raise WatchError(f"{v!r} is not a handle (letters, digits, dots, underscores)")
        return "@" + v.lstrip("@").lower()
    if kind == "image":
        if not _PHASH.match(v.lower()):
            raise WatchError(f"{v!r} is not an image hash (16 hexadecimal digits)")
        return v.lower()
    match = _NETWORK.match(v.upper())
    if not match:
        raise WatchError(f"{v!r} is not a network id (like N-000026)")
    return f"N-{int(match.group(1)):06d}"


def _network_exists(conn: Connection, network_id: str) -> bool:
    found = conn.execute(select(link_networks.c.network_id).where(link_networks.c.network_id == network_id))
    return found.first() is not None


def add_watch(
    conn: Connection, owner: str, kind: str, value: str, note: str | None = None, *, actor: str | None = None
) -> Watch:
    """Watch `value` for `owner` (WatchError when the value is not one, or already watched).

    `actor` (the CLI) writes an audit row; web routes leave that to their own one row per request."""
    stored = normalise_value(kind, value)
    if kind == "network" and not _network_exists(conn, stored):
        raise WatchError(f"there is no network {stored}")
    existing = conn.execute(
        select(watches.c.watch_id).where(
            watches.c.owner == owner, watches.c.kind == kind, watches.c.value == stored
        )
    ).first()
    if existing is not None:
        raise WatchError(f"you already watch {KIND_LABELS[kind]} {stored}")
    conn.execute(
        watches.insert().values(
            owner=owner,
            kind=kind,
            value=stored,
            note=(note or "").strip()[:300] or None,
            created_at=now_iso(),
        )
    )
    if actor is not None:
        record(
            conn,
            user=actor,
            action="watch.add",
            object_type="watch",
            object_id=f"{kind}:{stored}",
            outcome="ok",
            detail=f"for {owner}",
        )
    found = get_watch_by_value(conn, owner, kind, stored)
    assert found is not None
    return found


def get_watch_by_value(conn: Connection, owner: str, kind: str, value: str) -> Watch | None:
    row = conn.execute(
        select(watches).where(watches.c.owner == owner, watches.c.kind == kind, watches.c.value == value)
    ).first()
    return Watch(**{k: row._mapping[k] for k in _COLUMNS}) if row else None


_COLUMNS = ("watch_id", "owner", "kind", "value", "note", "created_at")


def list_watches(conn: Connection, owner: str | None = None) -> list[Watch]:
    """Watches (one analyst's, or everyone's), with how many alerts each raised and how many are unread."""
    counts = (
        select(
            alerts.c.watch_id,
            func.count().label("n"),
            func.count().filter(alerts.c.read_at.is_(None)).label("unread"),
        )
        .group_by(alerts.c.watch_id)
        .subquery()
    )
    query = select(watches, counts.c.n, counts.c.unread).outerjoin(
        counts, counts.c.watch_id == watches.c.watch_id
    )
    if owner is not None:
        query = query.where(watches.c.owner == owner)
    rows = conn.execute(query.order_by(watches.c.owner, watches.c.kind, watches.c.value))
    return [
        Watch(**{k: r._mapping[k] for k in _COLUMNS}, alerts=int(r.n or 0), unread=int(r.unread or 0))
        for r in rows
    ]


def remove_watch(conn: Connection, owner: str | None, watch_id: int, *, actor: str | None = None) -> Watch:
    """Stop watching (the watch's alerts go with it); only its owner may (`owner=None`: the CLI)."""
    row = conn.execute(select(watches).where(watches.c.watch_id == watch_id)).first()
    if row is None or (owner is not None and row.owner != owner):
        raise WatchError(f"no watch {watch_id}" + ("" if owner is None else f" of {owner}"))
    conn.execute(delete(alerts).where(alerts.c.watch_id == watch_id))
    conn.execute(delete(watches).where(watches.c.watch_id == watch_id))
    if actor is not None:
        record(
            conn,
            user=actor,
            action="watch.remove",
            object_type="watch",
            object_id=f"{row.kind}:{row.value}",
            outcome="ok",
            detail=f"of {row.owner}",
        )
    return Watch(**{k: row._mapping[k] for k in _COLUMNS})


def watched_values(
    conn: Connection, owner: str, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Which of these (kind, stored value) pairs `owner` watches: pair -> watch_id."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = conn.execute(
        select(watches.c.kind, watches.c.value, watches.c.watch_id).where(
            watches.c.owner == owner, watches.c.value.in_(sorted({v for _, v in wanted}))
        )
    )
    return {(r.kind, r.value): int(r.watch_id) for r in rows if (r.kind, r.value) in wanted}


@dataclass(frozen=True, slots=True)
class WatchTarget:
    """Something on a page that can be watched, and whether this analyst already watches it."""

    kind: str
    value: str  # stored form
    watch_id: int | None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def watch_targets(conn: Connection, owner: str, found: Iterable[tuple[str, str]]) -> list[WatchTarget]:
    """The watchable (kind, value) pairs among `found` (as written or stored), deduplicated, in order."""
    pairs: list[tuple[str, str]] = []
    for kind, value in found:
        try:
            pair = (kind, normalise_value(kind, value))
        except WatchError:
            continue
        if pair not in pairs:
            pairs.append(pair)
    watched = watched_values(conn, owner, pairs)
    return [WatchTarget(kind, value, watched.get((kind, value))) for kind, value in pairs]
