"""Run extraction over stored ads that need it, and store the results (incremental).

An ad needs extraction when it has never been extracted or was extracted by other extractor
versions. Results for an ad are replaced whole, in the same transaction that marks it done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select

from safeharbor.extract import EXTRACT_VERSION, extract_ads
from safeharbor.ingest.writer import now_iso
from safeharbor.storage.engine import Store
from safeharbor.storage.reads import load_ads
from safeharbor.storage.schema import ad_places, ads, extract_state, extractions
from safeharbor.types import Extraction

BATCH = 2000
WORKER_SLICE = 250
PARALLEL_FROM = 4000  # ads; below this a worker pool costs more than it saves


@dataclass
class ExtractSummary:
    ads: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    placed: int = 0

    def lines(self) -> list[str]:
        if not self.ads:
            return ["Extraction: nothing new to extract"]
        kinds = ", ".join(f"{n:,} {k}s" for k, n in sorted(self.counts.items()))
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
        .where((extract_state.c.ad_key.is_(None)) | (extract_state.c.extract_version != EXTRACT_VERSION))
        .order_by(ads.c.ad_key)
    )
    return list(conn.execute(query).scalars())


def _store_batch(conn: Connection, keys: list[int], results: list[list[Extraction]], summary: ExtractSummary) -> None:
    conn.execute(delete(extractions).where(extractions.c.ad_key.in_(keys)))
    conn.execute(delete(ad_places).where(ad_places.c.ad_key.in_(keys)))
    conn.execute(delete(extract_state).where(extract_state.c.ad_key.in_(keys)))
    rows = []
    places = []
    for found in results:
        for e in found:
            summary.counts[e.kind] = summary.counts.get(e.kind, 0) + 1
            rows.append(
                {
                    "ad_key": e.ad_key,
                    "kind": e.kind,
                    "value": e.value,
                    "raw": e.raw,
                    "field": e.field,
                    "span_start": e.start,
                    "span_end": e.end,
                    "extractor": e.extractor,
                    "version": e.version,
                    "confidence": e.confidence,
                    "attrs": e.attrs,
                }
            )
            if e.kind == "city":
                places.append(
                    {
                        "ad_key": e.ad_key,
                        "city": e.attrs.get("city", e.value),
                        "state": e.attrs.get("state"),
                        "lat": e.attrs.get("lat"),
                        "lon": e.attrs.get("lon"),
                        "method": e.attrs.get("method"),
                    }
                )
    if rows:
        conn.execute(extractions.insert(), rows)
    if places:
        conn.execute(ad_places.insert(), places)
        summary.placed += len(places)
    stamp = now_iso()
    conn.execute(
        extract_state.insert(), [{"ad_key": k, "extract_version": EXTRACT_VERSION, "extracted_at": stamp} for k in keys]
    )


def extract_pending(
    store: Store,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractSummary:
    """Extract every ad that needs it; `progress(done, total)` after each batch."""
    with store.connect() as conn:
        keys = pending_keys(conn, rebuild)
    summary = ExtractSummary()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(keys) >= PARALLEL_FROM else 0
    batches = [keys[i : i + BATCH] for i in range(0, len(keys), BATCH)]
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        for batch_keys, results in _extract_batches(store, batches, pool):
            with store.begin() as conn:
                _store_batch(conn, batch_keys, results, summary)
            summary.ads += len(batch_keys)
            if progress:
                progress(summary.ads, len(keys))
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return summary


def _extract_batches(
    store: Store, batches: list[list[int]], pool: ProcessPoolExecutor | None
) -> Iterator[tuple[list[int], list[list[Extraction]]]]:
    for batch_keys in batches:
        with store.connect() as conn:
            batch = load_ads(conn, batch_keys)
        if pool is None:
            yield batch_keys, extract_ads(batch)
            continue
        slices = [batch[i : i + WORKER_SLICE] for i in range(0, len(batch), WORKER_SLICE)]
        results: list[list[Extraction]] = []
        for part in pool.map(extract_ads, slices):
            results.extend(part)
        yield batch_keys, results
