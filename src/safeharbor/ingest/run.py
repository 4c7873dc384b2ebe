"""Ingest one file: stream records, prepare them (in worker processes on large files), write in chunks."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import select, update

from safeharbor.ingest.prepare import PreparedChunk, hash_refs, prepare_chunk
from safeharbor.ingest.readers import RawRecord, read_records
from safeharbor.ingest.writer import ChunkCounts, write_chunk
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ingest_runs
from safeharbor.storage.times import now_iso
from safeharbor.types import ImageHash

log = logging.getLogger(__name__)

CHUNK = 2000  # one transaction (one fsync) per chunk
PARALLEL_FROM_BYTES = 2 << 20  # below this, worker start-up costs more than it saves
IMAGE_TASK = 64  # image files per pool task
IMAGE_CACHE = 100_000  # hashes remembered per run (about 20 MB at most)


@dataclass
class IngestSummary:
    file: str
    run_id: int
    records: int = 0
    counts: ChunkCounts = field(default_factory=ChunkCounts)
    db: str = ""

    def lines(self) -> list[str]:
        c = self.counts
        out = [
            f"Read {self.records:,} records from {self.file}",
            f"  {c.added:,} new ads, {c.new_versions:,} new versions of known ads, "
            f"{c.duplicates:,} already stored (skipped)",
        ]
        if c.rejected:
            out.append(
                f"  {c.rejected:,} lines set aside (quarantined, with line number and reason) — "
                "see them with: "
                f"safeharbor stats --quarantine"
            )
        else:
            out.append("  no lines set aside")
        if c.image_problems:
            out.append(
                f"  {c.image_problems:,} images missing or unreadable (noted on their ads; the ads went in)"
            )
        return out


def _chunks(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    while batch := list(islice(records, size)):
        yield batch


def ingest_file(
    store: Store,
    path: Path | str,
    *,
    workers: int | None = None,
    chunk_size: int = CHUNK,
    hash_images: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> IngestSummary:
    """Ingest a JSONL/CSV file; returns counts. `progress(bytes_done, bytes_total)` is called per chunk."""
    path = Path(path)
    label = str(path)
    size = path.stat().st_size
    with store.begin() as conn:
        inserted = conn.execute(
            ingest_runs.insert().values(file=label, started_at=now_iso(), status="running")
        ).inserted_primary_key
        assert inserted is not None
        run_id = int(inserted[0])
    summary = IngestSummary(file=label, run_id=run_id, db=store.describe())
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if size >= PARALLEL_FROM_BYTES else 0
    base_dir = str(path.parent.resolve())
    try:
        with open(path, "rb") as fh:
            chunks = _chunks(read_records(path, fh), chunk_size)
            for prepared in _prepare_all(chunks, label, base_dir, hash_images, workers):
                with store.begin() as conn:
                    summary.counts.add(write_chunk(conn, run_id, prepared))
                summary.records += prepared.records
                if progress:
                    progress(fh.tell(), size)
    except BaseException:
        with store.begin() as conn:
            conn.execute(update(ingest_runs).where(ingest_runs.c.run_id == run_id).values(status="failed"))
        log.warning(
            "ingest: %s: run %d stopped after %d records (marked failed)", label, run_id, summary.records
        )
        raise
    with store.begin() as conn:
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.run_id == run_id)
            .values(status="done", finished_at=now_iso())
        )
    c = summary.counts
    log.info(
        "ingest: %s: %d records, %d new ads, %d new versions, %d duplicates, %d set aside",
        label,
        summary.records,
        c.added,
        c.new_versions,
        c.duplicates,
        c.rejected,
    )
    return summary


class _ImageCache:
    """Hashes already computed in this run, by image ref (bounded, so memory stays flat)."""

    def __init__(self, maxsize: int = IMAGE_CACHE) -> None:
        self.maxsize = maxsize
        self.known: OrderedDict[str, ImageHash] = OrderedDict()

    def get(self, ref: str) -> ImageHash | None:
        found = self.known.get(ref)
        if found is not None:
            self.known.move_to_end(ref)
        return found

    def put(self, ref: str, value: ImageHash) -> None:
        self.known[ref] = value
        if len(self.known) > self.maxsize:
            self.known.popitem(last=False)


def _attach(prepared: PreparedChunk, cache: _ImageCache) -> None:
    for _, ad in prepared.ads:
        ad.image_hashes = [h for h in map(cache.get, ad.images) if h is not None]


def _prepare_all(
    chunks: Iterator[list[RawRecord]], label: str, base_dir: str, hash_images: bool, workers: int
) -> Iterator[PreparedChunk]:
    """Parse chunks and hash their images, each distinct image file once per run.

    With workers, one process pool does both kinds of task: parsing a chunk, and hashing the images
    that no earlier chunk used. A bounded window of chunks is in flight, so memory stays flat.
    """
    cache = _ImageCache()
    if workers <= 1:
        for chunk in chunks:
            prepared = prepare_chunk(chunk, label)
            if hash_images:
                missing = [r for r in _refs(prepared) if cache.get(r) is None]
                for ref, value in hash_refs(missing, base_dir).items():
                    cache.put(ref, value)
                _attach(prepared, cache)
            yield prepared
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parsing: deque[Future[PreparedChunk]] = deque()
        hashing: deque[tuple[PreparedChunk, list[Future[dict[str, ImageHash]]]]] = deque()
        inflight: dict[str, Future[dict[str, ImageHash]]] = {}

        def start_hashing(prepared: PreparedChunk) -> None:
            futures = []
            if hash_images:
                missing = [r for r in _refs(prepared) if r not in inflight and cache.get(r) is None]
                for i in range(0, len(missing), IMAGE_TASK):
                    batch = missing[i : i + IMAGE_TASK]
                    future = pool.submit(hash_refs, batch, base_dir)
                    inflight.update(dict.fromkeys(batch, future))
                futures = list(
                    {id(inflight[r]): inflight[r] for r in _refs(prepared) if r in inflight}.values()
                )
            hashing.append((prepared, futures))

        def finish_oldest() -> PreparedChunk:
            prepared, futures = hashing.popleft()
            for future in futures:
                for ref, value in future.result().items():
                    cache.put(ref, value)
                    if inflight.get(ref) is future:
                        del inflight[ref]
            if hash_images:
                _attach(prepared, cache)
            return prepared

        for chunk in chunks:
            parsing.append(pool.submit(prepare_chunk, chunk, label))
            while len(parsing) > workers:
                start_hashing(parsing.popleft().result())
            while len(hashing) > workers:
                yield finish_oldest()
        while parsing:
            start_hashing(parsing.popleft().result())
        while hashing:
            yield finish_oldest()


def _refs(prepared: PreparedChunk) -> list[str]:
    return list(dict.fromkeys(ref for _, ad in prepared.ads for ref in ad.images))


def last_runs(store: Store, limit: int = 10) -> list[dict[str, object]]:
    with store.connect() as conn:
        rows = conn.execute(select(ingest_runs).order_by(ingest_runs.c.run_id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
