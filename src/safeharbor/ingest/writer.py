"""The write half of ingest: one transaction per chunk, idempotent.

A chunk either lands whole or not at all. Re-running after a crash re-reads the file and the unique
constraints (source, ad_id, content_hash) plus the version lookup below make the second pass add
only what the first did not, so nothing is lost or doubled.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from safeharbor.ingest.prepare import PreparedChunk
from safeharbor.storage.engine import bulk_insert, insert_ignoring_duplicates
from safeharbor.storage.schema import ad_images, ads, ingest_runs, quarantine
from safeharbor.storage.times import now_iso
from safeharbor.types import Rejected

AD_COLUMNS = (
    "source",
    "ad_id",
    "version",
    "content_hash",
    "posted_at",
    "url",
    "location",
    "title",
    "body",
    "extra",
    "images",
    "ingested_at",
    "run_id",
)


@dataclass(slots=True)
class ChunkCounts:
    added: int = 0
    new_versions: int = 0
    duplicates: int = 0
    rejected: int = 0
    image_problems: int = 0

    def add(self, other: ChunkCounts) -> None:
        self.added += other.added
        self.new_versions += other.new_versions
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.image_problems += other.image_problems


def _storable(text: str) -> str:
    """Text any database stores: no NUL (PostgreSQL refuses it), no lone surrogates (not UTF-8)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\x00")


def set_aside(conn: Connection, run_id: int | None, rejected: Sequence[Rejected], stamp: str) -> None:
    """Quarantine these records (a record set aside twice, same file, line and text, is kept once)."""
    insert_ignoring_duplicates(
        conn,
        quarantine,
        [
            {
                "run_id": run_id,
                "file": _storable(r.file),
                "line": r.line,
                "reason": _storable(r.reason),
                "raw": _storable(r.raw),
                "line_hash": hashlib.sha256(_storable(r.raw).encode("utf-8")).hexdigest()[:32],
                "created_at": stamp,
            }
            for r in rejected
        ],
    )


def write_chunk(conn: Connection, run_id: int, chunk: PreparedChunk) -> ChunkCounts:
    counts = ChunkCounts()
    stamp = now_iso()
    if chunk.rejected:
        counts.rejected = len(chunk.rejected)
        set_aside(conn, run_id, chunk.rejected, stamp)
    if chunk.ads:
        _write_ads(conn, run_id, chunk, counts, stamp)
    conn.execute(
        update(ingest_runs)
        .where(ingest_runs.c.run_id == run_id)
        .values(
            lines_read=ingest_runs.c.lines_read + chunk.records,
            ads_added=ingest_runs.c.ads_added + counts.added,
            new_versions=ingest_runs.c.new_versions + counts.new_versions,
            duplicates=ingest_runs.c.duplicates + counts.duplicates,
            rejected=ingest_runs.c.rejected + counts.rejected,
            image_problems=ingest_runs.c.image_problems + counts.image_problems,
        )
    )
    return counts


def _write_ads(conn: Connection, run_id: int, chunk: PreparedChunk, counts: ChunkCounts, stamp: str) -> None:
    ids_by_source: dict[str, set[str]] = defaultdict(set)
    for _, ad in chunk.ads:
        ids_by_source[ad.source].add(ad.ad_id)
    # What is stored already for these ads: their content hashes and latest version.
    seen: set[tuple[str, str, str]] = set()
    latest: dict[tuple[str, str], int] = {}
    for source, ids in ids_by_source.items():
        rows = conn.execute(
            select(ads.c.ad_id, ads.c.content_hash, ads.c.version).where(
                ads.c.source == source, ads.c.ad_id.in_(list(ids))
            )
        )
        for ad_id, chash, version in rows:
            seen.add((source, ad_id, chash))
            latest[(source, ad_id)] = max(latest.get((source, ad_id), 0), version)
    rows_to_add: list[tuple[object, ...]] = []
    pending = []
    for _, ad in chunk.ads:
        key = (ad.source, ad.ad_id, ad.content_hash)
        if key in seen:
            counts.duplicates += 1
            continue
        seen.add(key)
        version = latest.get((ad.source, ad.ad_id), 0) + 1
        latest[(ad.source, ad.ad_id)] = version
        if version == 1:
            counts.added += 1
        else:
            counts.new_versions += 1
        extra = dict(ad.extra)
        if ad.notes:
            extra["_ingest_notes"] = ad.notes
        rows_to_add.append(
            (
                ad.source,
                ad.ad_id,
                version,
                ad.content_hash,
                ad.posted_at,
                ad.url,
                ad.location,
                ad.title,
                ad.body,
                json.dumps(extra, ensure_ascii=False),
                json.dumps(ad.images, ensure_ascii=False),
                stamp,
                run_id,
            )
        )
        pending.append(ad)
    if not rows_to_add:
        return
    bulk_insert(conn, ads, AD_COLUMNS, rows_to_add)
    keys: dict[tuple[str, str, str], int] = {}
    for source in {ad.source for ad in pending}:
        source_ids = list({ad.ad_id for ad in pending if ad.source == source})
        for ad_key, ad_id, chash in conn.execute(
            select(ads.c.ad_key, ads.c.ad_id, ads.c.content_hash).where(
                ads.c.source == source, ads.c.ad_id.in_(source_ids), ads.c.run_id == run_id
            )
        ):
            keys[(source, ad_id, chash)] = ad_key
    image_rows: list[tuple[object, ...]] = []
    for ad in pending:
        ad_key = keys[(ad.source, ad.ad_id, ad.content_hash)]
        for position, h in enumerate(ad.image_hashes):
            if h.status != "ok":
                counts.image_problems += 1
            image_rows.append((ad_key, position, h.ref, h.phash, h.status, h.reason))
    bulk_insert(conn, ad_images, ("ad_key", "position", "ref", "phash", "status", "reason"), image_rows)
