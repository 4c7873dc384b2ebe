"""Tips seen from the other side: which tips point at this ad, this network, these leads.

A tip's matches are computed when it is read (`tips.matching`), so the way back is: find the few tips
that could match (they name one of the ad's or network's phones, emails or handles, or were seen in
one of its cities around the time it advertised there), read their matches, and keep those that land
on this ad or network. The page then shows each tip with its match strength, reason and status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, and_, func, or_, select

from safeharbor.link.queries import NetworkRecord
from safeharbor.storage.times import parse_time
from safeharbor.tips.matching import DAYS_AFTER, DAYS_BEFORE
from safeharbor.tips.model import Tip, TipMatch
from safeharbor.tips.store import get_tip, tips_mentioning
from safeharbor.tips.tables import tips
from safeharbor.types import Extraction

MAX_CANDIDATES = 40  # tips read per page at most (newest first); each one's matches are computed


@dataclass(frozen=True, slots=True)
class TipLink:
    tip: Tip
    match: TipMatch  # the strongest of the tip's matches that lands here


@dataclass(frozen=True, slots=True)
class Sighting:
    """A place and a span of days an ad or network advertised in it."""

    city: str
    state: str
    first: date
    last: date


def _seen_around(conn: Connection, places: Sequence[Sighting]) -> set[int]:
    """Tips seen in one of these cities while ads were placed there (the matcher's window)."""
    conditions = [
        and_(
            tips.c.state == p.state.upper(),
            func.lower(tips.c.city) == p.city.casefold(),
            tips.c.seen_on >= p.first - timedelta(days=DAYS_AFTER),
            tips.c.seen_on <= p.last + timedelta(days=DAYS_BEFORE),
        )
        for p in places[:20]
    ]
    if not conditions:
        return set()
    query = select(tips.c.tip_id).where(or_(*conditions)).order_by(tips.c.tip_id.desc()).limit(MAX_CANDIDATES)
    return set(conn.execute(query).scalars())


def _links(conn: Connection, candidates: Iterable[int], lands: TipMatchFilter) -> list[TipLink]:
    out: list[TipLink] = []
    for tip_id in sorted(set(candidates), reverse=True)[:MAX_CANDIDATES]:
        tip = get_tip(conn, tip_id)
        if tip is None:
            continue
        here = [m for m in tip.matches if lands(m)]
        if here:
            best = min(here, key=lambda m: (m.strength != "strong", abs(m.days_from_sighting or 0)))
            out.append(TipLink(tip, best))
    out.sort(key=lambda link: (link.match.strength != "strong", -link.tip.id))
    return out


class TipMatchFilter:
    """Which matches land on the page's ad or network."""

    def __init__(self, ad_keys: Iterable[int] = (), network_id: str | None = None) -> None:
        self.ad_keys = set(ad_keys)
        self.network_id = network_id

    def __call__(self, match: TipMatch) -> bool:
        if self.network_id is not None and match.network_id == self.network_id:
            return True
        return match.ad_key in self.ad_keys


def tips_for_ad(
    conn: Connection,
    ad_key: int,
    *,
    network_id: str | None,
    entities: Sequence[Extraction],
    place: tuple[str, str] | None,
    posted_at: str,
) -> list[TipLink]:
    """Tips whose matches land on this ad (or, for a network ad, on its network)."""
    named = tips_mentioning(
        conn,
        phones=[e.value for e in entities if e.kind == "phone"],
        emails=[e.value for e in entities if e.kind == "email"],
        handles=[e.value for e in entities if e.kind == "handle"],
    )
    day = parse_time(posted_at).date()
    around = _seen_around(conn, [Sighting(place[0], place[1], day, day)]) if place else set()
    return _links(conn, [*named, *around], TipMatchFilter([ad_key], network_id))


def tips_for_network(conn: Connection, record: NetworkRecord) -> list[TipLink]:
    """Tips whose matches land on this network (through any of its ads)."""
    named = tips_mentioning(conn, phones=record.phones, emails=record.emails, handles=record.handles)
    places = [
        Sighting(s.city, s.state, parse_time(s.first_seen).date(), parse_time(s.last_seen).date())
        for s in record.stays
        if s.city and s.state
    ]
    around = _seen_around(conn, places)
    return _links(conn, [*named, *around], TipMatchFilter(record.ad_keys, record.id))


def links_by_lead(recent: Sequence[Tip]) -> dict[str, list[TipLink]]:
    """The lead queue's view: for each network id and ad key ("ad:12"), the recent tips matching it."""
    found: dict[str, list[TipLink]] = {}
    for tip in recent:
        seen: set[str] = set()
        for m in tip.matches:
            for key in (m.network_id, f"ad:{m.ad_key}"):
                if key and key not in seen:
                    seen.add(key)
                    found.setdefault(key, []).append(TipLink(tip, m))
    return found
