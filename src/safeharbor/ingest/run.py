"""Ingest one file: stream records, prepare them (in worker processes on large files), write in chunks."""

from __future__ import annotations

import logging
import os
import socket
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError

from safeharbor.ingest.prepare import PreparedChunk, hash_refs, prepare_chunk
from safeharbor.ingest.readers import LATIN1_HINT, RawRecord, check_input_file, read_records
from safeharbor.ingest.writer import ChunkCounts, write_chunk
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ingest_runs
from safeharbor.storage.times import now_iso
from safeharbor.storage.workers import worker_pool
from safeharbor.types import ImageHash, Rejected

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
    not_utf8: int = 0  # lines set aside because they are not UTF-8 (a hint about the file's encoding)

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
                f"  {c.image_problems:,} images missing, unreadable or outside the file's folder "
                "(noted on their ads; the ads went in)"
            )
        if self.not_utf8:
            out.append(f"  hint: {self.not_utf8:,} {LATIN1_HINT}")
        return out


def _chunks(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    while batch := list(islice(records, size)):
        yield batch


def _label(path: Path) -> str:
    # A file name that is not UTF-8 (Linux allows any bytes) must not fail the run's own record.
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")


def ingest_file(
    store: Store,
    path: Path | str,
    *,
    workers: int | None = None,
    chunk_size: int = CHUNK,
    hash_images: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> IngestSummary:
    """Ingest a JSONL/CSV file; returns counts. `progress(bytes_done, bytes_total)` is called per chunk.

    Raises InputFileError (nothing stored, no run recorded) when the file as a whole cannot be read:
    a directory, UTF-16, a CSV without its header row. Any single bad record is set aside instead.
    """
    path = Path(path)
    check_input_file(path)
    label = _label(path)
    size = path.stat().st_size
    mark_interrupted_runs(store)
    with store.begin() as conn:
        inserted = conn.execute(
            ingest_runs.insert().values(
                file=label, started_at=now_iso(), status="running", pid=os.getpid(), host=_host()
            )
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
                summary.counts.add(_write(store, run_id, prepared))
                summary.records += prepared.records
                summary.not_utf8 += sum(r.reason.startswith("not valid UTF-8") for r in prepared.rejected)
                if progress:
                    progress(fh.tell(), size)
    except BaseException as exc:
        status = "failed" if isinstance(exc, Exception) else "interrupted"
        with store.begin() as conn:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.run_id == run_id)
                .values(status=status, finished_at=now_iso())
            )
        log.warning(
            "ingest: %s: run %d stopped after %d records (marked %s)", label, run_id, summary.records, status
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


def _write(store: Store, run_id: int, prepared: PreparedChunk) -> ChunkCounts:
    """Write a chunk in one transaction; if the database refuses it, record by record.

    A value the checks did not foresee (and the database refuses) then costs its own line, set aside
    with the database's reason, not the chunk. A database that cannot be written at all (disk full,
    connection lost: OperationalError) still stops the run, as it must.
    """
    try:
        with store.begin() as conn:
            return write_chunk(conn, run_id, prepared)
    except OperationalError:
        raise
    except (DBAPIError, StatementError, ValueError):
        pass
    counts = ChunkCounts()
    singles = [PreparedChunk(rejected=[r]) for r in prepared.rejected]
    singles += [PreparedChunk(ads=[item]) for item in prepared.ads]
    if singles:
        singles[0].records = prepared.records
    for single in singles:
        try:
            with store.begin() as conn:
                counts.add(write_chunk(conn, run_id, single))
        except OperationalError:
            raise
        except (DBAPIError, StatementError, ValueError) as exc:
            line = single.ads[0][0] if single.ads else single.rejected[0].line
            file = prepared.rejected[0].file if prepared.rejected else ""
            reason = f"could not be stored: {str(getattr(exc, 'orig', exc)).splitlines()[0][:200]}"
            refused = PreparedChunk(rejected=[Rejected(file, line, reason, "")], records=single.records)
            with store.begin() as conn:
                counts.add(write_chunk(conn, run_id, refused))
    return counts


def _host() -> str:
    return socket.gethostname()[:255]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def mark_interrupted_runs(store: Store) -> int:
    """Runs left "running" by a process that is gone (killed) become "interrupted"; returns how many.

    Only runs started on this host can be checked; a run recorded before runs carried their process
    id cannot be either, and is taken as interrupted (nothing older is still running).
    """
    host = _host()
    with store.begin() as conn:
        rows = conn.execute(
            select(ingest_runs.c.run_id, ingest_runs.c.pid, ingest_runs.c.host).where(
                ingest_runs.c.status == "running",
                or_(ingest_runs.c.host == host, ingest_runs.c.pid.is_(None)),
            )
        ).all()
        gone = [r.run_id for r in rows if r.pid is None or (r.pid != os.getpid() and not _alive(r.pid))]
        if gone:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.run_id.in_(gone), ingest_runs.c.status == "running")
                .values(status="interrupted")
            )
    return len(gone)


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
    with worker_pool(workers) as pool:
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
