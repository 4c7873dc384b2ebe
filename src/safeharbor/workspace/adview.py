"""What the ad page shows: text cut into segments with entities and indicators marked in place.

Marks may overlap (a phone inside an indicator's span); the text is cut at every mark boundary so
each segment carries the set of marks covering it, and the template renders nested highlights
without any HTML from the ad itself reaching the page unescaped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from safeharbor.link.queries import networks_for_ads
from safeharbor.score.calibration import Standing
from safeharbor.score.lead_features import leads_of_ads
from safeharbor.score.queries import AdScore, Flag, scores_for_ads
from safeharbor.storage.reads import extractions_for, load_ads
from safeharbor.storage.schema import ad_images, ad_places, ads
from safeharbor.types import Ad, Extraction
from safeharbor.workspace.standing import ad_standing, current_calibration, lead_standing
from safeharbor.workspace.titles import indicator_title

log = logging.getLogger(__name__)

FIELDS = ("title", "location", "body")


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    kind: str  # phone | email | handle | age | name | price | city | indicator
    label: str  # the value or indicator id
    tip: str  # provenance shown on hover


@dataclass(slots=True)
class Segment:
    text: str
    marks: list[Mark] = field(default_factory=list)

    @property
    def css(self) -> str:
        return " ".join(sorted({f"mark-{m.kind}" for m in self.marks}))

    @property
    def tip(self) -> str:
        return "\n".join(m.tip for m in self.marks)


@dataclass(slots=True)
class AdView:
    ad: Ad
    segments: dict[str, list[Segment]]
    entities: list[Extraction]
    flags: list[Flag]  # the score stage's indicators, strongest first (none until it has run)
    risk: float | None
    network_id: str | None
    versions: list[dict[str, Any]]
    place: dict[str, Any] | None
    images: list[dict[str, Any]]
    # Where the ad's own score stands among every scored ad, and where its lead (the network or the
    # stand-alone posting it is in) stands among all leads, calibrated once reviews allow.
    standing: Standing | None = None
    lead_standing: Standing | None = None


def _standings(
    conn: Connection, ad_key: int, score: AdScore | None
) -> tuple[Standing | None, Standing | None]:
    if score is None:
        return None, None
    try:
        lead = leads_of_ads(conn, [ad_key]).get(ad_key)
        ranked = lead_standing(conn, lead, current_calibration(conn)) if lead else None
        return ad_standing(conn, score.risk), ranked
    except Exception:  # noqa: BLE001 - a fault in the score stage must not take the ad page down
        log.exception("workspace: standing of ad %s failed; showing the ad without it", ad_key)
        return None, None


def segment(text: str, marks: list[Mark]) -> list[Segment]:
    """Cut text at every mark boundary; each segment lists the marks that cover it."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in valid if m.start <= a and b <= m.end]
        if out and not covering and not out[-1].marks:
            out[-1].text += text[a:b]
        else:
            out.append(Segment(text[a:b], covering))
    return out


def _entity_mark(e: Extraction) -> Mark:
    tip = (
        f"{e.kind}: {e.value} — raw “{e.raw}”, {e.field}[{e.start}:{e.end}], "
        f"extractor {e.extractor} v{e.version}, confidence {e.confidence:.2f}"
    )
    return Mark(e.start, e.end, e.kind, e.value, tip)


def _flag_mark(flag: Flag) -> Mark | None:
    if flag.start is None or flag.end is None:
        return None
    title = indicator_title(flag.indicator)
    tip = f"indicator of a possible minor: {title} (weight {flag.weight:+.2f}) {flag.note}".strip()
    return Mark(flag.start, flag.end, "indicator", title, tip)


def _score(conn: Connection, ad_key: int) -> AdScore | None:
    try:
        return scores_for_ads(conn, [ad_key]).get(ad_key)
    except Exception:  # noqa: BLE001 - a fault in the score stage must not take the ad page down
        log.exception("workspace: score of ad %s failed; showing the ad without it", ad_key)
        return None


def ad_view(conn: Connection, ad_key: int) -> AdView | None:
    found = load_ads(conn, [ad_key])
    if not found:
        return None
    ad = found[0]
    entities = extractions_for(conn, [ad_key]).get(ad_key, [])
    score = _score(conn, ad_key)
    flags = list(score.flags) if score is not None else []
    marks: dict[str, list[Mark]] = {name: [] for name in FIELDS}
    for e in entities:
        if e.field in marks:
            marks[e.field].append(_entity_mark(e))
    for flag in flags:
        mark = _flag_mark(flag)
        fld = flag.field or "body"
        if mark is not None and fld in marks:
            marks[fld].append(mark)
    segments = {name: segment(ad.field_text(name), marks[name]) for name in FIELDS}  # type: ignore[arg-type]
    versions = [
        dict(r._mapping)
        for r in conn.execute(
            select(ads.c.ad_key, ads.c.version, ads.c.posted_at, ads.c.ingested_at, ads.c.title)
            .where(ads.c.source == ad.source, ads.c.ad_id == ad.id)
            .order_by(ads.c.version)
        )
    ]
    place_row = conn.execute(select(ad_places).where(ad_places.c.ad_key == ad_key)).first()
    images = [
        dict(r._mapping)
        for r in conn.execute(
            select(ad_images.c.position, ad_images.c.ref, ad_images.c.phash, ad_images.c.status)
            .where(ad_images.c.ad_key == ad_key)
            .order_by(ad_images.c.position)
        )
    ]
    standing, ranked = _standings(conn, ad_key, score)
    return AdView(
        ad=ad,
        segments=segments,
        entities=entities,
        flags=flags,
        risk=score.risk if score is not None else None,
        network_id=networks_for_ads(conn, [ad_key]).get(ad_key),
        versions=versions,
        place=dict(place_row._mapping) if place_row else None,
        images=images,
        standing=standing,
        lead_standing=ranked,
    )
