"""What the network page shows: the linking stage's record, the score stage's view, a timeline.

The record is the page; the score stage's parts (risk, persons) are fragments: if reading one fails,
it is logged and the page is shown without it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection

from safeharbor.link.movement import Stay
from safeharbor.link.queries import NetworkRecord, network_record
from safeharbor.link.template_view import NetworkTemplate, templates_for
from safeharbor.score.person_model import reason_text
from safeharbor.score.queries import network_persons, network_scores
from safeharbor.storage.reads import AdSummary, ad_summaries
from safeharbor.storage.times import parse_time

log = logging.getLogger(__name__)

TIMELINE_WIDTH, TIMELINE_HEIGHT = 900, 120


@dataclass(slots=True)
class TimelineBar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person as the person model sees them (a ranking for review, not a finding)."""

    person: str
    score: float
    ads: int
    reasons: list[str]


@dataclass(slots=True)
class NetworkView:
    network_id: str
    record: NetworkRecord
    risk: float | None
    stays: list[Stay]
    ads: list[AdSummary]  # newest first
    bars: list[TimelineBar] = field(default_factory=list)
    span_label: str = ""
    persons: list[PersonRow] = field(default_factory=list)  # the person model's view, strongest first
    templates: list[NetworkTemplate] = field(default_factory=list)  # the operator's wording, slots and values


def timeline(
    posted: list[str], *, width: int = TIMELINE_WIDTH, height: int = TIMELINE_HEIGHT
) -> tuple[list[TimelineBar], str]:
    """Postings per day (or per week over long spans) as SVG bar geometry."""
    if not posted:
        return [], ""
    days = sorted(parse_time(p).date() for p in posted)
    first, last = days[0], days[-1]
    span = (last - first).days + 1
    step = 7 if span > 120 else 1
    counts = Counter((d - first).days // step for d in days)
    n = (span + step - 1) // step
    top = max(counts.values())
    bar_w = width / max(n, 1)
    bars = []
    for i in range(n):
        c = counts.get(i, 0)
        if not c:
            continue
        h = (height - 14) * c / top
        start = first + timedelta(days=i * step)
        bars.append(
            TimelineBar(
                round(i * bar_w, 2),
                round(height - 12 - h, 2),
                max(round(bar_w - 1, 2), 1),
                round(h, 2),
                f"{start.isoformat()}{' (week)' if step == 7 else ''}: {c} ads",
            )
        )
    unit = "week" if step == 7 else "day"
    label = f"{first.isoformat()} — {last.isoformat()}, {len(days)} postings, per {unit}"
    return bars, label


def _risk(conn: Connection, network_id: str) -> float | None:
    try:
        score = network_scores(conn, [network_id]).get(network_id)
    except Exception:  # noqa: BLE001 - a fault in the score stage must not take the network page down
        log.exception("workspace: network risk of %s failed; showing the page without it", network_id)
        return None
    return score.risk if score is not None else None


def _persons(conn: Connection, keys: list[int]) -> list[PersonRow]:
    try:
        found = network_persons(conn, keys)  # empty until the score stage has run
    except Exception:  # noqa: BLE001 - as above: the persons panel is left out, the page stays
        log.exception("workspace: network persons failed; showing the page without them")
        return []
    return [PersonRow(p.person, p.score, p.ads, [reason_text(r) for r in p.reasons]) for p in found]


def _templates(conn: Connection, keys: list[int]) -> list[NetworkTemplate]:
    try:
        return templates_for(conn, keys)
    except Exception:  # noqa: BLE001 - the templates panel is left out, the page stays
        log.exception("workspace: network templates failed; showing the page without them")
        return []


def network_view(
    conn: Connection, network_id: str, *, max_ads: int = 300, with_templates: bool = True
) -> NetworkView | None:
    record = network_record(conn, network_id)
    if record is None:
        return None
    keys = list(record.ad_keys)
    rows = sorted(ad_summaries(conn, keys).values(), key=lambda ad: ad.posted_at, reverse=True)
    posted = [ad.posted_at for ad in rows]
    bars, label = timeline(posted)
    return NetworkView(
        network_id,
        record,
        _risk(conn, network_id),
        list(record.stays),
        rows[:max_ads],
        bars,
        label,
        _persons(conn, keys),
        _templates(conn, keys) if with_templates else [],
    )
