"""Incremental linking in several steps of different sizes gives exactly what one rebuild gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeharbor.link.queries import list_networks
from safeharbor.link.run import update_networks
from safeharbor.link.tables import link_cuts, link_image_groups, link_image_pairs, link_text_edges
from safeharbor.storage import Store, open_store
from tests.link_support import load, partition, write_jsonl
from tests.test_link_networks import operator_ads


def _graph(store: Store) -> dict[str, Any]:
    """Everything derived, in forms that do not depend on ad keys or network ids."""
    with store.connect() as conn:
        from safeharbor.storage.schema import ads

        name = {
            k: f"{s}:{i}:{v}"
            for k, s, i, v in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id, ads.c.version))
        }
        edges = {
            (name[a], name[b], sim, shared) for a, b, sim, shared in conn.execute(select(link_text_edges))
        }
        out = {
            "partition": partition(store),
            "edges": {tuple(sorted(e[:2])) + e[2:] for e in edges},
            "pairs": {tuple(r) for r in conn.execute(select(link_image_pairs))},
            "groups": {tuple(r) for r in conn.execute(select(link_image_groups))},
            "cuts": {
                (r.kind, r.value, r.postings, r.groups, r.reason) for r in conn.execute(select(link_cuts))
            },
            "records": sorted(
                (sorted(name[k] for k in r.ad_keys), r.phones, r.names, r.shared_identifiers, r.stays)
                for r in list_networks(conn, limit=1000)
            ),
        }
    return out


def test_several_increments_of_different_sizes_equal_one_rebuild(tmp_path: Path) -> None:
    records = [r for op in range(14) for r in operator_ads(op, n=5, junk=op % 3 == 0)]
    records += operator_ads(40, n=4, phone=False) + operator_ads(41, n=3, phone=False, start=4.0)
    records.sort(key=lambda r: r["posted_at"])
    steps = [1, 30, 2, 17, len(records)]  # one ad, a batch, a couple, ..., the rest
    incremental = open_store(str(tmp_path / "inc.db"))
    done = 0
    for i, size in enumerate(steps):
        batch = records[done : done + size]
        done += len(batch)
        if batch:
            summary = load(incremental, write_jsonl(tmp_path / f"step{i}.jsonl", batch))
            assert summary is not None and summary.ads_featured == len(batch)
    after_steps = _graph(incremental)
    fresh = open_store(str(tmp_path / "fresh.db"))
    load(fresh, write_jsonl(tmp_path / "all.jsonl", records))
    assert _graph(fresh) == after_steps
    update_networks(incremental, rebuild=True)
    assert _graph(incremental) == after_steps
    assert update_networks(incremental).records_written == 0  # a run with nothing new changes nothing
    incremental.dispose()
    fresh.dispose()
