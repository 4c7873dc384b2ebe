"""The lead queue: networks and stand-alone ads, highest risk first, each with its top reasons.

A network is one lead however many ads it posted; an ad that belongs to no network is a lead of its
own (its versions count once). Filters (place, time, source, indicator) select the ads a lead must
have at least one of; `exclude_keys` removes ads (e.g. already reviewed) from consideration, so a
network stays in the queue while it has other ads that match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, select

from safeharbor.score.queries import Flag, flags_for_ads, network_scores
from safeharbor.score.tables import score_ads, score_flags
from safeharbor.storage.reads import format_time
from safeharbor.storage.schema import ad_places, ads

TOP_REASONS = 4


@dataclass
class Lead:
    kind: Literal["network", "ad"]
    id: str  # network id, or the ad_key of a stand-alone ad
    risk: float
    reasons: list[Flag] = field(default_factory=list)  # strongest first, at most TOP_REASONS
    city: str | None = None
    state: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    n_ads: int = 1
    ad_key: int | None = None  # set for stand-alone ads only
    network_id: str | None = None  # set for networks only
    top_ad_key: int | None = None  # the network's highest-risk ad (the ad itself for an ad lead)
    title: str | None = None
    source: str | None = None

    @property
    def flags(self) -> list[Flag]:
        return self.reasons

    @property
    def posted_at(self) -> str | None:
        return self.last_seen


def _bound(value: str | date | datetime | None, *, end: bool) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        value = value.isoformat()
    text = str(value)
    if len(text) == 10:  # a date: the whole day counts
        return text + ("T23:59:59Z" if end else "T00:00:00Z")
    return text


@dataclass
class _Candidate:
    kind: Literal["network", "ad"]
    id: str
    risk: float
    keys: list[int]
    top: int


def lead_queue(
    conn: Connection,
    *,
    limit: int = 50,
    offset: int = 0,
    city: str | None = None,
    state: str | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    source: str | None = None,
    indicator: str | None = None,
    exclude_keys: Iterable[int] | None = None,
) -> list[Lead]:
    """Networks and stand-alone ads, highest risk first, with their top reasons."""
    query = (
        select(
            score_ads.c.ad_key,
            score_ads.c.risk,
            score_ads.c.network_id,
            ads.c.source,
            ads.c.ad_id,
        )
        .join(ads, ads.c.ad_key == score_ads.c.ad_key)
        .outerjoin(ad_places, ad_places.c.ad_key == score_ads.c.ad_key)
    )
    if city:
        query = query.where(func.lower(ad_places.c.city) == city.strip().lower())
    if state:
        query = query.where(ad_places.c.state == state.strip().upper())
    if (low := _bound(since, end=False)) is not None:
        query = query.where(ads.c.posted_at >= low)
    if (high := _bound(until, end=True)) is not None:
        query = query.where(ads.c.posted_at <= high)
    if source:
        query = query.where(ads.c.source == source)
    if indicator:
        fired = select(score_flags.c.ad_key).where(score_flags.c.indicator == indicator)
        query = query.where(score_ads.c.ad_key.in_(fired))
    excluded = set(exclude_keys or ())
    networks: dict[str, list[tuple[float, int]]] = {}
    postings: dict[tuple[str, str], tuple[float, int]] = {}
    for ad_key, risk, network_id, src, ad_id in conn.execute(query):
        if ad_key in excluded:
            continue
        if network_id:
            networks.setdefault(network_id, []).append((risk, ad_key))
        else:
            best = postings.get((src, ad_id))
            if best is None or (risk, -ad_key) > (best[0], -best[1]):
                postings[(src, ad_id)] = (risk, ad_key)
    stored = network_scores(conn, list(networks))
    candidates: list[_Candidate] = []
    for nid, members in networks.items():
        best_risk, best_key = max(members)
        score = stored.get(nid)
        if score is not None and score.top_ad_key is not None:
            best_risk, best_key = score.risk, score.top_ad_key
        candidates.append(_Candidate("network", nid, best_risk, [k for _, k in members], best_key))
    candidates += [_Candidate("ad", str(key), risk, [key], key) for risk, key in postings.values()]
    candidates.sort(key=lambda c: (-c.risk, c.kind, c.id))
    page = candidates[offset : offset + limit]
    return _details(conn, page, stored)


def _details(conn: Connection, page: list[_Candidate], stored: dict[str, Any]) -> list[Lead]:
    tops = [c.top for c in page]
    ad_keys = [c.top for c in page if c.kind == "ad"]
    info = {
        r.ad_key: r
        for r in conn.execute(
            select(
                ads.c.ad_key, ads.c.title, ads.c.source, ads.c.posted_at, ad_places.c.city, ad_places.c.state
            )
            .outerjoin(ad_places, ad_places.c.ad_key == ads.c.ad_key)
            .where(ads.c.ad_key.in_(tops))
        )
    }
    ad_flags = flags_for_ads(conn, ad_keys)
    out: list[Lead] = []
    for c in page:
        top = info.get(c.top)
        lead = Lead(
            kind=c.kind,
            id=c.id,
            risk=c.risk,
            top_ad_key=c.top,
            title=top.title if top else None,
            source=top.source if top else None,
        )
        if c.kind == "ad":
            lead.ad_key = c.top
            lead.reasons = ad_flags.get(c.top, [])[:TOP_REASONS]
            lead.first_seen = lead.last_seen = top.posted_at if top else None
            lead.city, lead.state = (top.city, top.state) if top else (None, None)
        else:
            score = stored.get(c.id)
            lead.network_id = c.id
            lead.reasons = _top_reasons(score.flags) if score else []
            lead.n_ads = score.n_ads if score else len(c.keys)
            lead.first_seen = score.first_seen if score else None
            lead.last_seen = score.last_seen if score else None
            lead.city, lead.state = _usual_place(conn, c.keys)
        out.append(lead)
    return out


def _top_reasons(flags: list[Flag]) -> list[Flag]:
    """The strongest flags, keeping one piece of ad text so the analyst sees words, not only counts."""
    top = flags[:TOP_REASONS]
    if top and all(f.level != "ad" for f in top):
        text = next((f for f in flags if f.level == "ad"), None)
        if text is not None:
            top = top[: TOP_REASONS - 1] + [text]
    return top


def _usual_place(conn: Connection, keys: list[int]) -> tuple[str | None, str | None]:
    """The place most of the (matching) ads were posted in."""
    places: Counter[tuple[str, str]] = Counter()
    for i in range(0, len(keys), 2000):
        rows = conn.execute(
            select(ad_places.c.city, ad_places.c.state).where(ad_places.c.ad_key.in_(keys[i : i + 2000]))
        )
        places.update((c, s) for c, s in rows if c)
    if not places:
        return None, None
    return places.most_common(1)[0][0]
