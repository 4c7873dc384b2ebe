"""Text edges are written by merging with the stored rows in key order: the table ends up holding exactly
the new rows, and only the differences are written (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from safeharbor.link.persist import _sync_sorted
from safeharbor.link.tables import link_text_edges
from safeharbor.store import Store

KEYS = ("ad_a", "ad_b")
VALUES = ("similarity", "shared")


def _stored(store: Store) -> list[tuple[object, ...]]:
    with store.connect() as conn:
        cols = [link_text_edges.c[c] for c in (*KEYS, *VALUES)]
        return [tuple(r) for r in conn.execute(select(*cols).order_by(*cols[:2]))]


def test_first_write_fills_the_table_then_a_merge_writes_only_what_changed(any_store: Store) -> None:
    first = [(1, 2, 0.5, 3), (1, 5, 0.75, 4), (2, 3, 0.25, 2), (7, 9, 1.0, 8)]
    with any_store.begin() as conn:
        assert _sync_sorted(conn, link_text_edges, KEYS, VALUES, iter(first)) == 4
    assert _stored(any_store) == first

    # (1, 2) unchanged, (1, 5) new values, (2, 3) gone, (4, 4) new, (7, 9) unchanged, (8, 1) new at the end
    second = [(1, 2, 0.5, 3), (1, 5, 0.5, 4), (4, 4, 0.25, 1), (7, 9, 1.0, 8), (8, 1, 0.125, 2)]
    with any_store.begin() as conn:
        assert _sync_sorted(conn, link_text_edges, KEYS, VALUES, iter(second)) == 3
    assert _stored(any_store) == second

    with any_store.begin() as conn:  # nothing derived any more: everything stored is stale
        assert _sync_sorted(conn, link_text_edges, KEYS, VALUES, iter([])) == 0
    assert _stored(any_store) == []
