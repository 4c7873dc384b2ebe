"""Validation of one input record against the ingest contract (docs/formats.md).

Returns either a ValidAd or the reason the record is set aside; never raises on bad data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from safeharbor.storage.times import format_time
from safeharbor.types import ImageHash

CONTRACT_FIELDS = ("id", "source", "url", "posted_at", "location", "title", "body", "images")
REQUIRED = ("id", "source", "posted_at", "body")
OPTIONAL_TEXT = ("url", "location", "title")
MAX_IMAGES = 50
MAX_DEPTH = 32  # nesting of objects/lists in a record (extra fields); deeper is no ad
# Lengths the store's columns hold (storage.schema): longer would fail the whole write on PostgreSQL.
MAX_LENGTH = {"id": 300, "source": 200}
# An online ad posted before 1990 or after 2099 is a broken clock or a typo, not an ad: set aside,
# so an odd year (0001, 9999 moved past the year's end by its offset) never reaches the store.
EARLIEST = "1990-01-01T00:00:00Z"
LATEST = "2099-12-31T23:59:59Z"


@dataclass(slots=True)
class ValidAd:
    source: str
    ad_id: str
    posted_at: str  # normalised: ISO 8601 UTC ending in Z
    body: str
    content_hash: str
    url: str | None = None
    location: str | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    image_hashes: list[ImageHash] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def parse_posted_at(value: str) -> str | None:
    """ISO 8601 -> 'YYYY-MM-DDTHH:MM:SSZ' in UTC; a time with no offset is taken as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return format_time(moment)
    except OverflowError:  # an offset that moves the time past year 9999 or before year 1
        return None


def _walk(value: object, where: str) -> Iterator[tuple[str, object, int]]:
    """Every value inside a record with the field it sits in and its depth (iterative: no recursion)."""
    stack: list[tuple[str, object, int]] = [(where, value, 0)]
    while stack:
        name, item, depth = stack.pop()
        yield name, item, depth
        if isinstance(item, dict):
            stack.extend((name, k, depth + 1) for k in item)
            stack.extend((name, v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((name, v, depth + 1) for v in item)


def text_problem(record: dict[str, Any]) -> str | None:
    """Why a record's values cannot be stored as text (lone surrogates, NUL, nesting), or None.

    A lone surrogate (a JSON escape such as \\ud800 with no pair) cannot be encoded as UTF-8 and a
    NUL cannot be stored in PostgreSQL text: either would fail the write of every ad beside it.
    """
    for field_name, value in record.items():
        for _, item, depth in _walk(value, str(field_name)):
            if depth > MAX_DEPTH:
                return f"`{_shown(field_name)}` is nested more than {MAX_DEPTH} levels deep"
            if not isinstance(item, str):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])
                where = _shown(field_name)
                return f"`{where}` contains a lone surrogate escape (\\u{code:04x}), which is not text"
            if "\x00" in item:
                return f"`{_shown(field_name)}` contains a NUL character (\\u0000)"
        if isinstance(field_name, str):
            try:
                field_name.encode("utf-8")
            except UnicodeEncodeError:
                return "a field name contains a lone surrogate escape, which is not text"
            if "\x00" in field_name:
                return "a field name contains a NUL character (\\u0000)"
    return None


def _shown(name: object) -> str:
    return str(name).encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\u0000")[:60]


def content_hash(title: str | None, body: str) -> str:
    """What makes a new version: a changed title or body (reposts with a new id are new ads)."""
    data = json.dumps([title or "", body], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]


def validate(record: object) -> ValidAd | str:
    """A ValidAd, or the reason (a sentence) the record is set aside."""
    if not isinstance(record, dict):
        return f"expected a JSON object, got {_type_name(record)}"
    missing = [name for name in REQUIRED if record.get(name) is None]
    if missing:
        return (
            "missing required field"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(f"`{m}`" for m in missing)
        )
    for name in ("id", "source", "posted_at", "body"):
        if not isinstance(record[name], str):
            return f"`{name}` must be a string, got {_type_name(record[name])}"
    for name in ("id", "source"):
        if not record[name].strip():
            return f"`{name}` is empty"
    problem = text_problem(record)
    if problem is not None:
        return problem
    for name, limit in MAX_LENGTH.items():
        if len(record[name].strip()) > limit:
            return (
                f"`{name}` is {len(record[name].strip()):,} characters long, over the {limit}-character limit"
            )
    for name in OPTIONAL_TEXT:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f"`{name}` must be a string or null, got {_type_name(value)}"
    posted = parse_posted_at(record["posted_at"])
    if posted is None:
        return f"`posted_at` is not an ISO 8601 date-time: {record['posted_at'][:60]!r}"
    if not EARLIEST <= posted <= LATEST:
        return (
            f"`posted_at` {record['posted_at'][:60]!r} is implausible for an online ad "
            f"(accepted: years 1990 to 2099)"
        )
    images = record.get("images")
    if images is None:
        images = []
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        return f"`images` must be a list of strings, got {_type_name(images)}"
    notes = []
    if len(images) > MAX_IMAGES:
        notes.append(f"{len(images)} images listed; only the first {MAX_IMAGES} were hashed")
        images = images[:MAX_IMAGES]
    extra = {k: v for k, v in record.items() if k not in CONTRACT_FIELDS}
    title = record.get("title")
    return ValidAd(
        source=record["source"].strip(),
        ad_id=record["id"].strip(),
        posted_at=posted,
        body=record["body"],
        content_hash=content_hash(title, record["body"]),
        url=record.get("url"),
        location=record.get("location"),
        title=title,
        extra=extra,
        images=list(images),
        notes=notes,
    )
