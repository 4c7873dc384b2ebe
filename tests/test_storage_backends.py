"""The backend seam: every SQL difference between databases lives in storage/backends.py, and each
backend does the same thing on its database (SQLite always, PostgreSQL when SAFEHARBOR_TEST_PG is set)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from safeharbor.storage import Store, backends
from safeharbor.storage.backends import PostgresBackend, SqliteBackend, backend_for_url, backend_of
from safeharbor.storage.engine import open_store as open_bare_store
from safeharbor.storage.schema import ads, ingest_runs
from safeharbor.store import open_store
from safeharbor.workspace import audit

SRC = Path(__file__).resolve().parents[1] / "src" / "safeharbor"


def _ad(ad_id: str, body: str) -> dict[str, object]:
    return {
        "source": "example",
        "ad_id": ad_id,
        "version": 1,
        "content_hash": ad_id * 4,
        "posted_at": "2026-10-01T12:00:00Z",
        "body": body,
        "title": None,
        "location": "Dallas, TX",
        "extra": {},
        "images": [],
        "ingested_at": "2026-10-01T12:00:00Z",
    }


def test_only_the_backend_module_asks_which_database_it_is() -> None:
    pattern = re.compile(r"dialect\.name|paramstyle|:memory:")
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "backends.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_the_backend_is_chosen_by_url(tmp_path: Path) -> None:
    assert isinstance(backend_for_url(f"sqlite:///{tmp_path / 'a.db'}"), SqliteBackend)
    assert isinstance(backend_for_url("postgresql+psycopg://u@h/db"), PostgresBackend)
    assert backend_for_url(f"sqlite:///{tmp_path / 'a.db'}").supports_worker_processes
    assert not backend_for_url("sqlite:///:memory:").supports_worker_processes
    assert not backend_for_url("sqlite://").supports_worker_processes
    with pytest.raises(ValueError, match="unsupported database"):
        backend_for_url("mysql://u@h/db")


def test_storage_opens_only_the_tables_it_is_given(tmp_path: Path) -> None:
    store = open_bare_store(str(tmp_path / "bare.db"), migrations=())
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar() == 0
    store.dispose()


def test_inserts_and_deletes_by_key(any_store: Store) -> None:
    backend = any_store.backend
    with any_store.begin() as conn:
        assert backend_of(conn).dialect == backend.dialect
        for ad_id in ("a1", "a2", "a3"):
            assert backend.insert_ignoring_duplicates(conn, ads, [_ad(ad_id, "first")]) == 1
        assert backend.insert_ignoring_duplicates(conn, ads, [_ad("a1", "first")]) == 0
        assert backend.insert_ignoring_duplicates(conn, ads, [_ad("a1", "first"), _ad("a4", "more")]) == 1
        backend.bulk_insert(
            conn,
            ingest_runs,
            (
                "file",
                "started_at",
                "status",
                "lines_read",
                "ads_added",
                "new_versions",
                "duplicates",
                "rejected",
            )
            + ("image_problems",),
            [("x.jsonl", "2026-10-01T00:00:00Z", "done", 0, 0, 0, 0, 0, 0)],
        )
        backend.update_text_index(conn)  # SQLite's FTS5 index must hold an ad before it is deleted
        backend.delete_by_keys(conn, ads, ("source", "ad_id"), [("example", "a1"), ("example", "a3")])
        assert sorted(conn.execute(select(ads.c.ad_id)).scalars()) == ["a2", "a4"]
        assert conn.execute(select(ingest_runs.c.file)).scalars().all() == ["x.jsonl"]


def test_full_text_search_finds_new_ads_once_indexed(any_store: Store) -> None:
    backend = any_store.backend
    with any_store.begin() as conn:
        backend.insert_ignoring_duplicates(conn, ads, [_ad("b1", "Available tonight downtown")])
        backend.update_text_index(conn)
        backend.insert_ignoring_duplicates(conn, ads, [_ad("b2", "New in town, available now")])
        backend.update_text_index(conn)
        found = backend.search_text(conn, "available", 10)
        assert found.total == 2 and len(found.keys) == 2
        assert backend.search_text(conn, "downtown available", 10).total == 1
        assert backend.search_text(conn, "nothing-like-this", 10).total == 0


def test_full_text_search_says_what_order_it_lists(any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relevance where the database ranks every match (SQLite, up to RANKED_MATCHES_AT_MOST of them);
    past that, and always on PostgreSQL, the matches most recently added first, and the result says so."""
    backend = any_store.backend
    with any_store.begin() as conn:
        rows = [_ad(f"c{i}", "Available " + "now " * (i % 3) + "in town") for i in range(6)]
        backend.insert_ignoring_duplicates(conn, ads, rows)
        backend.update_text_index(conn)
        newest_first = sorted(conn.execute(select(ads.c.ad_key)).scalars(), reverse=True)
        few = backend.search_text(conn, "available in", 3)
        assert few.total == 6 and len(few.keys) == 3
        monkeypatch.setattr(backends, "RANKED_MATCHES_AT_MOST", 5)
        many = backend.search_text(conn, "available", 3)
        second = backend.search_text(conn, "available", 3, offset=3)
    assert few.order == ("relevance" if backend.dialect == "sqlite" else "newest")
    assert many.order == "newest" and many.keys + second.keys == newest_first
    assert not few.more and not many.more  # counted in full below COUNTED_AT_MOST
    if backend.dialect == "sqlite":
        assert "more than 5 matches" in many.order_note
        assert SqliteBackend.fts_query("in town") == '"in" "town"*'  # a short word is matched whole


def test_the_audit_log_refuses_updates_and_deletes(any_store: Store) -> None:
    with any_store.begin() as conn:
        audit.record(conn, user="analyst", action="view", object_type="ad", object_id="1", outcome="ok")
    for statement in ("UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), any_store.begin() as conn:
            conn.execute(text(statement))


def test_an_in_memory_store_runs_without_worker_processes() -> None:
    store = open_store("sqlite:///:memory:")
    assert not store.backend.supports_worker_processes
    store.dispose()


def test_postgresql_counts_text_matches_up_to_a_bound(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL visits each match to count it: past the page shown it counts up to COUNTED_AT_MOST and
    says more match; SQLite counts from its index, exactly."""
    backend = any_store.backend
    monkeypatch.setattr(backends, "COUNTED_AT_MOST", 2)
    with any_store.begin() as conn:
        backend.insert_ignoring_duplicates(conn, ads, [_ad(f"d{i}", "Available downtown") for i in range(6)])
        backend.update_text_index(conn)
        first = backend.search_text(conn, "downtown", 3)
        later = backend.search_text(conn, "downtown", 3, offset=3)
    if backend.dialect == "postgresql":
        assert (first.total, first.more) == (3, True) and len(first.keys) == 3
        assert (later.total, later.more) == (6, False) and len(later.keys) == 3
    else:
        assert (first.total, first.more) == (6, False)
