"""Linking end to end on hand-built corpora: junk numbers, incremental == rebuild, versions, why-linked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from safeharbor.link.export import network_records
from safeharbor.link.queries import (
    cut_identifiers,
    list_networks,
    network_graph,
    network_record,
    networks_for_ads,
    why_linked,
)
from safeharbor.link.run import update_networks
from safeharbor.storage.reads import extractions_for, load_ads
from safeharbor.store import Store, open_store
from tests.link_support import (
    CITIES,
    NAMES,
    ad_record,
    key_of,
    load,
    operator_text,
    partition,
    write_jsonl,
)

JUNK = "214-555-0100"


def operator_ads(
    op: int, *, n: int = 3, junk: bool = False, phone: bool = True, start: float = 0.0
) -> list[dict[str, Any]]:
    """n postings of one made-up operator: its own phone, its own wording, one city, a few days apart."""
    city = CITIES[op % len(CITIES)]
    own = f"{city[2]}-555-01{op + 1:02d}"
    words = operator_text(op)
    name = NAMES[op % len(NAMES)]
    out = []
    for k in range(n):
        body = f"Hi I'm {name}. " + " ".join(words) + "."
        if phone:
            body += f" Call {own}."
        if junk and k == 0:
            body += f" Or text {JUNK}."
        # A title of its own: ad_record's "New in <city>" is one phrase for every operator once the city
        # is masked, and these small corpora have no background to show it is boilerplate.
        title = " ".join(words[:3])
        out.append(ad_record(f"op{op}-ad{k}", start + op * 0.7 + k * 1.5, city, body, title=title))
    return out


def truth_partition(records: list[dict[str, Any]]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for r in records:
        groups.setdefault(r["id"].split("-")[0], set()).add(f"{r['source']}:{r['id']}")
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def test_a_junk_number_shared_by_30_unrelated_operators_does_not_merge_them(
    any_store: Store, tmp_path: Path
) -> None:
    records = [r for op in range(30) for r in operator_ads(op, junk=True)]
    summary = load(any_store, write_jsonl(tmp_path / "ads.jsonl", records))
    assert summary is not None
    assert partition(any_store) == truth_partition(records)
    with any_store.connect() as conn:
        cuts = cut_identifiers(conn)
    junk = [c for c in cuts if c.value == "+12145550100"]
    assert junk and junk[0].kind == "phone" and junk[0].groups == 30
    assert "separate groups" in junk[0].reason
    assert any("+12145550100" in line for line in summary.lines())
    with any_store.connect() as conn:
        record = list_networks(conn, limit=1, offset=0)[0]
    assert "phone +12145550100" in record.shared_identifiers
    assert "+12145550100" not in record.phones


def test_incremental_linking_gives_the_same_networks_as_a_rebuild(tmp_path: Path) -> None:
    records = [r for op in range(12) for r in operator_ads(op, n=4, junk=op % 2 == 0)]
    records += operator_ads(40, n=3, phone=False)  # linked by wording alone
    records.sort(key=lambda r: r["posted_at"])
    half = len(records) // 2
    incremental = open_store(str(tmp_path / "inc.db"))
    load(incremental, write_jsonl(tmp_path / "a.jsonl", records[:half]))
    with incremental.connect() as conn:
        first_ids = networks_for_ads(conn, range(1, half + 1))
    second = load(incremental, write_jsonl(tmp_path / "b.jsonl", records[half:]))
    assert second is not None and second.ads_featured == len(records) - half  # only new ads were read
    after_incremental = partition(incremental)
    with incremental.connect() as conn:
        later_ids = networks_for_ads(conn, range(1, half + 1))
    # Networks that only grew (took in new ads, merged with no other network) keep their ids.
    for old in set(first_ids.values()):
        members = {k for k, v in first_ids.items() if v == old}
        now = {later_ids.get(k) for k in members}
        merged_with = {first_ids.get(k) for k, v in later_ids.items() if v in now and k in first_ids}
        if len(now) == 1 and merged_with == {old}:
            assert now == {old}

    update_networks(incremental, rebuild=True)
    assert partition(incremental) == after_incremental
    fresh = open_store(str(tmp_path / "fresh.db"))
    load(fresh, write_jsonl(tmp_path / "all.jsonl", records))
    assert partition(fresh) == after_incremental == truth_partition(records)
    incremental.dispose()
    fresh.dispose()


def test_versions_of_one_posting_share_a_network_and_a_lone_posting_stands_alone(
    store: Store, tmp_path: Path
) -> None:
    records = operator_ads(3, n=3)
    changed = dict(records[0], body=records[0]["body"] + " Updated rates.")
    lone = ad_record("lone-1", 2, CITIES[5], "Quiet words here. Call 303-555-0177.")
    lone_v2 = dict(lone, body=lone["body"] + " Back again.")
    load(store, write_jsonl(tmp_path / "a.jsonl", records + [lone]))
    load(store, write_jsonl(tmp_path / "b.jsonl", [changed, lone_v2]))
    with store.connect() as conn:
        from sqlalchemy import select

        from safeharbor.storage.schema import ads

        versions = conn.execute(select(ads.c.ad_key).where(ads.c.ad_id == "op3-ad0")).scalars().all()
        lone_keys = conn.execute(select(ads.c.ad_key).where(ads.c.ad_id == "lone-1")).scalars().all()
        nets = networks_for_ads(conn, list(versions) + list(lone_keys))
    assert len(versions) == 2 and nets[versions[0]] == nets[versions[1]]
    assert not any(k in nets for k in lone_keys)


def test_why_linked_returns_a_valid_chain_with_checkable_evidence(store: Store, tmp_path: Path) -> None:
    records = operator_ads(1, n=4) + operator_ads(2, n=3, junk=True) + operator_ads(5, n=3, junk=True)
    records += operator_ads(7, n=3, junk=True)
    load(store, write_jsonl(tmp_path / "ads.jsonl", records))
    a, b = key_of(store, "op1-ad0"), key_of(store, "op1-ad3")
    with store.connect() as conn:
        chain = why_linked(conn, a, b)
        ads = {ad.ad_key: ad for ad in load_ads(conn, [a, b] + [e.ad_b for e in chain])}
        found = extractions_for(conn, list(ads))
        other = why_linked(conn, a, key_of(store, "op2-ad0"))
    assert chain and chain[0].ad_a == a and chain[-1].ad_b == b
    assert all(x.ad_b == y.ad_a for x, y in zip(chain, chain[1:], strict=False))
    for edge in chain:
        if edge.kind == "phone":
            for key in (edge.ad_a, edge.ad_b):
                assert edge.value in {e.value for e in found[key] if e.kind == "phone"}
        assert edge.describe()
    assert other == []  # different operators, joined only by the junk number: not linked


def test_why_linked_shows_the_matching_passage_for_text_evidence(store: Store, tmp_path: Path) -> None:
    records = operator_ads(9, n=3, phone=False)
    load(store, write_jsonl(tmp_path / "ads.jsonl", records))
    a, b = key_of(store, "op9-ad0"), key_of(store, "op9-ad1")
    with store.connect() as conn:
        chain = why_linked(conn, a, b)
        body = load_ads(conn, [a])[0].body
    assert [e.kind for e in chain] == ["text"]
    edge = chain[0]
    assert edge.similarity is not None and edge.similarity >= 0.5
    assert edge.passage_a and edge.passage_a in body and len(edge.passage_a.split()) >= 10


def test_network_record_graph_and_export_describe_the_network(store: Store, tmp_path: Path) -> None:
    records = operator_ads(4, n=4)
    load(store, write_jsonl(tmp_path / "ads.jsonl", records))
    with store.connect() as conn:
        (network_id,) = set(networks_for_ads(conn, range(1, 5)).values())
        record = network_record(conn, network_id)
        graph = network_graph(conn, network_id)
        exported = list(network_records(conn))
        assert network_record(conn, "N-999999") is None
    assert record is not None and len(record.ad_keys) == 4 and record.phones == ["+13055550105"]
    assert record.stays and record.stays[0].city == "Miami"
    assert {"ad", "phone"} <= {n.kind for n in graph.nodes}
    node_ids = {n.id for n in graph.nodes}
    assert all(e.source in node_ids and e.target in node_ids for e in graph.edges)
    assert all(e.kind and e.weight > 0 and e.evidence for e in graph.edges)
    (obj,) = exported
    contract = {"network", "ads", "phones", "emails", "names", "cities", "risk", "first_seen", "last_seen"}
    assert contract <= set(obj)
    assert obj["network"] == network_id and obj["ads"] == 4 and obj["risk"] is None
    assert obj["cities"][0] == {
        "city": "Miami",
        "state": "FL",
        "first_seen": record.first_seen,
        "last_seen": record.last_seen,
        "ads": 4,
    }


@pytest.mark.parametrize("args_kind", ["list", "one", "cuts", "why", "missing"])
def test_cli_network_and_why(args_kind: str, tmp_path: Path) -> None:
    from safeharbor.cli import app

    db = tmp_path / "cli.db"
    store = open_store(str(db))
    load(store, write_jsonl(tmp_path / "ads.jsonl", operator_ads(1, n=3) + operator_ads(2, n=3)))
    with store.connect() as conn:
        network_id = networks_for_ads(conn, [1])[1]
    if args_kind == "one":  # scored, the network shows its persons as the person model saw them
        from safeharbor.score.run import update_scores

        update_scores(store)
    store.dispose()
    args = {
        "list": ["network"],
        "one": ["network", network_id],
        "cuts": ["network", "--cuts"],
        "why": ["why", "board-example:op1-ad0", "board-example:op1-ad2"],
        "missing": ["network", "N-999999"],
    }[args_kind]
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    if args_kind == "missing":
        assert result.exit_code == 1 and "No network" in result.output
        return
    assert result.exit_code == 0, result.output
    if args_kind == "one":
        assert network_id in result.output and "Movement" in result.output
        assert "Persons, as the ads tell" in result.output and "distinct ads" in result.output
    if args_kind == "why":
        assert "joined by" in result.output


def test_features_stored_by_an_older_feature_version_are_recomputed_once(tmp_path: Path) -> None:
    """A store linked before the city was masked keeps its old shingles unless they are recomputed."""
    from safeharbor.link import persist
    from safeharbor.link.run import FEATURES_KEY

    records = [r for op in range(3) for r in operator_ads(op, n=3)]
    store = open_store(str(tmp_path / "s.db"))
    load(store, write_jsonl(tmp_path / "a.jsonl", records))
    before = partition(store)
    with store.begin() as conn:
        persist.set_state(conn, FEATURES_KEY, "1")
    assert update_networks(store).ads_featured == len(records)
    assert update_networks(store).ads_featured == 0
    assert partition(store) == before
    store.dispose()
