"""What the network page shows, built on the linking stage's read API (empty until it is installed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from safeharbor.storage.reads import parse_time
from safeharbor.storage.schema import ads
from safeharbor.workspace.stages import attr, network_persons, network_record, network_scores

TIMELINE_WIDTH, TIMELINE_HEIGHT = 900, 120


@dataclass(slots=True)
class TimelineBar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(slots=True)
class NetworkView:
    network_id: str
    record: Any
    risk: float | None
    stays: list[dict[str, Any]]
    ads: list[dict[str, Any]]
    bars: list[TimelineBar] = field(default_factory=list)
    span_label: str = ""
    persons: list[dict[str, Any]] = field(default_factory=list)  # the person model's view, strongest first


def stays_of(record: Any) -> list[dict[str, Any]]:
    out = []
    for s in attr(record, "stays", default=[]) or []:
        out.append(
            {
                "city": attr(s, "city"),
                "state": attr(s, "state"),
                "lat": attr(s, "lat"),
                "lon": attr(s, "lon"),
                "first_seen": str(attr(s, "first_seen") or ""),
                "last_seen": str(attr(s, "last_seen") or ""),
                "ads": attr(s, "ads", default=0),
            }
        )
    for s in out:  # Stay.ads may be a list of keys or a count
        if isinstance(s["ads"], list | tuple | set):
            s["ads"] = len(s["ads"])
    return out


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


def network_view(conn: Connection, network_id: str, *, max_ads: int = 300) -> NetworkView | None:
    record = network_record(conn, network_id)
    if record is None:
        return None
    keys = [int(k) for k in attr(record, "ad_keys", default=[]) or []]
    rows = []
    posted: list[str] = []
    for i in range(0, len(keys), 2000):
        chunk = keys[i : i + 2000]
        for r in conn.execute(
            select(ads.c.ad_key, ads.c.source, ads.c.ad_id, ads.c.posted_at, ads.c.title).where(
                ads.c.ad_key.in_(chunk)
            )
        ):
            posted.append(r.posted_at)
            rows.append(dict(r._mapping))
    rows.sort(key=lambda r: r["posted_at"], reverse=True)
    bars, label = timeline(posted)
    score = network_scores(conn, [network_id]).get(network_id)
    risk = attr(score, "risk", default=None) if score is not None else None
    if risk is None and isinstance(score, float | int):
        risk = float(score)
    found = network_persons(conn, keys)  # empty until the score stage is installed and has run
    if found:
        from safeharbor.score.person_model import reason_text
    persons = [
        {
            "person": attr(p, "person"),
            "score": attr(p, "score"),
            "ads": attr(p, "ads"),
            "reasons": [reason_text(r) for r in attr(p, "reasons", default=()) or ()],
        }
        for p in found
    ]
    return NetworkView(network_id, record, risk, stays_of(record), rows[:max_ads], bars, label, persons)
