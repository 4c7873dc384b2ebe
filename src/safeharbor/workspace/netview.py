"""What the network page shows: the linking stage's record, the score stage's view, a timeline.

The record is the page; the score stage's parts (risk, persons) are fragments: if reading one fails,
it is logged and the page is shown without it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from safeharbor.link.movement import Stay
from safeharbor.link.queries import NetworkRecord, network_posting_times, network_record
from safeharbor.link.template_view import NetworkTemplate, templates_for
from safeharbor.score.calibration import Standing
from safeharbor.score.person_model import reason_text
from safeharbor.score.queries import network_persons, network_scores
from safeharbor.storage.reads import AdSummary, ad_summaries
from safeharbor.storage.times import parse_time
from safeharbor.workspace.standing import current_calibration, lead_standing

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
class TimelineTick:
    """A dated mark on the timeline's axis (x in the SVG's 0..TIMELINE_WIDTH)."""

    x: float
    label: str  # YYYY-MM-DD
    anchor: str  # start | middle | end, so the first and last labels stay inside the box


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
    ticks: list[TimelineTick] = field(default_factory=list)
    peak: int = 0  # the tallest bar's count (the axis' top)
    # The network's place among all leads, calibrated once reviews allow (score/calibration.py).
    standing: Standing | None = None
    ads_total: int = 0  # the network's ads; `ads` is one page of them, from `ads_offset`
    ads_offset: int = 0
    stays_shown: int = 0  # the latest stays the page lists (STAYS_SHOWN)


def timeline_ticks(posted: list[str], *, width: int = TIMELINE_WIDTH, most: int = 6) -> list[TimelineTick]:
    """Up to `most` evenly spaced dated ticks from the first posting day to the last (as `timeline`)."""
    if not posted:
        return []
    days = sorted(parse_time(p).date() for p in posted)
    first, last = days[0], days[-1]
    span = (last - first).days + 1
    count = max(1, min(most, span))
    ticks = []
    for i in range(count):
        offset = 0 if count == 1 else round(i * (span - 1) / (count - 1))
        x = width * offset / span if span > 1 else width / 2
        anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 and count > 1 else "middle"
        ticks.append(TimelineTick(round(x, 2), (first + timedelta(days=offset)).isoformat(), anchor))
    if count > 1:  # the last tick marks the end of the last day, at the right edge
        ticks[-1] = TimelineTick(float(width), last.isoformat(), "end")
    return ticks


def _buckets(days: list[date]) -> tuple[int, Counter[int]]:
    """Days per bar (a week over spans longer than 120 days) and postings per bar."""
    span = (days[-1] - days[0]).days + 1
    step = 7 if span > 120 else 1
    return step, Counter((d - days[0]).days // step for d in days)


def timeline_peak(posted: list[str]) -> int:
    """The tallest bar's count: the number the axis' top stands for."""
    if not posted:
        return 0
    return max(_buckets(sorted(parse_time(p).date() for p in posted))[1].values())


def timeline(
    posted: list[str], *, width: int = TIMELINE_WIDTH, height: int = TIMELINE_HEIGHT
) -> tuple[list[TimelineBar], str]:
    """Postings per day (or per week over long spans) as SVG bar geometry."""
    if not posted:
        return [], ""
    days = sorted(parse_time(p).date() for p in posted)
    first, last = days[0], days[-1]
    span = (last - first).days + 1
    step, counts = _buckets(days)
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


def _standing(conn: Connection, network_id: str) -> Standing | None:
    try:
        return lead_standing(conn, f"network:{network_id}", current_calibration(conn))
    except Exception:  # noqa: BLE001 - as above: the page stays without the network's standing
        log.exception("workspace: standing of network %s failed; showing the page without it", network_id)
        return None


def _persons(conn: Connection, keys: list[int]) -> list[PersonRow]:
    try:
        found = network_persons(conn, keys)  # empty until the score stage has run
    except Exception:  # noqa: BLE001 - as above: the persons panel is left out, the page stays
        log.exception("workspace: network persons failed; showing the page without them")
        return []
    return [PersonRow(p.person, p.score, p.ads, [reason_text(r) for r in p.reasons]) for p in found]


def network_templates_of(conn: Connection, keys: list[int]) -> list[NetworkTemplate]:
    """The network's templates (its earliest ads' wording); empty if reading them fails."""
    return _templates(conn, keys)


def _templates(conn: Connection, keys: list[int]) -> list[NetworkTemplate]:
    try:
        return templates_for(conn, keys)
    except Exception:  # noqa: BLE001 - the templates panel is left out, the page stays
        log.exception("workspace: network templates failed; showing the page without them")
        return []


ADS_PAGE = 100  # ads listed on one page of a network (newest first; the rest a page away)
# Stays the page's table lists (the latest): the largest networks at 1.15M ads have ~1,900, and the map
# (its own request) draws them all.
STAYS_SHOWN = 50


def network_view(
    conn: Connection,
    network_id: str,
    *,
    max_ads: int | None = None,
    offset: int = 0,
    with_templates: bool = True,
) -> NetworkView | None:
    """The network page: `max_ads` (ADS_PAGE) of its ads from `offset` (newest first) are read whole;
    the timeline reads every ad's posting time only, so a page's cost grows little with network size."""
    record = network_record(conn, network_id)
    if record is None:
        return None
    keys = list(record.ad_keys)
    times = network_posting_times(conn, network_id)  # newest first
    page = ADS_PAGE if max_ads is None else max_ads
    shown = [key for key, _posted in times[offset : offset + page]]
    found = ad_summaries(conn, shown)
    posted = [p for _key, p in times]
    bars, label = timeline(posted)
    return NetworkView(
        network_id,
        record,
        _risk(conn, network_id),
        list(record.stays),
        [found[key] for key in shown if key in found],
        bars,
        label,
        _persons(conn, keys),
        _templates(conn, keys) if with_templates else [],
        timeline_ticks(posted),
        timeline_peak(posted),
        _standing(conn, network_id),
        ads_total=len(times),
        ads_offset=offset,
        stays_shown=STAYS_SHOWN,
    )
