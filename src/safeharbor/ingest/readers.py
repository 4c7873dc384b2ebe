"""Streaming readers for the ingest formats (JSON Lines, CSV), in constant memory.

Readers never raise on bad input: each physical record comes out as a RawRecord carrying either a
payload or the reason it cannot be read, with its line number, so the caller can set it aside and
go on. JSON lines are handed on as bytes so that decoding and parsing can run in worker processes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

MAX_LINE_BYTES = 1 << 20  # a line over 1 MiB is no ad; it is set aside unread
RAW_KEEP = 2000  # how much of a bad line the quarantine keeps


@dataclass(slots=True)
class RawRecord:
    line: int  # 1-based line number where the record starts
    payload: bytes | dict[str, Any] | None  # bytes for JSONL, dict for CSV, None when unreadable
    error: str | None = None
    raw: str = ""  # the text kept for the quarantine when the record is bad


def detect_format(path: Path) -> str:
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".csv") or suffix.endswith(".tsv"):
        return "csv"
    return "jsonl"


def _lossy(data: bytes) -> str:
    return data[:RAW_KEEP].decode("utf-8", errors="replace")


def read_jsonl(fh: BinaryIO) -> Iterator[RawRecord]:
    """One RawRecord per non-blank line; over-long lines are skipped through without buffering them."""
    lineno = 0
    while True:
        data = fh.readline(MAX_LINE_BYTES + 1)
        if not data:
            return
        lineno += 1
        if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
            head = data
            total = len(data)
            while True:  # drain the rest of the line in bounded chunks
                more = fh.readline(MAX_LINE_BYTES)
                total += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield RawRecord(
                lineno, None, f"line is {total:,} bytes, over the {MAX_LINE_BYTES:,}-byte limit", _lossy(head)
            )
            continue
        if not data.strip():
            continue
        yield RawRecord(lineno, data)


def _decode_csv_lines(fh: BinaryIO, bad_lines: set[int]) -> Iterator[str]:
    for lineno, data in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), start=1):
        try:
            text = data.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError:
            bad_lines.add(lineno)
            text = data.decode("utf-8", errors="replace")
        if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
            bad_lines.add(-lineno)  # negative marks an over-long line
            while True:
                more = fh.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            text = text[:RAW_KEEP] + "\n"
        yield text


def read_csv(fh: BinaryIO) -> Iterator[RawRecord]:
    """One RawRecord per CSV row (quoted fields may span lines); ragged rows are set aside."""
    bad: set[int] = set()
    reader = csv.reader(_decode_csv_lines(fh, bad))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield RawRecord(1, None, f"CSV header could not be read: {exc}")
        return
    header = [h.strip() for h in header]
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(start, None, f"CSV row could not be read: {exc}")
            start = reader.line_num + 1
            continue
        end = reader.line_num
        lines = range(start, end + 1)
        raw = ",".join(row)[:RAW_KEEP]
        if any(n in bad for n in lines):
            yield RawRecord(start, None, "not valid UTF-8", raw)
        elif any(-n in bad for n in lines):
            yield RawRecord(start, None, f"line over the {MAX_LINE_BYTES:,}-byte limit", raw)
        elif not any(cell.strip() for cell in row):
            pass  # blank line
        elif len(row) != len(header):
            yield RawRecord(start, None, f"row has {len(row)} fields but the header has {len(header)}", raw)
        else:
            record: dict[str, Any] = {
                k: v for k, v in zip(header, row, strict=True) if v != "" or k == "body"
            }
            if isinstance(record.get("images"), str):
                record["images"] = _csv_image_list(record["images"])
            yield RawRecord(start, record, None, raw)
        start = end + 1


def _csv_image_list(cell: str) -> object:
    """A CSV `images` cell is a JSON list or paths separated by ';' or '|'."""
    cell = cell.strip()
    if cell.startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell  # left as a string: validation sets the row aside with the reason
    return [part.strip() for part in cell.replace("|", ";").split(";") if part.strip()]


def read_records(path: Path, fh: BinaryIO) -> Iterator[RawRecord]:
    return read_csv(fh) if detect_format(path) == "csv" else read_jsonl(fh)
