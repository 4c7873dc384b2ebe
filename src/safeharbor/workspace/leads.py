"""The lead queue analysts work from, and their reviews (reviewed / dismissed with a reason).

Ranking comes from the risk stage (`safeharbor.score.leads.lead_queue`) once the store's ads are
scored; until then (ads loaded but `analyze` not run yet) the queue lists ads newest first with their
extracted facts as reasons, so the page works.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select

from safeharbor.link.queries import network_stays, networks_for_ads
from safeharbor.score.catalogue import Catalogue, catalogue_path, load_catalogue
from safeharbor.score.leads import Lead, QueueFilters, count_leads
from safeharbor.score.leads import lead_queue as scored_lead_queue
from safeharbor.score.person_model import basis_line
from safeharbor.score.phrase_store import corpus_catalogue
from safeharbor.score.queries import Flag, scores_for_ads
from safeharbor.storage.reads import ad_summaries, distinct_indexed, extractions_for
from safeharbor.storage.schema import ad_places, ads
from safeharbor.storage.times import day_bounds, now_iso
from safeharbor.types import MAX_ID, Extraction
from safeharbor.workspace.standing import current_calibration, lead_standings
from safeharbor.workspace.tables import lead_reviews
from safeharbor.workspace.titles import indicator_title

log = logging.getLogger(__name__)

# confirmed: the reviewer judges the lead shows indicators of a possible child victim (a positive label
# for learning, workspace/learning.py); reviewed: looked at, no decision; dismissed: not, with a reason.
ReviewStatus = Literal["confirmed", "reviewed", "dismissed"]
STATUSES = ("confirmed", "reviewed", "dismissed", "open")


@dataclass(frozen=True, slots=True)
class LeadFilters:
    city: str | None = None
    state: str | None = None
    since: str | None = None  # ISO date or date-time, inclusive
    until: str | None = None  # ISO date or date-time, inclusive (a bare date means the whole day)
    source: str | None = None
    indicator: str | None = None
    reviewed: Literal["no", "yes", "all"] = "no"
    teach: bool = False  # order by what a review would teach the ranking (workspace/teaching.py)


@dataclass(slots=True)
class LeadRow:
    kind: str  # ad | network
    ref: str  # ad_key or network id
    ad_key: int | None
    title: str
    score: float | None  # the ranking score: orders leads, is not a probability (see `standing`)
    reasons: list[str]
    city: str | None
    state: str | None
    posted_at: str | None
    source: str | None
    network_id: str | None = None
    n_ads: int | None = None
    review: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Where the lead stands in the corpus, and its calibrated risk once reviews allow
    # (score/calibration.py `Standing.as_json`, with its `text`); None for unscored rows.
    standing: dict[str, Any] | None = None


def _until_bound(until: str) -> str:
    """A bare date means the whole day: up to its last second (anything else is compared as given)."""
    try:
        return day_bounds(date.fromisoformat(until))[1] if len(until) == 10 else until
    except ValueError:
        return until


def reviews_for(conn: Connection, lead_type: str, refs: list[str]) -> dict[str, dict[str, Any]]:
    if not refs:
        return {}
    rows = conn.execute(
        select(lead_reviews).where(lead_reviews.c.lead_type == lead_type, lead_reviews.c.lead_ref.in_(refs))
    )
    return {r.lead_ref: dict(r._mapping) for r in rows}


def reviewed_refs(conn: Connection, lead_type: str) -> set[str]:
    rows = conn.execute(select(lead_reviews.c.lead_ref).where(lead_reviews.c.lead_type == lead_type))
    return set(rows.scalars())


_NETWORK_ID = re.compile(r"N-\d{1,9}")


def check_lead_ref(lead_type: str, lead_ref: str) -> None:
    """Refuse a lead reference that cannot name a lead (ValueError with what one looks like): an ad or
    a tip by its number (0 to MAX_ID), a network by its id (N-000026)."""
    if lead_type in ("ad", "tip"):
        if not (lead_ref.isdigit() and int(lead_ref) <= MAX_ID):
            raise ValueError(f"no {lead_type} {lead_ref[:40]!r}: {lead_type}s are named by their number")
    elif lead_type == "network":
        if not _NETWORK_ID.fullmatch(lead_ref):
            raise ValueError(f"no network {lead_ref[:40]!r}: a network id looks like N-000026")
    else:
        raise ValueError("a lead is an ad, a network or a tip")


def set_review(
    conn: Connection, *, lead_type: str, lead_ref: str, status: str, user: str, reason: str | None = None
) -> None:
    """Mark a lead confirmed, reviewed or dismissed (dismissing needs a reason); 'open' clears the mark."""
    check_lead_ref(lead_type, lead_ref)
    if status not in STATUSES:
        raise ValueError("status must be confirmed, reviewed, dismissed or open")
    if status == "dismissed" and not (reason or "").strip():
        raise ValueError("say why the lead is dismissed")
    conn.execute(
        delete(lead_reviews).where(lead_reviews.c.lead_type == lead_type, lead_reviews.c.lead_ref == lead_ref)
    )
    if status != "open":
        conn.execute(
            lead_reviews.insert().values(
                lead_type=lead_type,
                lead_ref=lead_ref,
                status=status,
                reason=(reason or "").strip() or None,
                user=user,
                at=now_iso(),
            )
        )


def _fallback_reasons(extracted: list[Extraction]) -> list[str]:
    reasons: list[str] = []
    ages = sorted({int(e.value) for e in extracted if e.kind == "age" and str(e.value).isdigit()})
    if ages:
        reasons.append("states age " + ", ".join(map(str, ages)))
    phones = {e.value for e in extracted if e.kind == "phone"}
    if any(e.kind == "phone" and not any(ch.isdigit() for ch in e.raw[:3]) for e in extracted):
        reasons.append("phone written to evade filters")
    if phones:
        reasons.append(f"{len(phones)} phone number{'s' if len(phones) > 1 else ''}")
    return reasons


def _fallback_select(f: LeadFilters) -> Any:
    """Ads newest first, before anything is scored (the queue's filters applied to the ads themselves)."""
    query = select(ads.c.ad_key, ads.c.posted_at).select_from(
        ads.outerjoin(ad_places, ad_places.c.ad_key == ads.c.ad_key)
    )
    if f.city:
        query = query.where(ad_places.c.city == f.city)
    if f.state:
        query = query.where(ad_places.c.state == f.state.upper())
    if f.since:
        query = query.where(ads.c.posted_at >= f.since)
    if f.until:
        query = query.where(ads.c.posted_at <= _until_bound(f.until))
    if f.source:
        query = query.where(ads.c.source == f.source)
    reviewed = select(lead_reviews.c.lead_ref).where(lead_reviews.c.lead_type == "ad")
    key_text = ads.c.ad_key.cast(lead_reviews.c.lead_ref.type)
    if f.reviewed == "no":
        query = query.where(key_text.not_in(reviewed))
    elif f.reviewed == "yes":
        query = query.where(key_text.in_(reviewed))
    return query


def _fallback_queue(conn: Connection, f: LeadFilters, limit: int, offset: int) -> list[LeadRow]:
    query = _fallback_select(f)
    keys = [
        row.ad_key
        for row in conn.execute(
            query.order_by(ads.c.posted_at.desc(), ads.c.ad_key.desc()).limit(limit).offset(offset)
        )
    ]
    found = ad_summaries(conn, keys)
    extracted = extractions_for(conn, keys, kinds=["age", "phone"])
    return [
        LeadRow(
            kind="ad",
            ref=str(ad.ad_key),
            ad_key=ad.ad_key,
            title=html.unescape(ad.label),
            score=None,
            reasons=_fallback_reasons(extracted.get(ad.ad_key, [])),
            city=ad.city,
            state=ad.state,
            posted_at=ad.posted_at,
            source=ad.source,
        )
        for ad in (found[k] for k in keys if k in found)
    ]


def _flag_reason(flag: Flag) -> str:
    title = indicator_title(flag.indicator)
    return f"{title}: “{flag.evidence}”" if flag.evidence else title


def reason_words(reason: dict[str, Any]) -> str:
    """One of the person model's reasons in words that explain themselves: where it was seen, and
    whether it raises or lowers the score ('Obscured phone number, in 3 of 7 ads: raises the score 1.2')."""
    shown, of = int(reason.get("shown") or 0), int(reason.get("of") or 0)
    contribution = float(reason.get("contribution") or 0.0)
    where = f"in {shown} of {of} ads" if shown else f"faintly, in less than one of {of} ads"
    effect = "raises" if contribution > 0 else "lowers"
    return f"{reason.get('title')}, {where}: {effect} the score {abs(contribution):.1f}"


def _ranked_by(basis: dict[str, Any]) -> str | None:
    """What the lead's ranking score rests on, in one line: the person it ranks by, their distinct ads,
    and the reasons for and against (each saying whether it raises or lowers the score)."""
    if not basis or basis.get("evidence") is None:
        return basis_line(basis) if basis else None
    reasons = "; ".join(reason_words(r) for r in basis["evidence"])
    return f"{basis.get('person')}, {basis.get('person_ads')} distinct ads: {reasons}"


def _person_reason(basis: dict[str, Any]) -> str | None:
    """The lead's first reason: the person the ranking rests on and their strongest reason for it, so
    the reasons and the "ranked by" line name the same person."""
    if not basis or not basis.get("evidence") or not basis.get("person"):
        return None
    raising = [r for r in basis["evidence"] if float(r.get("contribution") or 0.0) > 0]
    if not raising:
        return None
    return f"{basis['person']}: {reason_words(raising[0])}"


def lead_row(lead: Lead) -> LeadRow:
    ref = str(
        lead.network_id if lead.kind == "network" else (lead.ad_key if lead.ad_key is not None else lead.id)
    )
    return LeadRow(
        kind=lead.kind,
        ref=ref,
        ad_key=int(ref) if lead.kind == "ad" and ref.isdigit() else None,
        # Titles come as the site wrote them, entities and all ("clean &amp; classy"); shown as read.
        title=html.unescape(lead.title)
        if lead.title
        else (f"Network {ref}" if lead.kind == "network" else f"Ad {ref}"),
        score=lead.risk,
        reasons=([p] if (p := _person_reason(lead.rank_basis)) else [])
        + [_flag_reason(r) for r in lead.reasons][:3],
        city=lead.city,
        state=lead.state,
        posted_at=lead.last_seen or None,
        source=lead.source,
        network_id=lead.network_id,
        n_ads=lead.n_ads,
        extra={
            "top_ad_key": lead.top_ad_key,
            "max_ad_risk": lead.max_ad_risk,
            "ranked_by": _ranked_by(lead.rank_basis),
        },
    )


def _score_filters(conn: Connection, f: LeadFilters) -> QueueFilters:
    exclude: set[int] = set()
    done_networks: set[str] = set()
    if f.reviewed == "no":  # reviewed ads and networks are left out in the query (so a page stays full)
        exclude = {int(r) for r in reviewed_refs(conn, "ad") if r.isdigit()}
        done_networks = reviewed_refs(conn, "network")
    return QueueFilters(
        city=f.city,
        state=f.state.upper() if f.state else None,
        since=f.since,
        until=_until_bound(f.until) if f.until else None,
        source=f.source,
        indicator=f.indicator,
        exclude_keys=frozenset(exclude),
        exclude_leads=frozenset(f"network:{n}" for n in done_networks),
    )


def _from_scores(conn: Connection, f: LeadFilters, limit: int, offset: int) -> list[LeadRow]:
    q = _score_filters(conn, f)
    leads = scored_lead_queue(
        conn,
        limit=limit,
        offset=offset,
        city=q.city,
        state=q.state,
        since=q.since,
        until=q.until,
        source=q.source,
        indicator=q.indicator,
        exclude_keys=q.exclude_keys,
        exclude_leads=q.exclude_leads,
    )
    return [lead_row(lead) for lead in leads]


def _reviewed_queue(conn: Connection, limit: int, offset: int) -> list[LeadRow]:
    """Leads someone has reviewed or dismissed, most recent decision first."""
    marks = conn.execute(
        select(lead_reviews)
        .where(lead_reviews.c.lead_type.in_(["ad", "network"]))
        .order_by(lead_reviews.c.at.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    keys = [int(m.lead_ref) for m in marks if m.lead_type == "ad" and m.lead_ref.isdigit()]
    info = ad_summaries(conn, keys)
    out = []
    for m in marks:
        ad = info.get(int(m.lead_ref)) if m.lead_type == "ad" and m.lead_ref.isdigit() else None
        out.append(
            LeadRow(
                kind=m.lead_type,
                ref=m.lead_ref,
                ad_key=ad.ad_key if ad else None,
                title=ad.label if ad else f"Network {m.lead_ref}",
                score=None,
                reasons=[f"{m.status} by {m.user}" + (f": {m.reason}" if m.reason else "")],
                city=ad.city if ad else None,
                state=ad.state if ad else None,
                posted_at=ad.posted_at if ad else None,
                source=ad.source if ad else None,
                network_id=None if m.lead_type == "ad" else m.lead_ref,
            )
        )
    return out


def _scored_any(conn: Connection) -> bool:
    first = conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key.desc()).limit(1)).scalar()
    return first is not None and bool(scores_for_ads(conn, [first]))


def lead_queue(conn: Connection, filters: LeadFilters, *, limit: int = 50, offset: int = 0) -> list[LeadRow]:
    """Highest-risk leads first (newest ads first until ads are scored), with review marks."""
    if filters.reviewed == "yes":
        rows = _reviewed_queue(conn, limit, offset)
    elif _scored_any(conn):
        rows = _from_scores(conn, filters, limit, offset)
    else:
        rows = _fallback_queue(conn, filters, limit, offset)
    return annotate(conn, rows)


def lead_total(conn: Connection, filters: LeadFilters) -> int:
    """How many leads the queue lists with these filters, over all its pages."""
    if filters.reviewed == "yes":
        return int(
            conn.execute(
                select(func.count())
                .select_from(lead_reviews)
                .where(lead_reviews.c.lead_type.in_(["ad", "network"]))
            ).scalar_one()
        )
    if _scored_any(conn):
        return count_leads(conn, _score_filters(conn, filters))
    return int(
        conn.execute(select(func.count()).select_from(_fallback_select(filters).subquery())).scalar_one()
    )


def annotate(conn: Connection, rows: list[LeadRow]) -> list[LeadRow]:
    """Each row's network (for an ad), review mark and standing in the corpus."""
    scored = [r.score for r in rows if r.score is not None]
    standings = lead_standings(conn, scored, current_calibration(conn)) if scored else {}
    for row in rows:
        if row.score is not None:
            row.standing = {**standings[row.score].as_json(), "text": standings[row.score].text()}
    keys = [r.ad_key for r in rows if r.ad_key is not None]
    nets = networks_for_ads(conn, keys)
    marks = {
        kind: reviews_for(conn, kind, [r.ref for r in rows if r.kind == kind]) for kind in ("ad", "network")
    }
    latest = _latest_places(conn, [r.ref for r in rows if r.kind == "network"])
    for row in rows:
        if row.ad_key is not None and row.network_id is None:
            row.network_id = nets.get(row.ad_key)
        row.review = marks.get(row.kind, {}).get(row.ref)
        if row.kind == "network" and row.ref in latest:
            row.city, row.state = latest[row.ref]
    return rows


def _latest_places(conn: Connection, network_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """Where each network was seen last (its latest stay), for the queue's "Where" column."""
    out: dict[str, tuple[str, str | None]] = {}
    for network_id, stays in network_stays(conn, network_ids).items():
        if stays:
            last = max(stays, key=lambda s: s.last_seen)
            out[network_id] = (last.city, last.state)
    return out


def _catalogue_file() -> Catalogue:
    """The configured catalogue file, parsed once per version of the file (parsing its YAML took
    60-120 ms, on every queue page, at 1.15M ads: docs/scale.md)."""
    where = catalogue_path()
    found = where.stat()
    return _parsed_catalogue(str(where), found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=4)
def _parsed_catalogue(path: str, _mtime_ns: int, _size: int) -> Catalogue:
    return load_catalogue(path)


def filter_choices(conn: Connection) -> dict[str, list[str]]:
    """Values for the filter drop-downs."""
    sources = distinct_indexed(conn, ads.c.source)  # (source, source_id) is unique: an index leads by source
    states = [s for s in distinct_indexed(conn, ad_places.c.state) if s]  # ix_ad_places_city: (state, city)
    indicators: list[str] = []
    try:
        # with the phrases analysts accepted in this store (new learned indicators included)
        indicators = [i.id for i in corpus_catalogue(conn, _catalogue_file()).indicators]
    except Exception:  # noqa: BLE001 - the drop-down is a convenience: a broken catalogue must not hide the queue
        log.exception("workspace: the indicator catalogue failed to load; the filter lists no indicators")
    return {"sources": sources, "states": states, "indicators": indicators}
