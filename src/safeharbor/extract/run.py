"""Run extraction over stored ads that need it, and store the results (incremental).

An ad needs extraction when it has never been extracted or was extracted by other extractor
versions. Results for an ad are replaced whole, in the same transaction that marks it done.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select

from safeharbor.extract import extract_ads, extract_version, load_plugins
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store, bulk_insert, open_store
from safeharbor.storage.reads import load_ads
from safeharbor.storage.schema import ad_places, ads, extract_state, extractions
from safeharbor.storage.times import now_iso
from safeharbor.storage.workers import worker_pool
from safeharbor.types import Extraction

log = logging.getLogger(__name__)

BATCH = 2500  # ads per worker task and per transaction (one fsync each)
PLURAL = {"city": "places", "age": "ages", "country": "countries"}
PARALLEL_FROM = 4000  # ads; below this a worker pool costs more than it saves


@dataclass
class ExtractSummary:
    ads: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    placed: int = 0

    def lines(self) -> list[str]:
        if not self.ads:
            return ["Extraction: nothing new to extract"]
        kinds = ", ".join(f"{n:,} {PLURAL.get(k, k + 's')}" for k, n in sorted(self.counts.items()))
        return [
            f"Extraction: {self.ads:,} ads -> {kinds or 'nothing found'}",
            f"  placed {self.placed:,} of {self.ads:,} ads in a US city",
        ]


def pending_keys(conn: Connection, rebuild: bool = False) -> list[int]:
    if rebuild:
        return list(conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key)).scalars())
    query = (
        select(ads.c.ad_key)
        .outerjoin(extract_state, extract_state.c.ad_key == ads.c.ad_key)
        .where((extract_state.c.ad_key.is_(None)) | (extract_state.c.extract_version != extract_version()))
        .order_by(ads.c.ad_key)
    )
    return list(conn.execute(query).scalars())


Rows = list[tuple[Any, ...]]
BatchResult = tuple[list[int], Rows, Rows, dict[str, int]]  # keys, extraction rows, place rows, counts
# Runs `extract_keys` over batches of ad keys, yielding each batch's result in batch order: the local
# worker pool by default; the Spark engine (safeharbor.spark) passes its own.
BatchRunner = Callable[[Store, list[list[int]]], Iterator[BatchResult]]


EXTRACTION_COLUMNS = (
    "ad_key",
    "kind",
    "value",
    "raw",
    "field",
    "span_start",
    "span_end",
    "extractor",
    "version",
    "confidence",
    "attrs",
)
PLACE_COLUMNS = ("ad_key", "city", "state", "lat", "lon", "method")


def _rows(results: list[list[Extraction]]) -> tuple[Rows, Rows, dict[str, int]]:
    """Table rows (tuples in *_COLUMNS order) for a batch, built in the worker so the writer only writes."""
    rows: Rows = []
    places: Rows = []
    counts: dict[str, int] = {}
    for found in results:
        for e in found:
            counts[e.kind] = counts.get(e.kind, 0) + 1
            rows.append(
                (
                    e.ad_key,
                    e.kind,
                    e.value,
                    e.raw,
                    e.field,
                    e.start,
                    e.end,
                    e.extractor,
                    e.version,
                    e.confidence,
                    _attrs_json(e.attrs),
                )
            )
            if e.kind == "city":
                a = e.attrs
                places.append(
                    (
                        e.ad_key,
                        a.get("city", e.value),
                        a.get("state"),
                        a.get("lat"),
                        a.get("lon"),
                        a.get("method"),
                    )
                )
    return rows, places, counts


def _attrs_json(attrs: dict[str, Any]) -> str:
    # Most attrs are one of a few small dicts ({"obfuscated": false, "style": "plain"}, ...):
    # serialise each distinct one once. The key holds each value's type, since False == 0 and
    # 1 == 1.0 compare (and hash) equal but serialise differently; floats are not cached (0.0 == -0.0).
    try:
        key = tuple((k, type(v), v) for k, v in attrs.items())
        if any(t is float for _, t, _ in key):
            return json.dumps(attrs, ensure_ascii=False)
        found = _ATTRS_JSON.get(key)
    except TypeError:  # an unhashable value (a list): serialise as is
        return json.dumps(attrs, ensure_ascii=False)
    if found is None:
        found = json.dumps(attrs, ensure_ascii=False)
        if len(_ATTRS_JSON) < 10_000:
            _ATTRS_JSON[key] = found
    return found


_ATTRS_JSON: dict[tuple[Any, ...], str] = {}
_worker_stores: dict[str, Store] = {}


def extract_keys(db_url: str, keys: list[int]) -> BatchResult:
    """Load these ads, extract them and build the rows; runs in a worker (WAL: readers never block)."""
    load_plugins()  # a worker process loads the plug-ins itself (idempotent)
    store = _worker_stores.get(db_url)
    if store is None:
        store = _worker_stores[db_url] = open_store(db_url, migrations=())
    with store.connect() as conn:
        batch = load_ads(conn, keys)
    return (keys, *_rows(extract_ads(batch)))


def _store_batch(conn: Connection, keys: list[int], rows: Rows, places: Rows) -> None:
    conn.execute(delete(extractions).where(extractions.c.ad_key.in_(keys)))
    conn.execute(delete(ad_places).where(ad_places.c.ad_key.in_(keys)))
    conn.execute(delete(extract_state).where(extract_state.c.ad_key.in_(keys)))
    bulk_insert(conn, extractions, EXTRACTION_COLUMNS, rows)
    bulk_insert(conn, ad_places, PLACE_COLUMNS, places)
    stamp = now_iso()
    conn.execute(
        extract_state.insert(),
        [{"ad_key": k, "extract_version": extract_version(), "extracted_at": stamp} for k in keys],
    )


def extract_pending(
    store: Store,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    runner: BatchRunner | None = None,
) -> ExtractSummary:
    """Extract every ad that needs it; `progress(done, total)` after each batch.

    With workers, each worker reads its batch of ads from the store and returns finished rows, so the
    main process does nothing but write, one transaction per batch.
    """
    load_plugins()  # partners' extractors join the built-in ones for this run
    with store.connect() as conn:
        keys = pending_keys(conn, rebuild)
    summary = ExtractSummary()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(keys) >= PARALLEL_FROM else 0
    batches = [list(batch) for batch in chunks(keys, BATCH)]
    results = runner(store, batches) if runner else _extract_batches(store, batches, workers)
    for batch_keys, rows, places, counts in results:
        with store.begin() as conn:
            _store_batch(conn, batch_keys, rows, places)
        summary.ads += len(batch_keys)
        summary.placed += len(places)
        for kind, n in counts.items():
            summary.counts[kind] = summary.counts.get(kind, 0) + n
        if progress:
            progress(summary.ads, len(keys))
    log.info(
        "extract: %d ads (%d placed) in %d batches, %d workers",
        summary.ads,
        summary.placed,
        len(batches),
        workers,
    )
    return summary


def _extract_batches(store: Store, batches: list[list[int]], workers: int) -> Iterator[BatchResult]:
    if workers <= 1 or not store.backend.supports_worker_processes:
        for batch_keys in batches:
            yield extract_keys_in(store, batch_keys)
        return
    with worker_pool(workers) as pool:
        pending = []
        for batch_keys in batches:  # bounded look-ahead: memory stays flat however many ads
            pending.append(pool.submit(extract_keys, store.url, batch_keys))
            if len(pending) > workers * 2:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def extract_keys_in(store: Store, keys: list[int]) -> BatchResult:
    with store.connect() as conn:
        batch = load_ads(conn, keys)
    return (keys, *_rows(extract_ads(batch)))
