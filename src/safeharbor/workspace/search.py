"""Search over ads: full text (SQLite FTS5 / PostgreSQL tsvector) and exact identifiers.

A query that looks like a phone number in any spelling ("214.555.0134", "two one four 555 o134")
is normalised to E.164 and matched against extracted phones; emails, @handles and 16-hex image
hashes are matched exactly; anything else is full text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import phonenumbers
from sqlalchemy import Connection, func, select, text

from safeharbor.storage.reads import ad_summaries
from safeharbor.storage.schema import ad_images, ads, extractions

SearchKind = Literal["auto", "text", "phone", "email", "handle", "image"]

_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
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


def normalise_phone(query: str) -> str | None:
    """E.164 for a US phone written in any spelling, else None."""
    finder: Callable[[str], list[Any]] | None
    try:
        from safeharbor.extract.phones import find_phones as finder  # the extractor's rules, when present
    except ImportError:
        finder = None
    if finder is not None:
        try:
            spans = finder(query)
        except Exception:  # noqa: BLE001 - an extractor bug must not break search
            spans = []
        if spans:
            return str(spans[0].value)
    words = re.findall(r"[a-zA-Z]+|\d+", query.lower())
    digits = ""
    for word in words:
        if word.isdigit():
            digits += word
        elif word in _WORD_DIGITS:
            digits += _WORD_DIGITS[word]
        elif word in ("l", "i"):
            digits += "1"
        else:
            return None
    if not 10 <= len(digits) <= 11:
        return None
    try:
        number = phonenumbers.parse(digits, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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


def fts_query(query: str) -> str:
    """User words as an FTS5 query: each word a quoted prefix term, all required."""
    words = re.findall(r"\w+", query, flags=re.UNICODE)
    return " ".join(f'"{w}"*' for w in words[:12])


def _keys_for_exact(conn: Connection, kind: str, value: str, limit: int) -> tuple[list[int], int]:
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
    keys = list(conn.execute(base.order_by(base.selected_columns[0].desc()).limit(limit)).scalars())
    return keys, total


def _keys_for_text(conn: Connection, query: str, limit: int) -> tuple[list[int], int, dict[int, str]]:
    if conn.dialect.name == "sqlite":
        match = fts_query(query)
        if not match:
            return [], 0, {}
        total = int(
            conn.execute(
                text("SELECT count(*) FROM ads_fts WHERE ads_fts MATCH :q"), {"q": match}
            ).scalar_one()
        )
        rows = conn.execute(
            text(
                "SELECT rowid, snippet(ads_fts, 1, '\x02', '\x03', ' … ', 16) FROM ads_fts "
                "WHERE ads_fts MATCH :q ORDER BY rank LIMIT :n"
            ),
            {"q": match, "n": limit},
        ).all()
        return [r[0] for r in rows], total, {r[0]: r[1] for r in rows}
    doc = "to_tsvector('simple', coalesce(title,'') || ' ' || body || ' ' || coalesce(location,''))"
    cond = f"{doc} @@ plainto_tsquery('simple', :q)"
    total = int(conn.execute(text(f"SELECT count(*) FROM ads WHERE {cond}"), {"q": query}).scalar_one())
    keys = list(
        conn.execute(
            text(f"SELECT ad_key FROM ads WHERE {cond} ORDER BY ad_key DESC LIMIT :n"),
            {"q": query, "n": limit},
        ).scalars()
    )
    return keys, total, {}


def search(conn: Connection, query: str, *, kind: SearchKind = "auto", limit: int = 50) -> SearchResult:
    """Ads matching `query`, newest or best first; snippets mark matches with \\x02 … \\x03."""
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
    if taken == "text":
        keys, total, snippets = _keys_for_text(conn, query, limit)
    elif normalised is None:
        keys, total = [], 0
    else:
        keys, total = _keys_for_exact(conn, taken, normalised, limit)
    result = SearchResult(query=query, kind=taken, normalised=normalised, total=total)
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
    """Rebuild the full-text index from the ads table (SQLite; PostgreSQL indexes the expression)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO ads_fts(ads_fts) VALUES ('rebuild')"))
        conn.execute(
            text("UPDATE ws_search_state SET last_ad_key = (SELECT coalesce(max(ad_key), 0) FROM ads)")
        )


@dataclass
class IndexSummary:
    indexed: int = 0

    def lines(self) -> list[str]:
        if not self.indexed:
            return ["Search index: up to date"]
        return [f"Search index: {self.indexed:,} new ads indexed for full-text search"]


def update_index(store: Any, *, rebuild: bool = False) -> IndexSummary:
    """Index ads added since the last run (the `analyze` stage after extraction). SQLite FTS5 only;
    PostgreSQL keeps its expression index up to date by itself."""
    summary = IndexSummary()
    if store.dialect != "sqlite":
        return summary
    with store.begin() as conn:
        if rebuild:
            rebuild_index(conn)
            summary.indexed = conn.execute(select(func.count()).select_from(ads)).scalar_one()
            return summary
        last = conn.execute(text("SELECT last_ad_key FROM ws_search_state WHERE id = 1")).scalar_one()
        newest = conn.execute(select(func.coalesce(func.max(ads.c.ad_key), 0))).scalar_one()
        if newest > last:
            conn.execute(
                text(
                    "INSERT INTO ads_fts(rowid, title, body, location) "
                    "SELECT ad_key, title, body, location FROM ads WHERE ad_key > :last"
                ),
                {"last": last},
            )
            conn.execute(text("UPDATE ws_search_state SET last_ad_key = :newest"), {"newest": newest})
            summary.indexed = newest - last
    return summary
