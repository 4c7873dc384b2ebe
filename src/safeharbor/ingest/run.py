"""Ingest one file: stream records, prepare them (in worker processes on large files), write in chunks."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import select, update

from safeharbor.ingest.prepare import PreparedChunk, prepare_chunk
from safeharbor.ingest.readers import RawRecord, read_records
from safeharbor.ingest.writer import ChunkCounts, now_iso, write_chunk
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ingest_runs

CHUNK = 2000  # one transaction (one fsync) per chunk
PARALLEL_FROM_BYTES = 2 << 20  # below this, worker start-up costs more than it saves


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
        raise
    with store.begin() as conn:
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.run_id == run_id)
            .values(status="done", finished_at=now_iso())
        )
    return summary


def _prepare_all(
    chunks: Iterator[list[RawRecord]], label: str, base_dir: str, hash_images: bool, workers: int
) -> Iterator[PreparedChunk]:
    if workers <= 1:
        for chunk in chunks:
            yield prepare_chunk(chunk, label, base_dir, hash_images)
        return
    # Bounded look-ahead keeps memory constant: at most `window` chunks are in flight.
    window = workers * 3
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = []
        for chunk in chunks:
            pending.append(pool.submit(prepare_chunk, chunk, label, base_dir, hash_images))
            if len(pending) >= window:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def last_runs(store: Store, limit: int = 10) -> list[dict[str, object]]:
    with store.connect() as conn:
        rows = conn.execute(select(ingest_runs).order_by(ingest_runs.c.run_id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
