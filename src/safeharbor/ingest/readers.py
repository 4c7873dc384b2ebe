"""Streaming readers for the ingest formats (JSON Lines, CSV), in constant memory.

Readers never raise on bad input: each physical record comes out as a RawRecord carrying either a
payload or the reason it cannot be read, with its line number, so the caller can set it aside and
go on. JSON lines are handed on as bytes so that decoding and parsing can run in worker processes.
"""

from __future__ import annotations

import csv
import io
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from safeharbor.ingest.validate import CONTRACT_FIELDS, REQUIRED

MAX_LINE_BYTES = 1 << 20  # a line over 1 MiB is no ad; it is set aside unread
RAW_KEEP = 2000  # how much of a bad line the quarantine keeps
MAX_RECORD_LINES = 200  # a quoted CSV field may span lines, up to this many
ICONV_HINT = "convert it first: iconv -f {} -t UTF-8 FILE > FILE.utf8"
LATIN1_HINT = (
    "lines that are not UTF-8 usually mean a Latin-1/Windows-1252 file; "
    + ICONV_HINT.format("WINDOWS-1252")
    + " and ingest it again"
)


class InputFileError(ValueError):
    """A whole input file that cannot be ingested (directory, UTF-16, CSV without a header, ...)."""


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


@dataclass(slots=True)
class _Line:
    number: int
    text: str
    problem: str | None  # "utf8" or "long" when the physical line itself is bad


def _csv_lines(fh: BinaryIO) -> Iterator[_Line]:
    for lineno, data in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), start=1):
        problem = None
        try:
            text = data.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError:
            problem = "utf8"
            text = data.decode("utf-8", errors="replace")
        if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
            problem = "long"
            while True:  # drain the rest of the line in bounded chunks
                more = fh.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            text = text[:RAW_KEEP] + "\n"
        yield _Line(lineno, text, problem)


def _ends_inside_quotes(text: str, inside: bool, delimiter: str) -> bool:
    """Whether a CSV record is still inside a quoted field at the end of this physical line.

    Follows Python's csv reader: a quote opens a quoted field only at the start of a field, `""`
    inside one is an escaped quote, and any other quote is an ordinary character.
    """
    i = 0
    while True:
        j = text.find('"', i)
        if inside:
            if j < 0:
                return True
            if text.startswith('"', j + 1):
                i = j + 2
                continue
            inside = False
        elif j < 0:
            return False
        elif j == 0 or text[j - 1] in (delimiter, "\n", "\r"):
            inside = True
        i = j + 1


class _CsvGroups:
    """Physical lines grouped into CSV records; (lines, False) is one line whose quote never closes.

    A quoted field may span lines, but not without end, and only if it ends cleanly: when a quote
    opened on a line does not close within MAX_RECORD_LINES lines (or 1 MiB, or the file), or the
    lines it gathers do not make one well-formed row of the header's width, that one line is set
    aside and reading starts again on the next. One stray quote cannot swallow the good rows after it.
    """

    def __init__(self, lines: Iterator[_Line], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.back: deque[_Line] = deque()
        self.width: int | None = None  # the header's, once known

    def _take(self) -> _Line | None:
        return self.back.popleft() if self.back else next(self.lines, None)

    def __iter__(self) -> Iterator[tuple[list[_Line], bool]]:
        while (first := self._take()) is not None:
            group = [first]
            size = len(first.text)
            inside = _ends_inside_quotes(first.text, False, self.delimiter)
            while inside and len(group) < MAX_RECORD_LINES and size <= MAX_LINE_BYTES:
                more = self._take()
                if more is None:
                    break
                group.append(more)
                size += len(more.text)
                inside = _ends_inside_quotes(more.text, True, self.delimiter)
            if not inside and (len(group) == 1 or self._well_formed(group)):
                yield group, True
            else:
                yield group[:1], False
                self.back.extendleft(reversed(group[1:]))

    def _well_formed(self, group: list[_Line]) -> bool:
        row = _parse_group(group, self.delimiter, strict=True)
        return not isinstance(row, str) and (self.width is None or len(row) == self.width)


def _parse_group(group: list[_Line], delimiter: str, strict: bool = False) -> list[str] | str:
    """The one CSV row in these lines, or the reason there is none."""
    text = io.StringIO("".join(line.text for line in group))
    try:
        rows = list(csv.reader(text, delimiter=delimiter, strict=strict))
    except csv.Error as exc:
        return f"CSV row could not be read: {exc}"
    if len(rows) > 1:
        return "CSV row could not be read: it splits into several rows"
    return rows[0] if rows else []


def _csv_header(group: list[_Line], closed: bool, delimiter: str) -> list[str]:
    row = _parse_group(group, delimiter) if closed else "a quote in it never closes"
    if isinstance(row, str) or any(line.problem for line in group):
        reason = row if isinstance(row, str) else "it is not valid UTF-8 or is over 1 MiB"
        raise InputFileError(f"the CSV header (line 1) could not be read: {reason}")
    header = [h.strip() for h in row]
    known = [h for h in header if h in CONTRACT_FIELDS]
    if not known:
        raise InputFileError(
            "the first line is not a header row (it names none of the columns "
            + ", ".join(CONTRACT_FIELDS)
            + "); a CSV file needs a header row naming its columns (docs/formats.md)"
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputFileError(
            "the CSV header lacks the required column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
            + f" (it has: {', '.join(h[:40] for h in header[:20])})"
        )
    doubled = sorted({h for h in header if header.count(h) > 1 and h})
    if doubled:
        raise InputFileError(f"the CSV header names a column twice: {', '.join(doubled)}")
    return header


def read_csv(fh: BinaryIO, delimiter: str = ",") -> Iterator[RawRecord]:
    """One RawRecord per CSV row (quoted fields may span lines); bad rows are set aside, never lost.

    Raises InputFileError when the header row is missing or lacks the required columns: then no row
    can be read, and the file is refused whole rather than set aside line by line.
    """
    grouper = _CsvGroups(_csv_lines(fh), delimiter)
    groups = iter(grouper)
    first = next(groups, None)
    if first is None:
        return
    header = _csv_header(*first, delimiter)
    grouper.width = len(header)
    for group, closed in groups:
        start = group[0].number
        raw = "".join(line.text for line in group)[:RAW_KEEP].rstrip("\r\n")
        if not closed:
            reason = (
                "unterminated quote: a quoted field opened on this line does not close cleanly "
                f"within {MAX_RECORD_LINES} lines; the lines after it were read on their own"
            )
            yield RawRecord(start, None, reason, raw)
            continue
        if any(line.problem == "utf8" for line in group):
            yield RawRecord(start, None, "not valid UTF-8", raw)
            continue
        if any(line.problem == "long" for line in group):
            yield RawRecord(start, None, f"line over the {MAX_LINE_BYTES:,}-byte limit", raw)
            continue
        row = _parse_group(group, delimiter)
        if isinstance(row, str):
            yield RawRecord(start, None, row, raw)
        elif not any(cell.strip() for cell in row):
            continue  # blank line
        elif len(row) != len(header):
            yield RawRecord(start, None, f"row has {len(row)} fields but the header has {len(header)}", raw)
        else:
            record: dict[str, Any] = {
                k: v for k, v in zip(header, row, strict=True) if v != "" or k == "body"
            }
            if isinstance(record.get("images"), str):
                record["images"] = _csv_image_list(record["images"])
            yield RawRecord(start, record, None, raw)


def _csv_image_list(cell: str) -> object:
    """A CSV `images` cell is a JSON list or paths separated by ';' or '|'."""
    cell = cell.strip()
    if cell.startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell  # left as a string: validation sets the row aside with the reason
    return [part.strip() for part in cell.replace("|", ";").split(";") if part.strip()]


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def read_records(path: Path, fh: BinaryIO) -> Iterator[RawRecord]:
    if detect_format(path) == "csv":
        return read_csv(fh, _delimiter(path))
    return read_jsonl(fh)


def sniff_encoding(head: bytes) -> str | None:
    """Why a file cannot be read as UTF-8 text from its first bytes (UTF-16/32, binary), or None."""
    boms = {
        b"\xff\xfe\x00\x00": "UTF-32",
        b"\x00\x00\xfe\xff": "UTF-32",
        b"\xff\xfe": "UTF-16",
        b"\xfe\xff": "UTF-16",
    }
    for bom, name in boms.items():
        if head.startswith(bom):
            return f"the file is {name} encoded; Safe Harbor reads UTF-8 ({ICONV_HINT.format(name)})"
    odd, even = head[1::2], head[0::2]
    if len(head) >= 8 and max(odd.count(0) / len(odd), even.count(0) / len(even)) > 0.8:
        return (
            "every other byte is NUL: the file looks UTF-16 encoded; Safe Harbor reads "
            f"UTF-8 ({ICONV_HINT.format('UTF-16')})"
        )
    return None


def check_input_file(path: Path) -> None:
    """Raise InputFileError with a one-line reason when `path` cannot be ingested at all."""
    if path.is_dir():
        raise InputFileError("is a directory: give the files inside it (for example DIR/*.jsonl)")
    if not path.exists():
        raise InputFileError("no such file")
    if not path.is_file():
        raise InputFileError("not a regular file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror or exc}") from exc
    problem = sniff_encoding(head)
    if problem:
        raise InputFileError(problem)
    if detect_format(path) == "csv":
        with open(path, "rb") as fh:
            first = next(iter(_CsvGroups(_csv_lines(fh), _delimiter(path))), None)
            if first is not None:
                _csv_header(*first, _delimiter(path))
