"""The web layer's contracts: a typed graph, Cytoscape JSON, guarded routes, one place for app state."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from sqlalchemy import select

from safeharbor.link.graph import MemberAd, NetworkMembers, TextLink, build_graph
from safeharbor.storage import Store
from safeharbor.web import public
from safeharbor.web.deps import AccessDep, current_access
from safeharbor.web.workspace import routes as workspace
from safeharbor.web.workspace.cytoscape import cytoscape_elements
from safeharbor.web.workspace.guard import check_guarded, rule
from safeharbor.workspace.tables import audit_log, sessions
from tests.test_workspace_support import client_as, csrf_of, demo_store

SRC = Path(__file__).resolve().parents[1] / "src" / "safeharbor"


def _members() -> NetworkMembers:
    ads = [
        MemberAd(1, "site", "a1", 1, "2026-01-01T10:00:00Z", "Dallas", "TX", "site/a1"),
        MemberAd(2, "site", "a1", 2, "2026-01-02T10:00:00Z", "Dallas", "TX", "site/a1"),
        MemberAd(3, "site", "b7", 1, "2026-01-05T10:00:00Z", None, None, "site/b7"),
    ]
    identifiers = [
        (1, "phone", "+12145550134"),
        (3, "phone", "+12145550134"),
        (2, "phone", "+12145550199"),  # in one ad only: no node
        (1, "email", "junk@example.com"),
        (3, "email", "junk@example.com"),  # cut as shared: no node
        (2, "image", "aaaa000000000000"),
        (3, "image", "aaaa000000000001"),  # near-identical: one group
    ]
    return NetworkMembers(
        ads=ads,
        identifiers=identifiers,
        image_groups={"aaaa000000000000": "aaaa000000000000", "aaaa000000000001": "aaaa000000000000"},
        cut={("email", "junk@example.com")},
        text_links=[TextLink(1, 3, 0.71, 4), TextLink(1, 99, 0.9, 5)],  # ad 99 is in another network
    )


def test_build_graph_is_typed_and_keeps_only_shared_uncut_identifiers() -> None:
    graph = build_graph(_members())
    kinds = {n.id: n.kind for n in graph.nodes}
    assert kinds == {
        "ad:1": "ad",
        "ad:2": "ad",
        "ad:3": "ad",
        "phone:+12145550134": "phone",
        "image:aaaa000000000000": "image",
    }
    by_kind = sorted((e.kind, e.source, e.target) for e in graph.edges)
    assert ("version", "ad:1", "ad:2") in by_kind and ("text", "ad:1", "ad:3") in by_kind
    assert all(e.weight > 0 and e.evidence for e in graph.edges)
    assert not any(e.target == "ad:99" for e in graph.edges)
    ad3 = next(n for n in graph.nodes if n.id == "ad:3")
    assert ad3.place == "unplaced" and ad3.label == "site:b7"
    assert next(n for n in graph.nodes if n.id == "ad:2").label == "site:a1 v2"
    assert build_graph(NetworkMembers(ads=[], identifiers=[])).nodes == []


def test_cytoscape_elements_carry_kind_and_the_ad_pages_path() -> None:
    elements = cytoscape_elements(build_graph(_members()), lambda key: f"/ads/{key}")
    nodes, edges = elements["nodes"], elements["edges"]
    assert all({"id", "kind", "label"} <= set(n["data"]) for n in nodes)
    assert {n["data"]["href"] for n in nodes if n["data"]["kind"] == "ad"} == {"/ads/1", "/ads/2", "/ads/3"}
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    assert all({"source", "target", "kind", "weight", "evidence"} <= set(e["data"]) for e in edges)


def test_a_route_without_its_rule_or_its_access_check_is_refused() -> None:
    router = APIRouter()

    @router.get("/unruled")
    def unruled(access: AccessDep) -> None: ...

    @router.get("/unchecked")
    @rule("lead.read", "leads.view", "lead")
    def unchecked() -> None: ...

    for route in router.routes:
        with pytest.raises(RuntimeError, match="needs @rule"):
            check_guarded([route], current_access, open_paths=set())


def test_the_public_side_knows_every_workspace_prefix() -> None:
    assert {"leads", "api", "cases", "networks", "login", "logout", "static"} <= public.WORKSPACE_PREFIXES
    assert workspace.path_prefixes() | {"static"} == public.WORKSPACE_PREFIXES


def test_app_state_is_read_in_one_place() -> None:
    found = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "app.state" in p.read_text(encoding="utf-8") and p.name != "deps.py"
    ]
    assert found == []


def test_workspace_templates_build_links_from_the_router() -> None:
    templates = (SRC / "web" / "workspace" / "templates").glob("*.html")
    hard_coded = [
        t.name for t in templates if any(f'{a}="/' in t.read_text() for a in ("href", "action", "src"))
    ]
    assert hard_coded == []


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return demo_store(Path(tmp_path_factory.mktemp("contracts")), n_ads=60)


def test_logout_checks_the_token_and_writes_one_audit_row(store: Store) -> None:
    def live_sessions() -> int:
        with store.connect() as conn:
            return len(conn.execute(select(sessions.c.session_hash)).all())

    def last_logout() -> str:
        with store.connect() as conn:
            query = select(audit_log.c.outcome).where(audit_log.c.action == "logout")
            return str(conn.execute(query.order_by(audit_log.c.audit_id.desc()).limit(1)).scalar_one())

    forger = client_as(store, "analyst")
    before = live_sessions()
    refused = forger.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 303 and last_logout() == "denied" and live_sessions() == before
    client = client_as(store, "analyst")
    done = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert last_logout() == "ok" and live_sessions() == before


def test_a_page_without_a_session_redirects_to_the_routers_login_path(store: Store) -> None:
    client = client_as(store, None)
    response = client.get("/networks?offset=50", follow_redirects=False)
    login = client.app.url_path_for("login_form")  # type: ignore[attr-defined]
    assert response.status_code == 303
    assert response.headers["location"] == f"{login}?next=%2Fnetworks%3Foffset%3D50"
    client.cookies.set("sh_session", "ended-long-ago")
    expired = client.get("/networks", follow_redirects=False)
    assert expired.headers["location"] == f"{login}?next=%2Fnetworks&expired=1"
