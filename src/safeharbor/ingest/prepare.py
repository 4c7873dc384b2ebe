"""The CPU-bound half of ingest: decode, parse, validate and hash images for a chunk of records.

Pure and picklable so that it can run in worker processes while the main process writes.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from safeharbor.ingest.images import hash_image
from safeharbor.ingest.readers import RAW_KEEP, RawRecord
from safeharbor.ingest.validate import ValidAd, validate
from safeharbor.types import Rejected

IMAGE_THREADS = 4


@dataclass(slots=True)
class PreparedChunk:
    ads: list[tuple[int, ValidAd]] = field(default_factory=list)  # (line, ad) in file order
    rejected: list[Rejected] = field(default_factory=list)
    records: int = 0


def _decode(record: RawRecord) -> object | str:
    """The parsed JSON value, or a reason string prefixed with '!'."""
    data = record.payload
    if not isinstance(data, bytes):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"!not valid UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start})"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return f"!not valid JSON: {exc.msg} (column {exc.colno})"


def prepare_chunk(
    records: list[RawRecord], file_label: str, base_dir: str, hash_images: bool = True
) -> PreparedChunk:
    out = PreparedChunk(records=len(records))
    base = Path(base_dir)
    for record in records:
        if record.error is not None:
            out.rejected.append(Rejected(file_label, record.line, record.error, record.raw))
            continue
        value = _decode(record)
        if isinstance(value, str) and value.startswith("!"):
            raw = (
                record.payload.decode("utf-8", errors="replace") if isinstance(record.payload, bytes) else ""
            )
            out.rejected.append(Rejected(file_label, record.line, value[1:], raw[:RAW_KEEP].rstrip("\n")))
            continue
        result = validate(value)
        if isinstance(result, str):
            raw = (
                record.payload.decode("utf-8", errors="replace")
                if isinstance(record.payload, bytes)
                else record.raw
            )
            out.rejected.append(Rejected(file_label, record.line, result, raw[:RAW_KEEP].rstrip("\n")))
            continue
        out.ads.append((record.line, result))
    if hash_images:
        _hash_chunk_images(out, base)
    return out


_threads: ThreadPoolExecutor | None = None


def _hash_chunk_images(chunk: PreparedChunk, base: Path) -> None:
    """Hash every distinct image of the chunk once, a few at a time: on a cold disk reading the files
    costs more than decoding them, and threads overlap the reads (file I/O and decoding release the GIL)."""
    global _threads
    refs = list(dict.fromkeys(ref for _, ad in chunk.ads for ref in ad.images))
    if not refs:
        return
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=IMAGE_THREADS, thread_name_prefix="imagehash")
    hashes = dict(zip(refs, _threads.map(lambda ref: hash_image(ref, base), refs), strict=True))
    for _, ad in chunk.ads:
        ad.image_hashes = [hashes[ref] for ref in ad.images]
