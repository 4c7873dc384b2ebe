"""No input line can end a run: each attack from the security review, reproduced on every backend.

Whatever is wrong with one record (encoding, nesting, dates, NUL, paths, quotes) sets that record aside
with its line number and reason; every physical line is stored or listed; the good ads around it go in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

import safeharbor.ingest.validate as validate_module
from safeharbor.ingest import ingest_file
from safeharbor.ingest.readers import InputFileError
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.storage.schema import ad_images, ads, extract_state, quarantine
from tests.ingest_support import abstract_image, ad, write_jsonl


def quarantined(store: Store) -> dict[int, str]:
    with store.connect() as conn:
        return {r.line: r.reason for r in conn.execute(select(quarantine))}


def stored_ids(store: Store) -> set[str]:
    with store.connect() as conn:
        return set(conn.execute(select(ads.c.ad_id)).scalars())


def ad_line(i: int, **fields: object) -> str:
    return json.dumps(ad(i, **fields))


def test_each_poison_record_costs_its_own_line_only(any_store: Store, tmp_path: Path) -> None:
    lines: list[str | bytes] = [
        ad_line(1),
        ad_line(2, body="x \ud800 y"),  # json.dumps writes the lone surrogate as the escape \ud800
        ad_line(3, title="ok", extra={"note": "\udc00"}),
        ad_line(4, images=["a\u0000b.jpg"]),
        "[" * 1500 + "]" * 1500,
        ad_line(6, posted_at="9999-12-31T23:59:59-05:00"),
        ad_line(7, posted_at="0999-01-01T00:00:00Z"),
        ad_line(8, posted_at="0001-01-01T00:00:00+01:00"),
        ad_line(9, body="nul \u0000 in text"),
        '{"id": "ad-10", "source": "s", "posted_at": "2026-10-01T00:00:00Z", "body": "b", "n": NaN}',
        '{"id": "ad-11", "source": "s", "posted_at": "2026-10-01T00:00:00Z", "body": "b", "n": '
        + "9" * 5000
        + "}",
        ad_line(12, id="x" * 301),
        ad_line(13, deep=json.loads("[" * 40 + "]" * 40)),
        ad_line(14, **{"k\u0000": 1}),
        ad_line(15),
    ]
    path = write_jsonl(tmp_path / "poison.jsonl", lines)
    summary = ingest_file(any_store, path)
    assert stored_ids(any_store) == {"ad-1", "ad-15"}
    reasons = quarantined(any_store)
    assert set(reasons) == set(range(2, 15))  # every physical line is stored or listed
    assert summary.counts.added + summary.counts.rejected == len(lines)
    assert "lone surrogate" in reasons[2] and "`body`" in reasons[2]
    assert "lone surrogate" in reasons[3]
    assert "NUL" in reasons[4] and "`images`" in reasons[4]
    assert "nested too deeply" in reasons[5]
    assert "posted_at" in reasons[6]
    assert "implausible" in reasons[7]
    assert "posted_at" in reasons[8]
    assert "NUL" in reasons[9]
    assert "NaN is not a JSON value" in reasons[10]
    assert "not valid JSON" in reasons[11]
    assert "over the 300-character limit" in reasons[12]
    assert "nested more than" in reasons[13]
    assert "field name" in reasons[14]


def test_a_year_before_1000_never_reaches_the_store_and_a_stored_one_cannot_stop_analyze(
    any_store: Store, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "old.jsonl", [ad(1), ad(2, posted_at="0005-06-01T00:00:00Z"), ad(3)])
    ingest_file(any_store, path)
    assert stored_ids(any_store) == {"ad-1", "ad-3"}
    assert "implausible" in quarantined(any_store)[2]
    # An older version stored such a year unpadded; a row like that must not fail every analyze.
    with any_store.begin() as conn:
        conn.execute(
            insert(ads).values(
                source="legacy",
                ad_id="old-1",
                version=1,
                content_hash="0" * 32,
                posted_at="1-01-01T00:00:00Z",
                body="Call 214-555-0199",
                extra={},
                images=[],
                ingested_at="2026-01-01T00:00:00Z",
            )
        )
    summary = analyze(any_store)
    assert summary.set_aside == 1
    assert any("could not be read" in line for line in summary.lines())
    with any_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(extract_state)).scalar_one() == 2
        kept = conn.execute(select(quarantine.c.reason, quarantine.c.raw).where(quarantine.c.line == 0)).one()
    assert "legacy/old-1" in kept.reason and "1-01-01T00:00:00Z" in kept.raw
    assert "214-555-0199" in kept.raw  # the row is kept whole in the quarantine, not lost
    assert stored_ids(any_store) == {"ad-1", "ad-3"}
    analyze(any_store)  # and the next run is clean


def test_csv_unterminated_quote_does_not_swallow_the_rows_after_it(any_store: Store, tmp_path: Path) -> None:
    rows = ["id,source,posted_at,body"]
    rows.append('c1,s,2026-10-01T00:00:00Z,"A body that spans\ntwo lines"')  # lines 2-3, fine
    rows.append('c2,s,2026-10-01T00:00:00Z,"never closed')  # line 4
    rows += [f"c{i},s,2026-10-0{i % 9 + 1}T00:00:00Z,plain body {i}" for i in range(3, 30)]  # 5..31
    rows.append('c30,s,2026-10-01T00:00:00Z,a "quoted" word mid-field')  # 32: literal quotes
    path = tmp_path / "ads.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = ingest_file(any_store, path)
    ids = stored_ids(any_store)
    assert ids == {"c1", "c30"} | {f"c{i}" for i in range(3, 30)}
    reasons = quarantined(any_store)
    assert list(reasons) == [4] and "unterminated quote" in reasons[4]
    assert summary.counts.rejected == 1


def test_csv_quote_at_end_of_file_and_tsv(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ads.tsv"
    path.write_text(
        "id\tsource\tposted_at\tbody\nt1\ts\t2026-10-01T00:00:00Z\tone, with comma\n"
        't2\ts\t2026-10-01T00:00:00Z\t"open to the end\n',
        encoding="utf-8",
    )
    ingest_file(store, path)
    assert stored_ids(store) == {"t1"}
    assert "unterminated quote" in quarantined(store)[3]


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        ("a1,example-board,2026-10-01T00:00:00Z,hello", "not a header row"),
        ("id,source,body", "lacks the required column posted_at"),
        ("id,source,posted_at,body,id", "names a column twice"),
    ],
)
def test_csv_without_a_usable_header_is_refused_whole(
    store: Store, tmp_path: Path, first_line: str, message: str
) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text(first_line + "\na2,example-board,2026-10-01T00:00:00Z,hi\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        ingest_file(store, path)
    assert stored_ids(store) == set()


def test_utf16_and_directories_are_refused_with_a_reason(store: Store, tmp_path: Path) -> None:
    utf16 = tmp_path / "ads.jsonl"
    utf16.write_bytes((ad_line(1) + "\n").encode("utf-16"))
    with pytest.raises(InputFileError, match="UTF-16"):
        ingest_file(store, utf16)
    no_bom = tmp_path / "nobom.jsonl"
    no_bom.write_bytes((ad_line(1) + "\n").encode("utf-16-le"))
    with pytest.raises(InputFileError, match="UTF-16"):
        ingest_file(store, no_bom)
    with pytest.raises(InputFileError, match="is a directory"):
        ingest_file(store, tmp_path)


def test_latin1_lines_are_set_aside_with_an_encoding_hint(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    latin = json.dumps(ad(2, body="café olé"), ensure_ascii=False)
    path.write_bytes((ad_line(1) + "\n" + latin + "\n").encode("latin-1"))
    summary = ingest_file(store, path)
    assert stored_ids(store) == {"ad-1"}
    assert "not valid UTF-8" in quarantined(store)[2]
    assert any("iconv -f WINDOWS-1252" in line for line in summary.lines())


def test_image_paths_outside_the_input_folder_are_never_opened(store: Store, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    secret = abstract_image(tmp_path / "outside.png", 3)  # a real image just outside the folder
    abstract_image(feed / "inside.png", 4)
    (feed / "link.png").symlink_to(secret)
    refs = ["inside.png", "../outside.png", str(secret), "link.png", "https://x.example.com/a/../inside.png"]
    path = write_jsonl(feed / "ads.jsonl", [ad(1, images=refs)])
    ingest_file(store, path)
    with store.connect() as conn:
        status = dict(conn.execute(select(ad_images.c.ref, ad_images.c.status)).all())
    assert status == {
        "inside.png": "ok",
        "../outside.png": "refused",
        str(secret): "refused",
        "link.png": "refused",
        "https://x.example.com/a/../inside.png": "ok",  # a URL names a file in the folder, by its name
    }


def test_file_name_that_is_not_utf8_is_recorded_safely(store: Store, tmp_path: Path) -> None:
    odd = Path(str(tmp_path / "ads-") + "\udcff.jsonl")  # a byte 0xff in the name (surrogateescape)
    write_jsonl(odd, [ad(1), "{bad"])
    summary = ingest_file(store, odd)
    assert summary.counts.added == 1 and summary.counts.rejected == 1


def test_a_value_the_database_refuses_costs_its_line_not_the_chunk(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Take away the NUL check, so a NUL reaches the database: PostgreSQL refuses it in text. The write
    # falls back to one record at a time and sets aside only the record it refused.
    monkeypatch.setattr(validate_module, "text_problem", lambda record: None)
    path = write_jsonl(tmp_path / "nul.jsonl", [ad(1), ad(2, body="a \u0000 b"), ad(3), "{bad"])
    summary = ingest_file(any_store, path)
    if any_store.engine.dialect.name == "postgresql":
        assert stored_ids(any_store) == {"ad-1", "ad-3"}
        reasons = quarantined(any_store)
        assert "could not be stored" in reasons[2] and "not valid JSON" in reasons[4]
        assert summary.counts.added == 2 and summary.counts.rejected == 2
    else:  # SQLite stores the NUL as it is
        assert stored_ids(any_store) == {"ad-1", "ad-2", "ad-3"}
