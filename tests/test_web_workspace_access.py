"""Every workspace route, as every role and as no one: the allow/deny matrix, one audit row per access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeharbor.link.queries import list_networks
from safeharbor.score.leads import lead_queue
from safeharbor.score.phrase_store import PROPOSED, accept_phrase, list_phrases, save_proposals
from safeharbor.score.phrases import Proposal
from safeharbor.storage import Store
from safeharbor.web.workspace import routes as workspace_side
from safeharbor.web.workspace.guard import PERMISSIONS
from safeharbor.workspace import accounts
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.leads import set_review
from safeharbor.workspace.tables import audit_log
from tests.test_workspace_support import PASSWORD, client_as, csrf_of, demo_store

ROLES: list[str | None] = [None, "reviewer", "analyst", "admin"]

# (method, path template, permission, form data)
ROUTES: list[tuple[str, str, str, dict[str, str]]] = [
    ("GET", "/workspace", "lead.read", {}),
    ("GET", "/leads", "lead.read", {}),
    ("GET", "/api/leads", "lead.read", {}),
    ("GET", "/api/openapi.json", "lead.read", {}),
    ("POST", "/leads/review", "lead.review", {"lead_type": "ad", "lead_ref": "{ad}", "status": "reviewed"}),
    ("GET", "/search?q=young", "search", {}),
    ("GET", "/api/search?q=young", "search", {}),
    ("GET", "/ads/{ad}", "ad.read", {}),
    ("GET", "/api/ads/{ad}", "ad.read", {}),
    ("GET", "/networks", "network.read", {}),
    ("GET", "/networks/{net}", "network.read", {}),
    ("GET", "/networks/{net}/why?a={ad}&b={ad2}", "network.read", {}),
    ("GET", "/networks/{net}/templates", "network.read", {}),
    ("GET", "/api/networks/{net}/graph", "network.read", {}),
    ("GET", "/api/networks/{net}/map", "network.read", {}),
    ("GET", "/cases", "case.read", {}),
    ("POST", "/cases", "case.write", {"title": "matrix case", "item_type": "ad", "item_ref": "{ad}"}),
    ("GET", "/cases/{case}", "case.read", {}),
    ("POST", "/cases/{case}/items", "case.write", {"item_type": "ad", "item_ref": "{ad2}"}),
    ("POST", "/cases/{case}/items/remove", "case.write", {"item_type": "ad", "item_ref": "{ad2}"}),
    ("POST", "/cases/{case}/notes", "case.write", {"body": "checked the phone"}),
    ("POST", "/cases/{case}/assign", "case.write", {"assignee": "{me}"}),
    ("POST", "/cases/{case}/status", "case.write", {"status": "active"}),
    ("POST", "/cases/{case}/referral", "referral.export", {"recipient": "NCMEC CyberTipline", "fmt": "json"}),
    ("GET", "/tips", "tip.read", {}),
    ("GET", "/tips/{tip}", "tip.read", {}),
    ("POST", "/tips/{tip}/status", "case.write", {"status": "triaged"}),
    ("GET", "/audit", "audit.read", {}),
    ("GET", "/learning", "model.read", {}),
    ("POST", "/learning/fit", "model.fit", {}),
    ("GET", "/phrases", "model.read", {}),
    ("POST", "/phrases/accept", "model.fit", {"phrase_id": "{phrase}", "indicator": "youth_language"}),
    ("GET", "/alerts", "alert.read", {}),
    ("POST", "/alerts/read", "alert.read", {"all": "1"}),
    ("GET", "/watches", "alert.read", {}),
    ("POST", "/watches", "watch.write", {"kind": "phone", "value": "214-555-0134", "next": "/watches"}),
    ("POST", "/watches/{watch}/remove", "watch.write", {}),
    ("POST", "/leads/review-bulk", "lead.review", {"lead": "ad:{ad}", "status": "reviewed"}),
    ("GET", "/leads/export.csv", "lead.read", {}),
    ("GET", "/search/export.csv?q=young", "search", {}),
    ("GET", "/users", "user.admin", {}),
    ("POST", "/users", "user.admin", {"username": "{me}-new", "role": "reviewer", "password": "{pw}"}),
    ("POST", "/users/{user}/disable", "user.admin", {}),
    ("POST", "/users/{user}/enable", "user.admin", {}),
    ("POST", "/users/{user}/role", "user.admin", {"role": "reviewer"}),
    ("POST", "/users/{user}/password", "user.admin", {"password": "{pw}"}),
    ("POST", "/users/{user}/totp", "user.admin", {}),
    ("GET", "/audit/export.csv?since=2000-01-01", "audit.read", {}),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, str]]]:
    store = demo_store(Path(tmp_path_factory.mktemp("matrix")), n_ads=120)
    with store.begin() as conn:
        case_id = case_ops.open_case(conn, title="seed case", user="seed")
        nets = list_networks(conn, limit=1)
        for n, lead in enumerate(lead_queue(conn, limit=8)):  # labels for the re-fit route to learn from
            status = "confirmed" if n % 2 else "dismissed"
            set_review(conn, lead_type=lead.kind, lead_ref=lead.id, status=status, user="seed", reason="seed")
        accounts.create_user(conn, "matrix-target", PASSWORD, "analyst")
    net = str(getattr(nets[0], "id", "")) if nets else "no-such-network"
    with store.begin() as conn:  # a phrase accepted once already: accepting it again is allowed, a no-op
        save_proposals(conn, [Proposal("matrix phrase", "phrase", 3, 0, 2.0)])
        phrase = next(p.phrase_id for p in list_phrases(conn, PROPOSED) if p.phrase == "matrix phrase")
        accept_phrase(conn, phrase, indicator="youth_language", user="seed")
    ids = {
        "ad": "3",
        "ad2": "4",
        "case": str(case_id),
        "net": net,
        "tip": "1",
        "phrase": str(phrase),
        "watch": "999999",
    }
    ids |= {"user": "matrix-target", "pw": "another fine passphrase"}
    yield store, ids
    store.dispose()


def _count(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _last(store: Store) -> tuple[str | None, str, str]:
    with store.connect() as conn:
        row = conn.execute(select(audit_log).order_by(audit_log.c.audit_id.desc()).limit(1)).one()
    return row.user, row.action, row.outcome


def _leaf_routes(routes: list[Any]) -> Iterator[Any]:
    """Routes with endpoints, through included routers (FastAPI may nest them)."""
    for route in routes:
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and hasattr(inner, "routes") and not hasattr(route, "endpoint"):
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def test_matrix_covers_every_workspace_route() -> None:
    declared = {
        (method, route.path)
        for route in _leaf_routes(workspace_side.router.routes)
        for method in getattr(route, "methods", None) or set()
        if route.path not in ("/login", "/logout")
    }
    listed = set()
    for method, template, _, _ in ROUTES:
        path = template.split("?")[0]
        for key, param in {
            "{ad}": "{ad_key}",
            "{case}": "{case_id}",
            "{net}": "{network_id}",
            "{tip}": "{tip_id}",
            "{watch}": "{watch_id}",
            "{user}": "{username}",
        }.items():
            path = path.replace(key, param)
        listed.add((method, path))
    assert declared == listed


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_route_as_role(world: tuple[Store, dict[str, str]], role: str | None) -> None:
    store, ids = world
    client: TestClient = client_as(store, role)
    token = csrf_of(client) if role else "no-token"
    me = (_last(store)[0] or "") if role else ""
    for method, template, permission, form in ROUTES:
        fill = {**ids, "me": me}
        path = template.format(**fill)
        data = {k: v.format(**fill) for k, v in form.items()}
        before = _count(store)
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        after = _count(store)
        assert after - before == 1, f"{role} {method} {path}: {after - before} audit rows"
        # Issue 16 M4: no workspace response may be kept by the browser (Back after sign-out).
        assert response.headers.get("cache-control") == "no-store", f"{role} {method} {path}"
        user, _, outcome = _last(store)
        allowed = role is not None and role in PERMISSIONS[permission]
        where = f"{role} {method} {path} -> {response.status_code}"
        if role is None:
            assert response.status_code in (303, 401), where
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login"), where
            assert (user, outcome) == (None, "denied"), where
        elif not allowed:
            assert response.status_code == 403, where
            assert (user, outcome) == (me, "denied"), where
        else:
            assert response.status_code in (200, 303, 404), where
            assert user == me, where
            assert outcome == ("not_found" if response.status_code == 404 else "ok"), where


def test_state_changes_need_the_csrf_token(world: tuple[Store, dict[str, str]]) -> None:
    store, ids = world
    client = client_as(store, "analyst")
    before = _count(store)
    response = client.post("/cases", data={"title": "no token"}, follow_redirects=False)
    assert response.status_code == 403
    response = client.post("/cases", data={"title": "wrong", "csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert _count(store) - before == 2 and _last(store)[2] == "denied"
    ok = client.post(
        "/cases",
        data={"title": "with token"},
        headers={"X-CSRF-Token": csrf_of(client)},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/cases/")


def test_login_form_needs_its_token_and_locks_after_five_failures(
    world: tuple[Store, dict[str, str]],
) -> None:
    from tests.test_workspace_support import login_token, make_account, sign_in

    store, _ = world
    account = make_account(store, "analyst")
    client = TestClient(client_as(store, None).app)
    no_token = client.post("/login", data={"username": account.username, "password": account.password})
    assert no_token.status_code == 403
    for _ in range(5):
        token = login_token(client)
        bad = client.post(
            "/login", data={"username": account.username, "password": "wrong wrong", "csrf_token": token}
        )
        assert bad.status_code == 401 and "Wrong username" in bad.text
    assert sign_in(client, account) == 401  # right password and code, but locked


def test_security_headers_and_no_inline_script(world: tuple[Store, dict[str, str]]) -> None:
    store, ids = world
    client = client_as(store, "admin")
    for path in (
        "/login",
        "/leads",
        f"/ads/{ids['ad']}",
        f"/cases/{ids['case']}",
        "/search?q=young",
        "/audit",
        "/users",
        "/alerts",
        "/watches",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        html = response.text
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path
        assert not re.search(r'(src|href|action)="(https?:)?//', html), (
            path
        )  # nothing loaded or linked off-site


def test_idle_session_sends_you_back_to_login(world: tuple[Store, dict[str, str]]) -> None:
    from sqlalchemy import update

    from safeharbor.workspace.tables import sessions

    store, _ = world
    client = client_as(store, "reviewer")
    assert client.get("/leads", follow_redirects=False).status_code == 200
    with store.begin() as conn:
        conn.execute(update(sessions).values(last_seen_at="2000-01-01T00:00:00Z"))
    response = client.get("/leads", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]


def test_sign_in_out_and_error_pages_are_not_stored_either(world: tuple[Store, dict[str, str]]) -> None:
    store, _ = world
    client = client_as(store, "analyst")
    for response in (
        client.get("/login"),
        client.get("/ads/99999999"),
        client.get("/networks/N-999999"),
        client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False),
        client.get("/leads", follow_redirects=False),  # signed out: the redirect to /login
    ):
        assert response.headers.get("cache-control") == "no-store", response.url
