"""Property-based fuzzing of the ingest readers and of every extractor.

`make test` replays a fixed set of examples (the "ci" profile); `make fuzz` runs the same properties
with fresh random examples and many more of them (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from safeharbor.extract import TEXT_EXTRACTORS, extract_ad, places
from safeharbor.ingest import ingest_file
from safeharbor.ingest.prepare import prepare_chunk
from safeharbor.ingest.readers import InputFileError, read_csv, read_jsonl
from safeharbor.storage import Store
from safeharbor.storage.schema import ads, quarantine
from safeharbor.storage.times import parse_time
from safeharbor.types import Ad

# Text with what breaks parsers: quotes, separators, line ends, NUL, escapes, lone surrogates, RTL marks.
ANY_CHAR = st.one_of(
    st.characters(),
    st.sampled_from(list('",;|\t\r\n\\\x00\x1b{}[]:') + ["\u202e", "\ufeff", "\u0085", "\u2028"]),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
)
TEXT = st.text(alphabet=ANY_CHAR, max_size=80)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2026-10-01T12:00:00Z",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+01:00",
            "0999-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-10-01",
            "",
        ]
    ),
    TEXT,
)


@st.composite
def ad_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": draw(st.one_of(TEXT, st.integers(), st.just("ad-1"))),
        "source": draw(st.one_of(TEXT, st.just("example-board"))),
        "posted_at": draw(DATES),
        "body": draw(st.one_of(TEXT, JSON_VALUE)),
    }
    if draw(st.booleans()):
        record["images"] = draw(st.one_of(st.lists(TEXT, max_size=3), JSON_VALUE))
    if draw(st.booleans()):
        record[draw(TEXT)] = draw(JSON_VALUE)
    return record


def _encode(value: object, ascii_only: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


LINES = st.lists(
    st.one_of(
        st.builds(_encode, ad_records(), st.booleans()),
        st.builds(_encode, JSON_VALUE, st.booleans()),
        st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ")),
        st.just(b"[" * 1200 + b"]" * 1200),
    ),
    max_size=12,
)


@settings(deadline=None)
@given(LINES)
def test_jsonl_reader_and_checks_never_raise_and_account_for_every_line(lines: list[bytes]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    records = list(read_jsonl(io.BytesIO(data)))
    prepared = prepare_chunk(records, "fuzz.jsonl")
    seen = sorted([line for line, _ in prepared.ads] + [r.line for r in prepared.rejected])
    non_blank = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert seen == non_blank
    for _, valid in prepared.ads:
        json.dumps(valid.extra, ensure_ascii=False, allow_nan=False).encode("utf-8")  # storable
        assert "\x00" not in valid.body
        assert "1990" <= valid.posted_at[:4] <= "2099"
        parse_time(valid.posted_at)


CSV_CHAR = st.one_of(st.sampled_from(list('ab,"\n\r \t;é')), st.characters(max_codepoint=0x2FF))


@given(st.lists(st.text(alphabet=CSV_CHAR, max_size=40), max_size=15))
def test_csv_reader_never_raises_and_keeps_line_numbers_in_order(rows: list[str]) -> None:
    data = ("id,source,posted_at,body\n" + "\n".join(rows) + "\n").encode("utf-8")
    n_lines = data.count(b"\n")
    records = list(read_csv(io.BytesIO(data)))
    starts = [r.line for r in records]
    assert starts == sorted(set(starts))
    assert all(2 <= line <= n_lines for line in starts)
    prepare_chunk(records, "fuzz.csv")
    if not any('"' in row or "\r" in row for row in rows):  # then each line is its own record
        lines = data.decode().split("\n")[1:-1]
        expected = [n for n, line in enumerate(lines, start=2) if any(c.strip() for c in line.split(","))]
        assert starts == expected


@given(st.text(alphabet=CSV_CHAR, max_size=60))
def test_csv_header_check_raises_only_its_own_error(first_line: str) -> None:
    data = (first_line + "\nx,y,z,w\n").encode("utf-8")
    with contextlib.suppress(InputFileError):
        list(read_csv(io.BytesIO(data)))


@settings(deadline=None)  # the first example loads the gazetteer
@given(st.text(max_size=200))
def test_every_extractor_points_at_exact_text(text: str) -> None:
    for kind, module, find in TEXT_EXTRACTORS:
        spans = find(text)
        for span in spans:
            assert text[span.start : span.end] == span.raw, (kind, module.EXTRACTOR)
    ad = Ad(
        ad_key=1,
        id="a",
        source="s",
        posted_at=parse_time("2026-10-01T00:00:00Z"),
        body=text,
        title=text[:30],
        location=text[-20:],
    )
    for e in extract_ad(ad):
        assert ad.field_text(e.field)[e.start : e.end] == e.raw
    places.find_place(text, text, text, [])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(LINES)
def test_ingest_on_a_real_store_never_stops_and_lists_every_line(
    any_store: Store, tmp_path: Path, lines: list[bytes]
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    with any_store.connect() as conn:
        before = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
    try:
        summary = ingest_file(any_store, path)
    except InputFileError:  # refused whole (it looks UTF-16): then nothing at all went in
        with any_store.connect() as conn:
            assert conn.execute(select(func.count()).select_from(quarantine)).scalar_one() == before
        return
    non_blank = sum(1 for line in lines if line.strip())
    c = summary.counts
    assert c.added + c.new_versions + c.duplicates + c.rejected == non_blank
    with any_store.connect() as conn:
        after = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        conn.execute(select(ads.c.body)).all()
    assert after >= before
