"""Reading ads and their extractions back as domain types (shared by every later stage)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, String, func, select, type_coerce

from safeharbor.storage.batching import BATCH, sorted_chunks
from safeharbor.storage.batching import chunks as _chunks
from safeharbor.storage.schema import ad_images, ad_places, ads, extractions
from safeharbor.storage.times import format_time, parse_time
from safeharbor.types import Ad, Extraction

__all__ = ["BATCH", "format_time", "parse_time"]  # re-exported for the readers that import them here


def distinct_indexed(conn: Connection, column: Column[Any]) -> list[Any]:
    """The distinct non-null values of a column that leads an index, in order, one index probe each.

    SELECT DISTINCT reads every row (60 ms for `ads.source` at 1M ads); neither SQLite nor PostgreSQL
    skips through an index by itself, so this jumps from each value to the next (`min(col) > value`).
    For columns with few values: the workspace's filter drop-downs.
    """
    found: list[Any] = []
    value = conn.execute(select(func.min(column))).scalar()
    while value is not None:
        found.append(value)
        value = conn.execute(select(func.min(column)).where(column > value)).scalar()
    return found


def image_hashes_for(conn: Connection, ad_keys: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ad_keys):
        rows = conn.execute(
            select(ad_images.c.ad_key, ad_images.c.phash)
            .where(ad_images.c.ad_key.in_(chunk), ad_images.c.phash.is_not(None))
            .order_by(ad_images.c.ad_key, ad_images.c.position)
        )
        for ad_key, phash in rows:
            found[ad_key].append(phash)
    return {k: tuple(v) for k, v in found.items()}


def _row_to_ad(row: object, hashes: dict[int, tuple[str, ...]]) -> Ad:
    r = row._mapping  # type: ignore[attr-defined]
    return Ad(
        ad_key=r["ad_key"],
        id=r["ad_id"],
        source=r["source"],
        posted_at=parse_time(r["posted_at"]),
        body=r["body"],
        version=r["version"],
        url=r["url"],
        location=r["location"],
        title=r["title"],
        extra=r["extra"] or {},
        image_hashes=hashes.get(r["ad_key"], ()),
    )


def load_ads(conn: Connection, ad_keys: Sequence[int]) -> list[Ad]:
    """The ads with these keys, in key order."""
    out: list[Ad] = []
    for chunk in _chunks(sorted(ad_keys)):
        hashes = image_hashes_for(conn, chunk)
        rows = conn.execute(select(ads).where(ads.c.ad_key.in_(chunk)).order_by(ads.c.ad_key))
        out.extend(_row_to_ad(row, hashes) for row in rows)
    return out


def iter_ads(conn: Connection, *, after_key: int = 0, batch: int = BATCH) -> Iterator[list[Ad]]:
    """All ads in key order, in batches (constant memory)."""
    last = after_key
    while True:
        rows = conn.execute(select(ads).where(ads.c.ad_key > last).order_by(ads.c.ad_key).limit(batch)).all()
        if not rows:
            return
        keys = [row.ad_key for row in rows]
        hashes = image_hashes_for(conn, keys)
        yield [_row_to_ad(row, hashes) for row in rows]
        last = keys[-1]


def _decoded_attrs(raw: object) -> dict[str, Any]:
    # SQLite hands back the JSON text; PostgreSQL's driver decodes json columns itself.
    if isinstance(raw, dict):
        return raw
    if not raw or raw == "{}":
        return {}
    decoded = json.loads(str(raw))
    return decoded if isinstance(decoded, dict) else {}


def extractions_for(
    conn: Connection,
    ad_keys: Iterable[int],
    kinds: Iterable[str] | None = None,
    *,
    attrs_of: Iterable[str] | None = None,
) -> dict[int, list[Extraction]]:
    """Extractions of these ads, grouped by ad_key, in text order.

    `attrs_of` names the kinds whose attrs are decoded (default: all); hot callers that need only
    some skip the JSON decoding of the rest.
    """
    keys = sorted(set(ad_keys))
    wanted = set(kinds) if kinds is not None else None
    decode = set(attrs_of) if attrs_of is not None else None
    raw_attrs = type_coerce(extractions.c.attrs, String).label("attrs")  # text: decoded below, lazily
    x = extractions.c
    # The id first (the same columns, so the same query plan and order of ties as ever), then
    # Extraction's fields in order: rows become objects positionally. At 100k+ rows per stage, reading
    # columns by name and building by keyword cost several times the fetch itself.
    columns = (x.extraction_id, x.ad_key, x.kind, x.value, x.raw, x.field, x.span_start, x.span_end,
               x.extractor, x.version, x.confidence, raw_attrs)  # fmt: skip
    found: dict[int, list[Extraction]] = defaultdict(list)
    for chunk in _chunks(keys):
        # Kinds are filtered here, not in SQL: with `kind IN (...)` SQLite picks the (kind, value)
        # index and scans every extraction of those kinds instead of looking up these ads.
        query = select(*columns).where(x.ad_key.in_(chunk)).order_by(x.ad_key, x.field, x.span_start)
        for row in conn.execute(query):
            _, ad_key, kind, value, raw, field, start, end, extractor, version, confidence, text = row
            if wanted is not None and kind not in wanted:
                continue
            attrs = _decoded_attrs(text) if decode is None or kind in decode else {}
            found[ad_key].append(
                Extraction(ad_key, kind, value, raw, field, start, end, extractor, version, confidence, attrs)
            )
    return dict(found)


@dataclass(frozen=True, slots=True)
class AdSummary:
    """An ad as lists show it: which posting, when, and where it was placed (city/state None if nowhere)."""

    ad_key: int
    source: str
    ad_id: str
    version: int
    posted_at: str
    title: str | None
    url: str | None
    city: str | None
    state: str | None
    body: str | None = None  # only when asked for (`with_body=True`): lists rarely need the text

    @property
    def label(self) -> str:
        """The title, or the posting's source and id when it has none."""
        return self.title or f"{self.source} {self.ad_id}"


def ad_summaries(
    conn: Connection, ad_keys: Iterable[int], *, with_body: bool = False
) -> dict[int, AdSummary]:
    """Summaries of these ads by ad_key (unknown keys are absent), each with its place."""
    columns = [
        ads.c.ad_key,
        ads.c.source,
        ads.c.ad_id,
        ads.c.version,
        ads.c.posted_at,
        ads.c.title,
        ads.c.url,
        ad_places.c.city,
        ad_places.c.state,
    ]
    if with_body:
        columns.append(ads.c.body)
    query = select(*columns).select_from(ads.outerjoin(ad_places, ad_places.c.ad_key == ads.c.ad_key))
    found: dict[int, AdSummary] = {}
    for chunk in sorted_chunks(ad_keys):
        for r in conn.execute(query.where(ads.c.ad_key.in_(chunk))):
            found[r.ad_key] = AdSummary(
                r.ad_key,
                r.source,
                r.ad_id,
                r.version,
                r.posted_at,
                r.title,
                r.url,
                r.city,
                r.state,
                r.body if with_body else None,
            )  # fmt: skip
    return found
