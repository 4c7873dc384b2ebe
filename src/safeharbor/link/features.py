"""Per-ad linking features, computed once per ad version (and again when its extraction changes).

Reads the ad, its extractions and its place; writes `link_features` (place, time, masked-text
shingles, working names) and `link_idents` (phones, emails, handles, image hashes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, delete, select

from safeharbor.link.tables import link_features, link_idents
from safeharbor.link.text.tokens import (
    MASKED_KINDS,
    ad_tokens,
    batch_shingles,
    city_mentions,
    shingle_hashes,
    words_of,
)
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store, bulk_insert, open_store
from safeharbor.storage.reads import format_time
from safeharbor.storage.schema import ad_images, ad_places, ads, extractions
from safeharbor.types import Ad, Extraction

SEP = "\x1f"
IDENT_EXTRACTION_KINDS = ("phone", "email", "handle")


@dataclass(frozen=True, slots=True)
class Place:
    city: str | None
    state: str | None
    lat: float | None
    lon: float | None


def posting_key(source: str, ad_id: str) -> str:
    return f"{source}{SEP}{ad_id}"


def normalise_ident(kind: str, value: str) -> str:
    value = value.strip()
    if kind in ("email", "handle", "image"):
        return value.lower()
    return value


def idents_of(ad: Ad, found: Sequence[Extraction]) -> list[tuple[str, str]]:
    """(kind, value) identifiers of one ad, unique, in a stable order."""
    seen: dict[tuple[str, str], None] = {}
    for e in found:
        if e.kind in IDENT_EXTRACTION_KINDS and e.value:
            seen[(e.kind, normalise_ident(e.kind, e.value))] = None
    for h in ad.image_hashes:
        if h:
            seen[("image", h.lower())] = None
    return list(seen)


def names_of(found: Sequence[Extraction]) -> list[str]:
    return sorted({e.value.strip().lower() for e in found if e.kind == "name" and e.value.strip()})


def feature_rows(
    ad: Ad, found: Sequence[Extraction], place: Place | None, extract_version: str
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The link_features row and link_idents rows of one ad (pure)."""
    shingles = shingle_hashes(ad_tokens(ad.title, ad.body, found))
    row: dict[str, object] = {
        "ad_key": ad.ad_key,
        "posting": posting_key(ad.source, ad.id),
        "posted_at": format_time(ad.posted_at),
        "city": place.city if place else None,
        "state": place.state if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "extract_version": extract_version,
        "shingles": shingles.astype("<u4").tobytes(),
        "names": SEP.join(names_of(found)),
    }
    idents = [{"ad_key": ad.ad_key, "kind": k, "value": v} for k, v in idents_of(ad, found)]
    return row, idents


def places_for(conn: Connection, ad_keys: Sequence[int]) -> dict[int, Place]:
    out: dict[int, Place] = {}
    for chunk in chunks(ad_keys):
        query = select(
            ad_places.c.ad_key, ad_places.c.city, ad_places.c.state, ad_places.c.lat, ad_places.c.lon
        )
        for key, city, state, lat, lon in conn.execute(query.where(ad_places.c.ad_key.in_(chunk))):
            out[key] = Place(city, state, lat, lon)
    return out


FEATURE_COLUMNS = (
    "ad_key",
    "posting",
    "posted_at",
    "city",
    "state",
    "lat",
    "lon",
    "extract_version",
    "shingles",
    "names",
)
IDENT_COLUMNS = ("ad_key", "kind", "value")
Rows = list[tuple[object, ...]]


def feature_rows_for(conn: Connection, keys: Sequence[int], versions: dict[int, str]) -> tuple[Rows, Rows]:
    """link_features and link_idents rows (tuples in column order) of these ads; reads only.

    Reads only the columns it needs (no JSON decoding) and shingles the batch in one vectorised
    pass: this is the per-ad cost of linking, paid once per ad.
    """
    rows = conn.execute(
        select(ads.c.ad_key, ads.c.source, ads.c.ad_id, ads.c.posted_at, ads.c.title, ads.c.body)
        .where(ads.c.ad_key.in_(list(keys)))
        .order_by(ads.c.ad_key)
    ).all()
    masks: dict[tuple[int, str], list[tuple[int, int, str]]] = defaultdict(list)
    idents: dict[int, dict[tuple[str, str], None]] = defaultdict(dict)
    names: dict[int, set[str]] = defaultdict(set)
    city_of: dict[int, str] = {}
    found = select(
        extractions.c.ad_key,
        extractions.c.kind,
        extractions.c.value,
        extractions.c.field,
        extractions.c.span_start,
        extractions.c.span_end,
    ).where(extractions.c.ad_key.in_(list(keys)))
    for key, kind, value, field, start, end in conn.execute(found):
        if kind in MASKED_KINDS:
            masks[(key, field)].append((start, end, kind))
        if kind == "city" and value:
            city_of[key] = value
        if kind in IDENT_EXTRACTION_KINDS and value:
            idents[key][(kind, normalise_ident(kind, value))] = None
        elif kind == "name" and value.strip():
            names[key].add(value.strip().lower())
    images = select(ad_images.c.ad_key, ad_images.c.phash).where(
        ad_images.c.ad_key.in_(list(keys)), ad_images.c.phash.is_not(None)
    )
    for key, phash in conn.execute(images.order_by(ad_images.c.ad_key, ad_images.c.position)):
        idents[key][("image", phash.lower())] = None
    places = places_for(conn, keys)
    docs = [
        words_of(r.title or "", _masks(masks, r.ad_key, "title", r.title, city_of))
        + words_of(r.body or "", _masks(masks, r.ad_key, "body", r.body, city_of))
        for r in rows
    ]
    feature_rows: Rows = []
    ident_rows: Rows = []
    for r, sh in zip(rows, batch_shingles(docs), strict=True):
        place = places.get(r.ad_key) or Place(None, None, None, None)
        feature_rows.append(
            (
                r.ad_key,
                posting_key(r.source, r.ad_id),
                r.posted_at,
                place.city,
                place.state,
                place.lat,
                place.lon,
                versions[r.ad_key],
                sh.astype("<u4").tobytes(),
                SEP.join(sorted(names.get(r.ad_key, ()))),
            )
        )
        ident_rows.extend((r.ad_key, k, v) for k, v in idents.get(r.ad_key, {}))
    return feature_rows, ident_rows


def _masks(
    masks: dict[tuple[int, str], list[tuple[int, int, str]]],
    key: int,
    field: str,
    text: str | None,
    city_of: dict[int, str],
) -> list[tuple[int, int, str]]:
    """One field's masks: its extracted slots and the mentions of the ad's placed city (as `tokens_of`)."""
    return sorted(masks.get((key, field), []) + city_mentions(text or "", city_of.get(key)))


def store_features(conn: Connection, keys: Sequence[int], feature_rows: Rows, ident_rows: Rows) -> int:
    """Replace the stored features of these ads; returns how many ads got features."""
    conn.execute(delete(link_features).where(link_features.c.ad_key.in_(list(keys))))
    conn.execute(delete(link_idents).where(link_idents.c.ad_key.in_(list(keys))))
    bulk_insert(conn, link_features, FEATURE_COLUMNS, feature_rows)
    bulk_insert(conn, link_idents, IDENT_COLUMNS, ident_rows)
    return len(feature_rows)


def compute_features(conn: Connection, ad_keys: Sequence[int], versions: dict[int, str]) -> int:
    """Compute and store features of these ads in one connection; returns how many."""
    keys = sorted(ad_keys)
    if not keys:
        return 0
    feature_rows, ident_rows = feature_rows_for(conn, keys, versions)
    return store_features(conn, keys, feature_rows, ident_rows)


_worker_stores: dict[str, Store] = {}


def feature_rows_in_worker(
    db_url: str, keys: list[int], versions: dict[int, str]
) -> tuple[list[int], Rows, Rows]:
    """feature_rows_for in a worker process (WAL: readers never block the writer)."""
    store = _worker_stores.get(db_url)
    if store is None:
        store = _worker_stores[db_url] = open_store(db_url, migrations=())
    with store.connect() as conn:
        return (keys, *feature_rows_for(conn, keys, versions))


def shingles_from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)
