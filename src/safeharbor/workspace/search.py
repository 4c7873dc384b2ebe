"""Search over ads: full text (the backend's: SQLite FTS5 / PostgreSQL tsvector) and exact identifiers.

A query that looks like a phone number in any spelling ("214.555.0134", "two one four 555 o134")
is normalised to E.164 and matched against extracted phones; emails, @handles and 16-hex image
hashes are matched exactly; anything else is full text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, func, select

from safeharbor.extract import phones
from safeharbor.storage.backends import backend_of
from safeharbor.storage.engine import Store
from safeharbor.storage.reads import ad_summaries
from safeharbor.storage.schema import ad_images, extractions

SearchKind = Literal["auto", "text", "phone", "email", "handle", "image"]

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_HANDLE = re.compile(r"^@[\w.]{2,40}$")
_PHASH = re.compile(r"^[0-9a-fA-F]{16}$")


@dataclass(frozen=True, slots=True)
class SearchHit:
    ad_key: int
    source: str
    ad_id: str
    posted_at: str
    title: str | None
    snippet: str
    city: str | None
    state: str | None


@dataclass(slots=True)
class SearchResult:
    query: str
    kind: str  # what the query was taken as
    normalised: str | None  # e.g. the E.164 form of a phone
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    offset: int = 0  # the hits are results offset+1 .. offset+len(hits) of total
    # "relevance" (best match first) or "newest" (most recently added first: exact identifiers, text on
    # PostgreSQL, and text matching more ads than SQLite ranks: storage.backends.RANKED_MATCHES_AT_MOST)
    order: str = "newest"
    order_note: str = ""  # why the order is what it is, when that needs saying
    more: bool = False  # more ads match than `total`: the database stopped counting there

    @property
    def order_words(self) -> str:
        """What order the hits are in, in words the page shows."""
        words = "best match first" if self.order == "relevance" else "most recently added first"
        return f"{words} ({self.order_note})" if self.order_note else words

    @property
    def first(self) -> int:
        return self.offset + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.hits)


def normalise_phone(query: str) -> str | None:
    """E.164 for a phone written in any spelling the extractor reads, else None (one normaliser)."""
    return phones.normalise(query)


def classify(query: str) -> tuple[str, str | None]:
    """What an 'auto' query is: (kind, normalised value)."""
    q = query.strip()
    if _EMAIL.match(q):
        return "email", q.lower()
    if _HANDLE.match(q):
        return "handle", q
    if _PHASH.match(q) and not q.isdigit():
        return "image", q.lower()
    phone = normalise_phone(q)
    if phone:
        return "phone", phone
    return "text", None


def _keys_for_exact(
    conn: Connection, kind: str, value: str, limit: int, offset: int = 0
) -> tuple[list[int], int]:
    if kind == "image":
        base = select(ad_images.c.ad_key).where(ad_images.c.phash == value).distinct()
    else:
        values = [value]
        if kind == "handle":  # handles match whatever their case
            base = (
                select(extractions.c.ad_key)
                .where(extractions.c.kind == "handle", func.lower(extractions.c.value) == value.lower())
                .distinct()
            )
        else:
            base = (
                select(extractions.c.ad_key)
                .where(extractions.c.kind == kind, extractions.c.value.in_(values))
                .distinct()
            )
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    ordered = base.order_by(base.selected_columns[0].desc()).limit(limit).offset(offset)
    keys = list(conn.execute(ordered).scalars())
    return keys, total


def search(
    conn: Connection, query: str, *, kind: SearchKind = "auto", limit: int = 50, offset: int = 0
) -> SearchResult:
    """Ads matching `query`, newest or best first, `limit` of them from `offset` (with the total);
    snippets mark matches with \\x02 … \\x03."""
    query = query.strip()[:300]
    if not query:
        return SearchResult(query=query, kind="text", normalised=None)
    if kind == "auto":
        taken, normalised = classify(query)
    elif kind == "phone":
        taken, normalised = "phone", normalise_phone(query)
    elif kind == "email":
        taken, normalised = "email", query.lower()
    elif kind == "handle":
        taken, normalised = "handle", query if query.startswith("@") else "@" + query
    elif kind == "image":
        taken, normalised = "image", query.lower()
    else:
        taken, normalised = "text", None
    snippets: dict[int, str] = {}
    order, note, more = "newest", "", False
    if taken == "text":
        found = backend_of(conn).search_text(conn, query, limit, offset)
        keys, total, snippets = found.keys, found.total, found.snippets
        order, note, more = found.order, found.order_note, found.more
    elif normalised is None:
        keys, total = [], 0
    else:
        keys, total = _keys_for_exact(conn, taken, normalised, limit, offset)
    result = SearchResult(
        query=query,
        kind=taken,
        normalised=normalised,
        total=total,
        offset=offset,
        order=order,
        order_note=note,
        more=more,
    )
    if not keys:
        return result
    rows = ad_summaries(conn, keys, with_body=True)
    for key in keys:
        r = rows.get(key)
        if r is None:
            continue
        body = r.body or ""
        snippet = snippets.get(key) or (body[:160] + ("…" if len(body) > 160 else ""))
        result.hits.append(SearchHit(key, r.source, r.ad_id, r.posted_at, r.title, snippet, r.city, r.state))
    return result


def rebuild_index(conn: Connection) -> None:
    """Rebuild the full-text index from the ads table (where the database keeps one of its own)."""
    backend_of(conn).update_text_index(conn, rebuild=True)


@dataclass
class IndexSummary:
    indexed: int = 0

    def lines(self) -> list[str]:
        if not self.indexed:
            return ["Search index: up to date"]
        return [f"Search index: {self.indexed:,} new ads indexed for full-text search"]


def update_index(store: Store, *, rebuild: bool = False) -> IndexSummary:
    """Index ads added since the last run (the `analyze` stage after extraction). SQLite's FTS5 index
    is kept here; PostgreSQL keeps its expression index up to date by itself."""
    with store.begin() as conn:
        return IndexSummary(indexed=store.backend.update_text_index(conn, rebuild=rebuild))
