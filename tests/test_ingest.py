"""Ingest: contract validation, quarantine with line numbers and reasons, idempotence, versions, images."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from safeharbor.ingest import ingest_file
from safeharbor.storage.schema import ad_images, ads, quarantine
from safeharbor.store import Store, open_store
from tests.ingest_support import abstract_image, ad, write_jsonl


def count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def quarantined(store: Store) -> dict[int, str]:
    with store.connect() as conn:
        return {r.line: r.reason for r in conn.execute(select(quarantine))}


def test_bad_lines_are_set_aside_with_line_and_reason_and_the_rest_lands(
    any_store: Store, tmp_path: Path
) -> None:
    huge = json.dumps(ad(99, body="x" * (1 << 20 + 1)))
    path = write_jsonl(
        tmp_path / "ads.jsonl",
        [
            ad(1),
            "{not json",  # 2
            {k: v for k, v in ad(3).items() if k != "body"},  # 3 missing body
            ad(4, images=5),  # 4 wrong type
            ad(5, id=5),  # 5 id not a string
            huge,  # 6 over-long line
            # 7: bad UTF-8
            b'{"id": "ad-7", "source": "s", "posted_at": "2026-10-01T00:00:00Z", "body": "caf\xe9"}',
            ad(8, posted_at="last tuesday"),  # 8 bad date
            "[1, 2]",  # 9 not an object
            ad(10),
        ],
    )
    summary = ingest_file(any_store, path)
    assert summary.counts.added == 2
    assert summary.counts.rejected == 8
    reasons = quarantined(any_store)
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert "not valid JSON" in reasons[2]
    assert "missing required field `body`" in reasons[3]
    assert "`images` must be a list of strings" in reasons[4]
    assert "`id` must be a string" in reasons[5]
    assert "over the" in reasons[6] and "byte limit" in reasons[6]
    assert "not valid UTF-8" in reasons[7]
    assert "ISO 8601" in reasons[8]
    assert "expected a JSON object" in reasons[9]
    assert any("set aside" in line for line in summary.lines())


def test_ingesting_the_same_file_twice_adds_nothing(any_store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "ads.jsonl", [ad(i) for i in range(50)] + ["oops"])
    first = ingest_file(any_store, path)
    second = ingest_file(any_store, path)
    assert first.counts.added == 50
    assert second.counts.added == 0 and second.counts.duplicates == 50
    assert count(any_store, ads) == 50
    assert count(any_store, quarantine) == 1  # the bad line is not quarantined twice


def test_changed_body_becomes_a_new_version(any_store: Store, tmp_path: Path) -> None:
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", [ad(1)]))
    summary = ingest_file(
        any_store, write_jsonl(tmp_path / "b.jsonl", [ad(1, body="Changed text. Call 214-555-0101")])
    )
    assert summary.counts.new_versions == 1
    with any_store.connect() as conn:
        versions = conn.execute(select(ads.c.version, ads.c.body).order_by(ads.c.version)).all()
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1].startswith("Hi I'm Mia")  # the raw first version is kept as it was


def test_unknown_fields_are_kept(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", [ad(1, category="massage", poster_age="22")]))
    with store.connect() as conn:
        extra = conn.execute(select(ads.c.extra)).scalar_one()
    assert extra == {"category": "massage", "poster_age": "22"}


def test_images_are_hashed_and_missing_ones_noted_but_pixels_never_stored(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "images").mkdir()
    abstract_image(tmp_path / "images" / "a.png", 1)
    (tmp_path / "images" / "broken.png").write_bytes(b"not an image")
    path = write_jsonl(
        tmp_path / "ads.jsonl", [ad(1, images=["images/a.png", "images/missing.png", "images/broken.png"])]
    )
    summary = ingest_file(store, path)
    assert summary.counts.added == 1 and summary.counts.image_problems == 2
    with store.connect() as conn:
        rows = {r.ref: r for r in conn.execute(select(ad_images))}
    assert rows["images/a.png"].status == "ok" and len(rows["images/a.png"].phash) == 16
    assert rows["images/missing.png"].status == "missing"
    assert rows["images/broken.png"].status == "unreadable"
    png = (tmp_path / "images" / "a.png").read_bytes()
    assert png[8:64] not in Path(store.engine.url.database or "").read_bytes()


def test_csv_with_a_ragged_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text(
        "id,source,posted_at,location,title,body,images\n"
        'c1,board,2026-10-01T10:00:00Z,"Austin, TX",Hello,"Hi, I\'m Jade. Call 512-555-0111",\n'
        "c2,board,2026-10-01T10:00:00Z,Austin\n"
        'c3,board,2026-10-02T10:00:00Z,Houston,Hey,"Two\nlines",[]\n'
        "c4,board,2026-10-02,Houston,Hey,body text,a.png;b.png\n",
        encoding="utf-8",
    )
    summary = ingest_file(store, path)
    assert summary.counts.added == 3
    reasons = quarantined(store)
    assert list(reasons) == [3] and "row has 4 fields but the header has 7" in reasons[3]
    with store.connect() as conn:
        bodies = dict(conn.execute(select(ads.c.ad_id, ads.c.body)).all())
        images = dict(conn.execute(select(ads.c.ad_id, ads.c.images)).all())
    assert bodies["c3"] == "Two\nlines"
    assert images["c4"] == ["a.png", "b.png"]


def _stored_images(store: Store) -> list[tuple[str, str, int, str, str | None, str]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(ads.c.ad_id, ad_images.c.position, ad_images.c.ref, ad_images.c.phash, ad_images.c.status)
            .join(ad_images, ad_images.c.ad_key == ads.c.ad_key)
            .order_by(ads.c.ad_id, ad_images.c.position)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_parallel_prepare_and_hashing_give_the_same_result(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    for k in range(5):
        abstract_image(tmp_path / "images" / f"{k}.png", k)
    lines: list[dict[str, object] | str] = [
        ad(
            i,
            images=[f"images/{i % 5}.png", f"images/{(i * 7) % 5}.png"]
            + (["images/gone.png"] if i % 97 == 0 else []),
        )
        for i in range(1200)
    ]
    path = write_jsonl(tmp_path / "ads.jsonl", [*lines, "bad", ad(2000)])
    serial = open_store(str(tmp_path / "serial.db"))
    parallel = open_store(str(tmp_path / "parallel.db"))
    ingest_file(serial, path, workers=0, chunk_size=100)
    summary = ingest_file(parallel, path, workers=2, chunk_size=100)
    assert summary.counts.added == 1201 and summary.counts.rejected == 1
    assert summary.counts.image_problems == 13  # images/gone.png, on every 97th ad
    assert quarantined(parallel) == {1201: "not valid JSON: Expecting value (column 1)"}
    assert _stored_images(parallel) == _stored_images(serial)
    assert len({row[3] for row in _stored_images(parallel) if row[3]}) == 5
