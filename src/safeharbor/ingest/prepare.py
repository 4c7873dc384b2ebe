"""The CPU-bound half of ingest: decode, parse, validate and hash images for a chunk of records.

Pure and picklable so that it can run in worker processes while the main process writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from safeharbor.ingest.images import hash_image
from safeharbor.ingest.readers import RAW_KEEP, RawRecord
from safeharbor.ingest.validate import ValidAd, validate
from safeharbor.types import ImageHash, Rejected


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


def prepare_chunk(records: list[RawRecord], file_label: str) -> PreparedChunk:
    """Decode, parse and validate; images are hashed separately (see ingest.run), once per file."""
    out = PreparedChunk(records=len(records))
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
    return out


def hash_refs(refs: list[str], base_dir: str) -> dict[str, ImageHash]:
    """Perceptual hashes of these image refs (one task of the ingest pool)."""
    base = Path(base_dir)
    return {ref: hash_image(ref, base) for ref in refs}
