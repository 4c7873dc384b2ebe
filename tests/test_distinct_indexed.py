"""`distinct_indexed` (the filter drop-downs) gives what SELECT DISTINCT gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from safeharbor.ingest import ingest_file
from safeharbor.storage.reads import distinct_indexed
from safeharbor.storage.schema import ads
from safeharbor.store import Store
from tests.ingest_support import ad, write_jsonl

SOURCES = ["board-b.example", "Board-A.example", "board-a.example", "zeta.example", "board-b.example"]


def test_distinct_indexed_is_select_distinct_in_order(any_store: Store, tmp_path: Path) -> None:
    records = [ad(i, source=SOURCES[i % len(SOURCES)]) for i in range(40)]
    ingest_file(any_store, write_jsonl(tmp_path / "a.jsonl", records), workers=1)
    with any_store.connect() as conn:
        expected = list(conn.execute(select(ads.c.source).distinct().order_by(ads.c.source)).scalars())
        assert distinct_indexed(conn, ads.c.source) == expected
        assert len(expected) == 4


def test_distinct_indexed_of_an_empty_table_is_empty(any_store: Store) -> None:
    with any_store.connect() as conn:
        assert distinct_indexed(conn, ads.c.source) == []
