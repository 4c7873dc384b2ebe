"""Results are a function of the ad set alone (issue 16, M8).

The same ads ingested in another order, or in three batches with `analyze` after each, must give the
same persons, networks (with the same ids), flags and risk: every tie is broken by content, never by
ad keys (which only tell the order of ingest). Stressed with day-only timestamps, so that many ads
tie on time, on a generated world with rotating phones, copied templates and identifier collisions.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from safeharbor.demo import generate
from safeharbor.demo.link_knobs import world
from safeharbor.export.ads import ad_records
from safeharbor.export.networks import network_records
from safeharbor.ingest.run import ingest_file
from safeharbor.link.cluster import content_ids
from safeharbor.pipeline import analyze
from safeharbor.store import Store
from tests.conftest import _drop_pg_database, make_store

N_ADS = 1200
SEED = 4242


@pytest.fixture(scope="module")
def corpus_lines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("order-corpus")
    generate(folder, N_ADS, SEED, knobs=world("hard", N_ADS))
    lines = []
    for line in (folder / "ads.jsonl").read_text().splitlines():
        ad = json.loads(line)
        ad["posted_at"] = ad["posted_at"][:10] + "T00:00:00Z"  # a crawl that keeps the day only
        lines.append(json.dumps(ad))
    return folder, lines


def _run(store: Store, folder: Path, batches: list[list[str]], name: str) -> tuple[dict[str, Any], ...]:
    for k, batch in enumerate(batches):
        path = folder / f"{name}-{k}.jsonl"  # next to the corpus: image paths resolve the same
        path.write_text("\n".join(batch) + "\n")
        ingest_file(store, path)
        analyze(store)
    with store.connect() as conn:
        found_ads = {f"{r['source']}:{r['id']}": r for r in ad_records(conn)}
        found_networks = {r["network"]: r for r in network_records(conn)}
    return found_ads, found_networks


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = [f"{key}: only in one" for key in sorted(set(a) ^ set(b))]
    for key in sorted(set(a) & set(b)):
        for field in a[key]:
            if a[key][field] != b[key].get(field):
                out.append(f"{key}.{field}: {a[key][field]!r} != {b[key].get(field)!r}")
    return out


def test_permuted_and_rebatched_input_gives_the_same_results(
    any_store: Store, tmp_path: Path, corpus_lines: tuple[Path, list[str]]
) -> None:
    folder, lines = corpus_lines
    whole_ads, whole_networks = _run(any_store, folder, [lines], f"whole-{tmp_path.name}")
    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    third = len(shuffled) // 3
    batches = [shuffled[:third], shuffled[third : 2 * third], shuffled[2 * third :]]
    backend = "postgresql" if any_store.engine.dialect.name == "postgresql" else "sqlite"
    other, pg_name = make_store(backend, tmp_path / "batched")
    try:
        batched_ads, batched_networks = _run(other, folder, batches, f"batched-{tmp_path.name}")
    finally:
        other.dispose()
        if pg_name:
            _drop_pg_database(pg_name)
    assert len(whole_ads) == N_ADS and len(whole_networks) > 50
    assert any(r["network"] for r in whole_ads.values()) and any(r["flags"] for r in whole_ads.values())
    assert _differences(whole_ads, batched_ads)[:10] == []
    assert _differences(whole_networks, batched_networks)[:10] == []


def test_network_ids_come_from_the_first_posting_alone() -> None:
    anchors = [f"2026-09-0{d}T00:00:00Z\x1fboard\x1fid{d}" for d in range(1, 8)]
    ids = content_ids(anchors)
    assert len(set(ids)) == len(ids) and all(i.startswith("N-") and len(i) == 8 for i in ids)
    order = list(range(len(anchors)))
    random.Random(1).shuffle(order)
    assert content_ids([anchors[i] for i in order]) == [ids[i] for i in order]
    # A network keeps its id when other networks come and go.
    assert content_ids(anchors[2:5]) == ids[2:5]
