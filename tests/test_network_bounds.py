"""A network's page and graph cost what they show, not what the network holds (issue 14 item 5): the
page lists one page of ads (newest first) with the others a page away, the graph draws the newest ads
and says how many of how many, and the templates read only the ads they look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeharbor.link import template_view
from safeharbor.link.queries import list_networks, network_graph, network_posting_times
from safeharbor.link.tables import link_ad_network
from safeharbor.storage import Store
from safeharbor.storage.reads import extractions_for, load_ads
from safeharbor.web.workspace import api_routes
from safeharbor.workspace import netview
from safeharbor.workspace.netview import network_view
from tests.test_workspace_support import client_as, demo_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = demo_store(Path(tmp_path_factory.mktemp("networks")), n_ads=200, seed=3)
    yield store
    store.dispose()


def _largest(store: Store) -> tuple[str, int]:
    with store.connect() as conn:
        nid = list_networks(conn, limit=1)[0].id
        size = conn.execute(
            select(func.count()).select_from(link_ad_network).where(link_ad_network.c.network_id == nid)
        ).scalar_one()
    assert size >= 4, "the demo's largest network should have a few ads"
    return nid, int(size)


def test_the_graph_draws_the_newest_ads_and_says_how_many(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    nid, size = _largest(demo)
    with demo.connect() as conn:
        whole = network_graph(conn, nid)
        part = network_graph(conn, nid, max_ads=2)
        newest = {f"ad:{key}" for key, _posted in network_posting_times(conn, nid)[:2]}
    assert whole.total_ads == whole.shown_ads == size
    assert part.total_ads == size and part.shown_ads == 2
    assert {n.id for n in part.nodes if n.kind == "ad"} == newest
    drawn = {n.id for n in part.nodes}
    assert all(e.source in drawn and e.target in drawn for e in part.edges)
    client = client_as(demo, "analyst")
    api = client.get(f"/api/networks/{nid}/graph").json()
    assert api["ads_total"] == size and api["ads_shown"] == min(size, api_routes.GRAPH_ADS)
    monkeypatch.setattr(api_routes, "GRAPH_ADS", 2)
    capped = client.get(f"/api/networks/{nid}/graph").json()
    assert capped["ads_total"] == size and capped["ads_shown"] == 2
    assert {n["data"]["id"] for n in capped["elements"]["nodes"] if n["data"]["kind"] == "ad"} == newest


def test_the_network_page_lists_one_page_of_ads_and_pages_to_the_rest(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    nid, size = _largest(demo)
    with demo.connect() as conn:
        times = network_posting_times(conn, nid)
        first = network_view(conn, nid, max_ads=2)
        second = network_view(conn, nid, max_ads=2, offset=2)
    assert first is not None and second is not None
    assert [a.ad_key for a in first.ads] == [k for k, _ in times[:2]]
    assert [a.ad_key for a in second.ads] == [k for k, _ in times[2:4]]
    assert first.ads_total == size and f"{size} postings" in first.span_label  # the timeline: every ad
    monkeypatch.setattr(netview, "ADS_PAGE", 2)
    client = client_as(demo, "analyst")
    page = client.get(f"/networks/{nid}").text
    assert f"1–2 of {size:,}" in page and 'id="network-ads-older"' in page
    later = client.get(f"/networks/{nid}?offset=2").text
    assert f"3–4 of {size:,}" in later and 'id="network-ads-newer"' in later


def test_templates_read_only_the_earliest_ads(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    nid, _size = _largest(demo)
    monkeypatch.setattr(template_view, "MAX_ADS", 3)
    with demo.connect() as conn:
        keys = [k for k, _ in network_posting_times(conn, nid)]
        found = template_view.templates_for(conn, keys)
        # what it read before: every ad, sorted in content order, then the first MAX_ADS
        everyone = sorted(load_ads(conn, keys), key=lambda ad: (ad.posted_at, ad.source, ad.id, ad.version))
        chosen = everyone[:3]
        expected = template_view.network_templates(
            chosen, extractions_for(conn, [a.ad_key for a in chosen], kinds=template_view.MASKED_KINDS)
        )
    assert found == expected


def test_the_network_page_lists_the_latest_stays(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    nid, _size = _largest(demo)
    with demo.connect() as conn:
        view = network_view(conn, nid)
    assert view is not None and len(view.stays) >= 2
    client = client_as(demo, "analyst")
    assert 'id="stays-note"' not in client.get(f"/networks/{nid}").text
    monkeypatch.setattr(netview, "STAYS_SHOWN", 1)
    page = client.get(f"/networks/{nid}").text
    assert f"Showing the latest 1 of {len(view.stays):,} stays" in page
    last = view.stays[-1]
    assert f"<td>{len(view.stays)}</td><td>{last.city}, {last.state}</td>" in page
