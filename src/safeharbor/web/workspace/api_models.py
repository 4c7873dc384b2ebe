"""The JSON API's response models: what /api/openapi.json documents for each route.

Each model mirrors the dataclass the workspace computes (`LeadRow`, `SearchResult`, `AdView`,
`Stay`, the Cytoscape elements), field for field and in the same order, so the JSON is what the routes
wrote before they had models. Built from those dataclasses with `from_attributes`; times stay the
strings the store holds (an ad's `posted_at` is written with `datetime.isoformat()`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _isoformat(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


IsoTime = Annotated[str, BeforeValidator(_isoformat)]


class ApiModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# /api/leads
class LeadOut(ApiModel):
    kind: str  # ad | network
    ref: str  # the ad_key or the network id
    ad_key: int | None
    title: str
    score: float | None  # the ranking score: orders leads, is not a probability
    reasons: list[str]
    city: str | None
    state: str | None
    posted_at: str | None
    source: str | None
    network_id: str | None
    n_ads: int | None
    review: dict[str, Any] | None
    extra: dict[str, Any]
    # rank, of, top_percent, score, calibrated_risk (null until enough reviews), calibration_reviews, text
    standing: dict[str, Any] | None


class LeadsOut(ApiModel):
    leads: list[LeadOut]
    offset: int
    total: int  # leads matching the filters over all pages


# /api/search
class SearchHitOut(ApiModel):
    ad_key: int
    source: str
    ad_id: str
    posted_at: str
    title: str | None
    snippet: str
    city: str | None
    state: str | None


class SearchOut(ApiModel):
    query: str
    kind: str  # what the query was taken as: phone | email | handle | image | text
    normalised: str | None  # e.g. the E.164 form of a phone
    hits: list[SearchHitOut]
    total: int
    order: str  # relevance (best match first) | newest (most recently added first)
    more: bool  # more ads match than `total` (the database stopped counting there)


# /api/ads/{ad_key}
class AdOut(ApiModel):
    ad_key: int
    id: str
    source: str
    posted_at: IsoTime
    body: str
    version: int
    url: str | None
    location: str | None
    title: str | None
    extra: dict[str, Any]
    image_hashes: list[str]


class ExtractionOut(ApiModel):
    """A value extracted from the ad, with its provenance: `ad[field][start:end] == raw`."""

    ad_key: int
    kind: str
    value: str
    raw: str
    field: str
    start: int
    end: int
    extractor: str
    version: str
    confidence: float
    attrs: dict[str, Any]


class FlagOut(ApiModel):
    """An indicator that fired: evidence for a person to judge, never a verdict."""

    indicator: str
    evidence: str
    weight: float
    field: str | None
    start: int | None
    end: int | None
    note: str
    level: str  # ad | network
    also: list[tuple[str, int, int]]  # further spans of the same indicator: (field, start, end)


class VersionOut(ApiModel):
    ad_key: int
    version: int
    posted_at: str
    ingested_at: str
    title: str | None


class PlaceOut(ApiModel):
    ad_key: int
    city: str | None
    state: str | None
    lat: float | None
    lon: float | None
    method: str | None  # location_field | text | area_code


class AdDetailOut(ApiModel):
    ad: AdOut
    entities: list[ExtractionOut]
    flags: list[FlagOut]
    score: float | None  # the ad's raw score: orders ads, is not a probability
    # The ad's place among all scored ads, and its lead's among all leads (with calibrated risk once
    # enough leads are reviewed): rank, of, top_percent, score, calibrated_risk, calibration_reviews, text
    standing: dict[str, Any] | None
    lead_standing: dict[str, Any] | None
    network: str | None
    versions: list[VersionOut]
    place: PlaceOut | None


# /api/networks/{network_id}/map
class StayOut(ApiModel):
    city: str
    state: str | None
    lat: float | None
    lon: float | None
    first_seen: str
    last_seen: str
    ads: int


class NetworkMapOut(ApiModel):
    network: str
    stays: list[StayOut]


# /api/networks/{network_id}/graph (Cytoscape.js elements; ad nodes alone carry the ad's fields)
class NodeData(ApiModel):
    id: str
    kind: str  # ad | phone | email | handle | image
    label: str
    ad_key: int | None = None
    href: str | None = None
    posted_at: str | None = None
    place: str | None = None


class NodeOut(ApiModel):
    data: NodeData


class EdgeData(ApiModel):
    id: str
    source: str
    target: str
    kind: str  # phone | email | handle | image | version | text
    weight: float
    evidence: str


class EdgeOut(ApiModel):
    data: EdgeData


class ElementsOut(ApiModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class NetworkGraphOut(ApiModel):
    network: str
    elements: ElementsOut
    ads_shown: int  # ad nodes drawn: the network's newest, at most api_routes.GRAPH_ADS
    ads_total: int  # the network's ads
