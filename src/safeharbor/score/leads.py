"""The lead queue: networks and stand-alone ads, highest risk first, each with its top reasons.

A network is one lead however many ads it posted; an ad that belongs to no network is a lead of its
own (its versions count once). Leads are precomputed by `update_scores` (score/lead_table.py) and
ranked by a documented ranking score: the person model's estimate for the strongest person behind the
lead (score/person_model.py; not the maximum over its ads). Filters (place, time, source, indicator)
select the ads a lead must have at least one of; `exclude_keys` removes ads (e.g. already reviewed)
from consideration, so a network stays in the queue while it has other ads that match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, exists, func, or_, select

from safeharbor.score.queries import Flag
from safeharbor.score.tables import score_flags, score_lead_ads, score_lead_facets, score_leads
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.times import day_bounds, format_time

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
    # `risk` is the lead's ranking score: the person model's 0..1 score for the strongest person behind
    # it (a stand-alone ad is a person with one ad; lead_table.py). The network's exported risk (the
    # highest of its ads', docs/formats.md) is `max_ad_risk`; `rank_basis` says what the score rests on.
    max_ad_risk: float | None = None
    rank_basis: dict[str, Any] = field(default_factory=dict)

    @property
    def flags(self) -> list[Flag]:
        return self.reasons

    @property
    def posted_at(self) -> str | None:
        return self.last_seen


def _bound(value: str | date | datetime | None, *, end: bool) -> str | None:
    """A filter bound as a stored time; a bare date means the whole day (storage.times.day_bounds)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return format_time(value)
    text = value.isoformat() if isinstance(value, date) else str(value)
    if len(text) == 10:
        try:
            return day_bounds(date.fromisoformat(text))[1 if end else 0]
        except ValueError:
            return text + ("T23:59:59Z" if end else "T00:00:00Z")
    return text


def _excluded_leads(conn: Connection, excluded: set[int]) -> set[str]:
    """Leads all of whose ads are excluded (a lead stays while it has another ad)."""
    counts: Counter[str] = Counter()
    for chunk in sorted_chunks(excluded):
        counts.update(
            conn.execute(select(score_lead_ads.c.lead_id).where(score_lead_ads.c.ad_key.in_(chunk))).scalars()
        )
    gone: set[str] = set()
    for ids in sorted_chunks(counts):
        rows = conn.execute(
            select(score_lead_ads.c.lead_id, func.count())
            .where(score_lead_ads.c.lead_id.in_(ids))
            .group_by(score_lead_ads.c.lead_id)
        )
        gone.update(lead for lead, total in rows if counts[lead] >= total)
    return gone


@dataclass(frozen=True)
class QueueFilters:
    """What a lead must have at least one ad of (place, time, source, indicator), and what is left out."""

    city: str | None = None
    state: str | None = None
    since: str | date | datetime | None = None
    until: str | date | datetime | None = None
    source: str | None = None
    indicator: str | None = None
    exclude_keys: frozenset[int] = frozenset()
    exclude_leads: frozenset[str] = frozenset()


def _ad_conditions(f: QueueFilters) -> list[Any]:
    conditions: list[Any] = []
    if f.city:
        conditions.append(score_lead_ads.c.city_key == f.city.strip().lower())
    if f.state:
        conditions.append(score_lead_ads.c.state == f.state.strip().upper())
    if (low := _bound(f.since, end=False)) is not None:
        conditions.append(score_lead_ads.c.posted_at >= low)
    if (high := _bound(f.until, end=True)) is not None:
        conditions.append(score_lead_ads.c.posted_at <= high)
    if f.source:
        conditions.append(score_lead_ads.c.source == f.source)
    if f.indicator:
        fired = select(score_flags.c.ad_key).where(score_flags.c.indicator == f.indicator)
        conditions.append(score_lead_ads.c.ad_key.in_(fired))
    return conditions


def _facet_matches(f: QueueFilters, ad_conditions: list[Any], excluded: set[int]) -> Any:
    """The ids of the leads with a matching ad, from the per-lead facets (score_lead_facets): one row per
    lead and (state, city, source), with its first and last posting. A facet answers the place and
    source filters and a one-sided time bound exactly (an ad at or after `since` exists when the last
    one is); the per-ad table is read only for a lead whose facet straddles a two-sided window or that
    holds an excluded ad, and then only that lead's ads in the window (ix_score_lead_ads_lead_posted)."""
    facet = score_lead_facets.c
    where: list[Any] = []
    if f.city:
        where.append(facet.city_key == f.city.strip().lower())
    if f.state:
        where.append(facet.state == f.state.strip().upper())
    if f.source:
        where.append(facet.source == f.source)
    low, high = _bound(f.since, end=False), _bound(f.until, end=True)
    if low is not None:
        where.append(facet.last_posted >= low)
    if high is not None:
        where.append(facet.first_posted <= high)
    sure: list[Any] = []
    if low is not None and high is not None:
        sure += [facet.first_posted >= low, facet.last_posted <= high]
    if excluded:
        holding = select(score_lead_ads.c.lead_id).where(score_lead_ads.c.ad_key.in_(sorted(excluded)))
        sure.append(facet.lead_id.not_in(holding))
    if sure:
        member = score_lead_ads.c
        not_excluded = [member.ad_key.not_in(sorted(excluded))] if excluded else []
        checked = exists().where(member.lead_id == facet.lead_id, *ad_conditions, *not_excluded)
        where.append(or_(and_(*sure), checked))
    return select(facet.lead_id).where(*where).distinct().subquery()


def _queue_query(conn: Connection, f: QueueFilters) -> tuple[Any, set[int], list[Any], set[str]]:
    """The unordered select over score_leads, plus what must still be checked in Python: ads excluded
    (when there are too many for one NOT IN next to filters), the filters, and leads left out whole."""
    excluded = set(f.exclude_keys)
    conditions = _ad_conditions(f)
    query = select(score_leads)
    if conditions and not f.indicator and len(excluded) <= 5000:
        matching = _facet_matches(f, conditions, excluded)
        query = query.join(matching, matching.c.lead_id == score_leads.c.lead_id)
        excluded = set()
    elif conditions:  # an indicator is per ad: which ads of a lead fired it is read from its flags
        if excluded and len(excluded) <= 5000:
            conditions.append(score_lead_ads.c.ad_key.not_in(sorted(excluded)))
            excluded = set()
        matching = select(score_lead_ads.c.lead_id).where(*conditions).distinct().subquery()
        query = query.join(matching, matching.c.lead_id == score_leads.c.lead_id)
    gone: set[str] = set(f.exclude_leads)  # lead ids (`network:<id>`, `ad:<key>`) left out whole
    if excluded and not conditions:
        gone |= _excluded_leads(conn, excluded)
        excluded = set()
    if gone and not excluded:
        query = query.where(score_leads.c.lead_id.not_in(sorted(gone)))
    return query, excluded, conditions, gone


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
    exclude_leads: Iterable[str] | None = None,
) -> list[Lead]:
    """Networks and stand-alone ads, highest ranking score first, with their top reasons.

    Reads the table `update_scores` keeps (score_leads): one indexed query per page. Filters keep the
    leads that have at least one matching ad that is not excluded."""
    f = QueueFilters(
        city,
        state,
        since,
        until,
        source,
        indicator,
        frozenset(exclude_keys or ()),
        frozenset(exclude_leads or ()),
    )
    query, excluded, conditions, gone = _queue_query(conn, f)
    if excluded:  # many exclusions with filters: check each candidate lead's remaining ads
        return _filtered_in_python(conn, query, excluded, conditions, limit, offset, gone)
    query = query.order_by(score_leads.c.rank.desc(), score_leads.c.kind, score_leads.c.ref)
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [_lead(r) for r in rows]


def count_leads(conn: Connection, f: QueueFilters) -> int:
    """How many leads `lead_queue` would list with these filters over all its pages (the queue's total)."""
    query, excluded, conditions, gone = _queue_query(conn, f)
    if excluded:
        return len(_kept_leads(conn, excluded, conditions, gone))
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def _kept_leads(conn: Connection, excluded: set[int], conditions: list[Any], gone: set[str]) -> set[str]:
    keep: set[str] = set()
    for lead_id, ad_key in conn.execute(
        select(score_lead_ads.c.lead_id, score_lead_ads.c.ad_key).where(*conditions)
    ):
        if ad_key not in excluded and lead_id not in gone:
            keep.add(lead_id)
    return keep


def _filtered_in_python(
    conn: Connection,
    query: Any,
    excluded: set[int],
    conditions: list[Any],
    limit: int,
    offset: int,
    gone: set[str],
) -> list[Lead]:
    keep = _kept_leads(conn, excluded, conditions, gone)
    ordered = conn.execute(query.order_by(score_leads.c.rank.desc(), score_leads.c.kind, score_leads.c.ref))
    rows = [r for r in ordered if r.lead_id in keep]
    return [_lead(r) for r in rows[offset : offset + limit]]


def leads_by_id(conn: Connection, lead_ids: Iterable[str]) -> list[Lead]:
    """The leads with these ids (`network:<id>`, `ad:<ad_key>`), in no particular order."""
    out: list[Lead] = []
    for chunk in sorted_chunks(set(lead_ids)):
        out.extend(
            _lead(r) for r in conn.execute(select(score_leads).where(score_leads.c.lead_id.in_(chunk)))
        )
    return out


def _lead(r: Any) -> Lead:
    network = r.kind == "network"
    return Lead(
        kind=r.kind,
        id=r.ref,
        risk=r.rank,
        reasons=[Flag.from_json(d) for d in (r.reasons or [])][:TOP_REASONS],
        city=r.city,
        state=r.state,
        first_seen=r.first_seen,
        last_seen=r.last_seen,
        n_ads=r.n_ads,
        ad_key=None if network else r.top_ad_key,
        network_id=r.ref if network else None,
        top_ad_key=r.top_ad_key,
        title=r.title,
        source=r.source,
        max_ad_risk=r.risk,
        rank_basis=dict(r.summary or {}),
    )
