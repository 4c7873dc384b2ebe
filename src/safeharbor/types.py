"""Domain types shared by every stage (ingest -> extract -> link -> score -> serve/export).

Stages are pure functions over these types; the storage layer turns rows into them and back.
Keep this module free of I/O so that every stage can import it cheaply.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

# The largest id a person may name (in a URL, a form, a typed reference): PostgreSQL's INTEGER ends
# here, and no store comes near it. Anything bigger (or negative) is refused with a readable message,
# never passed to the database.
MAX_ID = 2_147_483_647

# What an extraction is about. Exported names in docs/formats.md map onto these kinds.
ExtractionKind = Literal["phone", "email", "handle", "age", "name", "price", "city", "country"]
# Which text of the ad a span points into. "location" is the ad's free-text location field.
AdField = Literal["title", "body", "location"]


@dataclass(frozen=True, slots=True)
class Ad:
    """One ingested version of an ad, as the partner sent it (immutable once stored)."""

    ad_key: int  # storage row id of this version; stable, used by every derived table
    id: str  # the ad's id within its source (docs/formats.md `id`)
    source: str
    posted_at: datetime  # timezone-aware, UTC
    body: str
    version: int = 1
    url: str | None = None
    location: str | None = None
    title: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # unknown input fields, kept as-is
    image_hashes: tuple[str, ...] = ()  # perceptual hashes (hex) of the images that could be read

    def field_text(self, name: AdField) -> str:
        """The text a span's `field` points into ('' when the ad has no such field)."""
        value = {"title": self.title, "body": self.body, "location": self.location}[name]
        return value or ""


@dataclass(frozen=True, slots=True)
class Span:
    """What an extractor found in one text: raw == text[start:end], value is the normalised form."""

    start: int
    end: int
    raw: str
    value: str
    confidence: float = 1.0
    attrs: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Extraction:
    """A value extracted from an ad, with its provenance.

    Invariant (tested): ad.field_text(field)[start:end] == raw.
    """

    ad_key: int
    kind: ExtractionKind
    value: str  # normalised: E.164 phone, lower-case email, '@handle', '19', 'Candy', 'Dallas'
    raw: str  # the text exactly as written in the ad
    field: AdField
    start: int
    end: int
    extractor: str  # e.g. "phones"
    version: str  # extractor version, so a changed extractor can re-run on old ads
    confidence: float = 1.0
    attrs: dict[str, Any] = dataclasses.field(
        default_factory=dict
    )  # e.g. {"state": "TX"}, {"platform": "instagram"}


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input line that was set aside at ingest, and why."""

    file: str
    line: int
    reason: str
    raw: str  # the offending line, truncated for storage


@dataclass(frozen=True, slots=True)
class ImageHash:
    """A perceptual hash computed at ingest; the pixels themselves are never kept."""

    ref: str  # the image reference as written in the ad
    phash: str | None  # 64-bit pHash as 16 hex chars; None when the image could not be read
    status: Literal["ok", "missing", "unreadable", "refused"] = "ok"
    reason: str | None = None
