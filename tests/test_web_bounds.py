"""Huge or negative ids and offsets never reach the database (issue 16, L3), and the API schema is
not public (L9).

Every workspace route is walked: each integer it takes (in the path, the query or the form) is sent
as a number far past any id, as one just past PostgreSQL's INTEGER, and as a negative number, signed
in as an administrator, on SQLite and PostgreSQL. The answer is a readable refusal, never a 500.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from safeharbor.storage import Store
from safeharbor.web.workspace import routes as workspace_side
from safeharbor.web.workspace.guard import CSRF_FIELD, CSRF_HEADER
from safeharbor.web.workspace.params import MAX_ID
from tests.test_workspace_support import client_as, csrf_of

BAD_NUMBERS = [str(10**30), str(MAX_ID + 1), "-1"]


def _int_params(route: APIRoute) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"path": [], "query": [], "form": []}
    dependant = route.dependant
    places = [
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("form", dependant.body_params),
    ]
    for sub in dependant.dependencies:
        places.append(("query", sub.query_params))
    for place, fields in places:
        for field in fields:
            if field.field_info.annotation is int:
                found[place].append(field.alias)
    return found


def _requests(client: TestClient) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(method, url, form, label) for each integer parameter of each route, with each bad number."""
    out = []
    for route in workspace_side._ROUTES:  # the flat list the workspace checks its guards on
        if not isinstance(route, APIRoute):
            continue
        params = _int_params(route)
        if not any(params.values()):
            continue
        method = "POST" if "POST" in route.methods else "GET"
        for bad in BAD_NUMBERS:
            for place, names in params.items():
                for name in names:
                    path = route.path
                    for other in re.findall(r"{(\w+)}", path):
                        value = bad if (place == "path" and other == name) else "1"
                        path = path.replace("{" + other + "}", value)
                    query = {n: (bad if place == "query" and n == name else "1") for n in params["query"]}
                    form = {n: (bad if place == "form" and n == name else "1") for n in params["form"]}
                    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
                    out.append((method, url, form, {"param": name, "value": bad}))
    return out


def test_every_integer_parameter_is_bounded(any_store: Store) -> None:
    client = client_as(any_store, "admin")
    token = csrf_of(client)
    requests = _requests(client)
    assert len(requests) >= 20  # ids and offsets of ads, cases, tips, watches, networks, the audit log
    for method, url, form, label in requests:
        form = {**form, CSRF_FIELD: token}
        response = (
            client.post(url, data=form, headers={CSRF_HEADER: token, "Accept": "text/html"})
            if method == "POST"
            else client.get(url, headers={"Accept": "text/html"})
        )
        assert response.status_code in (404, 422), (method, url, label, response.status_code)
        if not url.startswith("/api/"):
            assert "<html" in response.text.lower(), (url, response.text[:200])  # a page, in words


def test_api_schema_needs_a_sign_in(any_store: Store) -> None:
    anonymous = client_as(any_store, None)
    assert anonymous.get("/api/openapi.json").status_code == 401
    assert anonymous.get("/docs").status_code == 404
    assert anonymous.get("/redoc").status_code == 404
    reviewer = client_as(any_store, "reviewer")
    spec = reviewer.get("/api/openapi.json")
    assert spec.status_code == 200
    assert "/api/leads" in spec.json()["paths"]
