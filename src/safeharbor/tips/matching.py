"""Linking a tip to ads and networks by phone (and email/handle), place and time.

An identifier the reporter saw (a phone number on a card, a username) that also appears in an ad is
a strong link; the same city within days of the sighting makes it stronger still. Place and time
alone are weak — many ads share a city and a week — so they only point at *networks* that were
advertising in that city around the sighting, and only a few of them. Matches are computed when a
tip is read, so they follow re-ingest and re-linking without any rebuild step of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, and_, func, or_, select

from safeharbor.link.queries import networks_for_ads
from safeharbor.storage.reads import ad_summaries
from safeharbor.storage.schema import ad_places, ads, extractions
from safeharbor.storage.times import day_bounds, parse_time
from safeharbor.tips.model import MatchBasis, TipMatch

# An ad placed in the tip's city this long before the sighting (or after) still counts as "then".
DAYS_BEFORE = 14
DAYS_AFTER = 3
MAX_IDENTIFIER_ADS = 2000  # a junk number shared by thousands of ads says little; stop reading early
MAX_MATCHES = 25
MAX_PLACE_ONLY = 5


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """What of a tip matching needs (Tip and TipInput both provide these)."""

    phones: tuple[str, ...]
    emails: tuple[str, ...]
    handles: tuple[str, ...]
    city: str | None
    state: str | None
    seen_on: date


@dataclass(frozen=True, slots=True)
class _AdHit:
    ad_key: int
    basis: MatchBasis
    value: str
    posted_on: date
    city: str | None
    state: str | None


def _ad_facts(conn: Connection, ad_keys: Sequence[int]) -> dict[int, tuple[date, str | None, str | None]]:
    return {
        key: (parse_time(ad.posted_at).date(), ad.city, ad.state)
        for key, ad in ad_summaries(conn, ad_keys).items()
    }


def _identifier_hits(conn: Connection, q: MatchQuery) -> list[_AdHit]:
    conditions = []
    if q.phones:
        conditions.append(and_(extractions.c.kind == "phone", extractions.c.value.in_(q.phones)))
    if q.emails:
        conditions.append(and_(extractions.c.kind == "email", func.lower(extractions.c.value).in_(q.emails)))
    if q.handles:
        conditions.append(
            and_(extractions.c.kind == "handle", func.lower(extractions.c.value).in_(q.handles))
        )
    if not conditions:
        return []
    rows = conn.execute(
        select(extractions.c.ad_key, extractions.c.kind, extractions.c.value)
        .where(or_(*conditions))
        .distinct()
        .limit(MAX_IDENTIFIER_ADS)
    ).all()
    facts = _ad_facts(conn, sorted({r.ad_key for r in rows}))
    hits = []
    for key, kind, value in rows:
        if key in facts:
            posted_on, city, state = facts[key]
            hits.append(
                _AdHit(key, kind, value if kind == "phone" else value.lower(), posted_on, city, state)
            )
    return hits


def _same_place(q: MatchQuery, city: str | None, state: str | None) -> bool:
    if not (q.city and q.state and city and state):
        return False
    return city.casefold() == q.city.casefold() and state.upper() == q.state.upper()


def _in_window(q: MatchQuery, posted_on: date) -> bool:
    return q.seen_on - timedelta(days=DAYS_BEFORE) <= posted_on <= q.seen_on + timedelta(days=DAYS_AFTER)


def _when(days: int) -> str:
    if days == 0:
        return "on the day of the sighting"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'before' if days < 0 else 'after'} the sighting"


def _identifier_matches(conn: Connection, q: MatchQuery) -> list[TipMatch]:
    hits = _identifier_hits(conn, q)
    networks = networks_for_ads(conn, (h.ad_key for h in hits))
    groups: dict[str, list[_AdHit]] = defaultdict(list)
    for hit in hits:
        net = networks.get(hit.ad_key)
        groups[f"n:{net}" if net is not None else f"a:{hit.ad_key}"].append(hit)

    def closeness(h: _AdHit) -> tuple[int, int]:
        here_then = _same_place(q, h.city, h.state) and _in_window(q, h.posted_on)
        return (0 if here_then else 1, abs((h.posted_on - q.seen_on).days))

    ranked: list[tuple[tuple[int, int, int], TipMatch]] = []
    for group in groups.values():
        best = min(group, key=closeness)
        days = (best.posted_on - q.seen_on).days
        reason = f"same {best.basis} {best.value}"
        place = ", ".join(p for p in (best.city, best.state) if p)
        if place:
            reason += f"; ad placed in {place} {_when(days)}"
        network = networks.get(best.ad_key)
        ad_count = len({h.ad_key for h in group})
        if network is not None:
            reason += f"; {ad_count} ad{'s' if ad_count != 1 else ''} of network {network} match"
        match = TipMatch(best.ad_key, network, reason, best.basis, "strong", ad_count, days)
        here_then, distance = closeness(best)
        ranked.append(((here_then, distance, -ad_count), match))
    ranked.sort(key=lambda pair: pair[0])
    return [m for _, m in ranked]


def _place_time_matches(conn: Connection, q: MatchQuery, exclude_networks: set[str]) -> list[TipMatch]:
    """Networks that advertised in the tip's city around the sighting (weak: shown as context)."""
    if not (q.city and q.state):
        return []
    start = day_bounds(q.seen_on - timedelta(days=DAYS_BEFORE))[0]
    end = day_bounds(q.seen_on + timedelta(days=DAYS_AFTER))[1]
    rows = conn.execute(
        select(ads.c.ad_key, ads.c.posted_at, ad_places.c.city, ad_places.c.state)
        .select_from(ad_places.join(ads, ads.c.ad_key == ad_places.c.ad_key))
        .where(
            ad_places.c.state == q.state.upper(),
            func.lower(ad_places.c.city) == q.city.casefold(),
            ads.c.posted_at >= start,
            ads.c.posted_at <= end,
        )
        .limit(MAX_IDENTIFIER_ADS)
    ).all()
    networks = networks_for_ads(conn, (r.ad_key for r in rows))
    by_network: dict[str, list[tuple[int, date]]] = defaultdict(list)
    for key, posted_at, _city, _state in rows:
        net = networks.get(key)
        if net is not None and net not in exclude_networks:
            by_network[net].append((key, parse_time(posted_at).date()))
    ranked = []
    for net, found in by_network.items():
        key, posted_on = min(found, key=lambda kd: abs((kd[1] - q.seen_on).days))
        days = (posted_on - q.seen_on).days
        plural = "s" if len(found) != 1 else ""
        reason = (
            f"network {net} advertised in {q.city}, {q.state.upper()} around then: {len(found)} ad{plural}, "
            f"the nearest {_when(days)} (place and time only)"
        )
        ranked.append(
            ((abs(days), -len(found)), TipMatch(key, net, reason, "place_time", "weak", len(found), days))
        )
    ranked.sort(key=lambda pair: pair[0])
    return [m for _, m in ranked[:MAX_PLACE_ONLY]]


def match_tip(conn: Connection, q: MatchQuery) -> list[TipMatch]:
    """Strong matches (shared identifiers) first, then a few place-and-time networks as context."""
    strong = _identifier_matches(conn, q)
    linked = {m.network_id for m in strong if m.network_id is not None}
    weak = _place_time_matches(conn, q, linked)
    return (strong + weak)[:MAX_MATCHES]
