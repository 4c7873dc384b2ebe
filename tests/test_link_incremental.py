"""Incremental linking in several steps of different sizes gives exactly what one rebuild gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeharbor.link.queries import list_networks
from safeharbor.link.run import update_networks
from safeharbor.link.tables import link_cuts, link_image_groups, link_image_pairs, link_text_edges
from safeharbor.link.text import index as text_index
from safeharbor.store import Store, open_store
from tests.link_support import CITIES, ad_record, load, operator_text, partition, write_jsonl
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
                (
                    sorted(name[k] for k in r.ad_keys),
                    r.phones,
                    r.names,
                    r.shared_identifiers,
                    r.stays,
                    r.confidence,
                    r.weakest,
                )
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
    reused = 0
    for i, size in enumerate(steps):
        batch = records[done : done + size]
        done += len(batch)
        if batch:
            summary = load(incremental, write_jsonl(tmp_path / f"step{i}.jsonl", batch))
            assert summary is not None and summary.ads_featured == len(batch)
            reused += summary.confidence_reused
    assert reused > 0  # some steps kept untouched networks' stored confidence: still equal to a rebuild
    after_steps = _graph(incremental)
    fresh = open_store(str(tmp_path / "fresh.db"))
    load(fresh, write_jsonl(tmp_path / "all.jsonl", records))
    assert _graph(fresh) == after_steps
    update_networks(incremental, rebuild=True)
    assert _graph(incremental) == after_steps
    assert update_networks(incremental).records_written == 0  # a run with nothing new changes nothing
    incremental.dispose()
    fresh.dispose()


def test_increments_within_one_weight_step_recompute_text_only_around_new_ads(tmp_path: Path) -> None:
    # 68 ads, then new ads in steps (68..75 stays within one rounded corpus size, 64): two reuse an
    # old template whose count stays within a power of two (old ads unchanged), one takes a
    # template's count from 3 to 4 (old ads reweighed), and four are a new operator.
    assert text_index.weight_base(68) == text_index.weight_base(75) == 64
    first = [r for op in range(13) for r in _plain_ads(op, 5)] + _plain_ads(14, 3)
    later = _plain_ads(5, 7)[5:] + _plain_ads(13, 4) + _plain_ads(14, 4)[3:]
    incremental = open_store(str(tmp_path / "inc.db"))
    load(incremental, write_jsonl(tmp_path / "first.jsonl", first))
    recomputed = []
    for i, batch in enumerate([later[:1], later[1:5], later[5:]]):
        summary = load(incremental, write_jsonl(tmp_path / f"later{i}.jsonl", batch))
        assert summary is not None
        recomputed.append(summary.text_recomputed)
    assert all(0 < r < 40 for r in recomputed), recomputed  # not the whole corpus
    fresh = open_store(str(tmp_path / "fresh.db"))
    load(fresh, write_jsonl(tmp_path / "all.jsonl", first + later))
    assert _graph(fresh) == _graph(incremental)
    incremental.dispose()
    fresh.dispose()


def _plain_ads(op: int, n: int) -> list[dict[str, Any]]:
    """An operator's ads with no wording shared with other operators (no common title or greeting)."""
    city = CITIES[op % len(CITIES)]
    words = operator_text(op)
    body = " ".join(words) + f". Call {city[2]}-555-01{op + 1:02d}."
    title = " ".join(words[:2])
    return [ad_record(f"op{op}-ad{k}", op * 0.7 + k * 1.5, city, body, title=title) for k in range(n)]
