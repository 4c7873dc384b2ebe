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


class _NotJson(ValueError):
    pass


def _no_constants(name: str) -> object:
    # NaN and Infinity are not JSON; PostgreSQL's json type refuses them and would fail the whole write.
    raise _NotJson(f"{name} is not a JSON value")


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
        decoded: object = json.loads(text, parse_constant=_no_constants)
        return decoded
    except json.JSONDecodeError as exc:
        return f"!not valid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return "!not valid JSON: nested too deeply"
    except ValueError as exc:  # _NotJson, or an integer with more digits than Python converts
        return f"!not valid JSON: {str(exc)[:120]}"


def _raw_text(record: RawRecord) -> str:
    if isinstance(record.payload, bytes):
        return record.payload[:RAW_KEEP].decode("utf-8", errors="replace").rstrip("\n")
    return record.raw[:RAW_KEEP]


def _prepare_one(record: RawRecord, file_label: str) -> ValidAd | Rejected:
    if record.error is not None:
        return Rejected(file_label, record.line, record.error, record.raw)
    value = _decode(record)
    if isinstance(value, str) and value.startswith("!"):
        return Rejected(file_label, record.line, value[1:], _raw_text(record))
    result = validate(value)
    if isinstance(result, str):
        return Rejected(file_label, record.line, result, _raw_text(record))
    return result


def prepare_chunk(records: list[RawRecord], file_label: str) -> PreparedChunk:
    """Decode, parse and validate; images are hashed separately (see ingest.run), once per file.

    Whatever goes wrong with one record sets that record aside with its line number; the others go on.
    """
    out = PreparedChunk(records=len(records))
    for record in records:
        try:
            result = _prepare_one(record, file_label)
        except Exception as exc:  # a failure nobody foresaw still costs one line, never the run
            reason = f"could not be read: {type(exc).__name__}: {exc}"[:300]
            result = Rejected(file_label, record.line, reason, _raw_text(record))
        if isinstance(result, Rejected):
            out.rejected.append(result)
        else:
            out.ads.append((record.line, result))
    return out


def hash_refs(refs: list[str], base_dir: str) -> dict[str, ImageHash]:
    """Perceptual hashes of these image refs (one task of the ingest pool)."""
    base = Path(base_dir)
    return {ref: hash_image(ref, base) for ref in refs}
