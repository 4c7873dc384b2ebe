"""Precomputed network records (link_network_summary) always equal records derived from the ads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import delete, select

from safeharbor.link.queries import list_networks, network_record, network_records_for
from safeharbor.link.run import update_networks
from safeharbor.link.summary import compute_records, set_confidence
from safeharbor.link.tables import link_network_summary, link_networks
from safeharbor.store import Store, open_store
from tests.link_support import load, write_jsonl
from tests.test_link_networks import operator_ads


def _all_ids(store: Store) -> list[str]:
    with store.connect() as conn:
        return list(
            conn.execute(select(link_networks.c.network_id).order_by(link_networks.c.network_id)).scalars()
        )


def _assert_stored_equals_live(store: Store) -> None:
    ids = _all_ids(store)
    with store.connect() as conn:
        stored_ids = set(conn.execute(select(link_network_summary.c.network_id)).scalars())
        assert stored_ids == set(ids)  # one record per network, none left over
        stored = network_records_for(conn, ids)
        assert all(r.confidence is not None and r.weakest for r in stored)  # set by the run only
        assert [replace(r, confidence=None, weakest=None) for r in stored] == compute_records(conn, ids)


def test_stored_records_follow_growth_merges_and_cut_changes(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    # Step 1: operators 0-5; the junk number appears in three of them (cut: separate groups).
    first = [r for op in range(6) for r in operator_ads(op, n=3, junk=op < 3)]
    load(store, write_jsonl(tmp_path / "a.jsonl", first))
    _assert_stored_equals_live(store)
    # Step 2: more ads of existing operators, new operators, more junk users.
    second = [r for op in range(3, 9) for r in operator_ads(op, n=2, junk=op > 6, start=9.0)]
    second = [dict(r, id=r["id"] + "-late") for r in second]
    summary = load(store, write_jsonl(tmp_path / "b.jsonl", second))
    assert summary is not None and 0 < summary.records_written <= len(_all_ids(store))
    _assert_stored_equals_live(store)
    # Step 3: nothing new: no record is rewritten.
    again = update_networks(store)
    assert again.records_written == 0
    _assert_stored_equals_live(store)
    store.dispose()


def test_records_are_computed_live_when_none_is_stored(store: Store, tmp_path: Path) -> None:
    load(store, write_jsonl(tmp_path / "a.jsonl", operator_ads(1, n=3) + operator_ads(2, n=4)))
    with store.connect() as conn:
        before = list_networks(conn, limit=10)
    with store.begin() as conn:  # e.g. a store linked before migration link_0002
        conn.execute(delete(link_network_summary))
    before = [replace(r, confidence=None, weakest=None) for r in before]  # known to the run only
    with store.connect() as conn:
        assert list_networks(conn, limit=10) == before
        assert network_record(conn, before[0].id) == before[0]
        assert network_record(conn, "N-999999") is None
    assert update_networks(store).records_written == len(before)  # the next run fills them in
    _assert_stored_equals_live(store)


def test_set_confidence_changes_only_the_confidence_of_the_records_named(
    any_store: Store, tmp_path: Path
) -> None:
    records = [r for op in range(3) for r in operator_ads(op, n=4)]
    load(any_store, write_jsonl(tmp_path / "ads.jsonl", records))
    with any_store.connect() as conn:
        before = {r.network_id: r for r in conn.execute(select(link_network_summary))}
    assert len(before) >= 2
    first, *others = sorted(before)
    with any_store.begin() as conn:
        assert set_confidence(conn, {first: (0.1234, "template: a test join")}) == 1
    with any_store.connect() as conn:
        after = {r.network_id: r for r in conn.execute(select(link_network_summary))}
    assert (after[first].confidence, after[first].weakest) == (0.1234, "template: a test join")
    rest = [c.name for c in link_network_summary.columns if c.name not in ("confidence", "weakest")]
    assert [after[first]._mapping[c] for c in rest] == [before[first]._mapping[c] for c in rest]
    assert all(after[nid] == before[nid] for nid in others)
