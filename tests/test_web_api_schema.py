"""The JSON API documents what it returns: every /api route has a response model in the OpenAPI schema,
and the JSON each route writes validates against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import select

from safeharbor.storage import Store
from safeharbor.storage.schema import ads
from safeharbor.web.app import create_app
from safeharbor.web.workspace import api_models
from safeharbor.web.workspace.api_routes import router as api_router
from tests.test_workspace_support import client_as, demo_store

EXPECTED: dict[str, type[BaseModel]] = {
    "/api/leads": api_models.LeadsOut,
    "/api/search": api_models.SearchOut,
    "/api/ads/{ad_key}": api_models.AdDetailOut,
    "/api/networks/{network_id}/graph": api_models.NetworkGraphOut,
    "/api/networks/{network_id}/map": api_models.NetworkMapOut,
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return demo_store(Path(tmp_path_factory.mktemp("api")), n_ads=60)


def test_every_api_route_declares_its_response_model() -> None:
    # The schema itself (/api/openapi.json, behind a sign-in) is not one of the API's documented routes.
    routes = {r.path: r for r in api_router.routes if isinstance(r, APIRoute) and r.include_in_schema}
    assert set(routes) == set(EXPECTED), "a new /api route needs a response model and a line here"
    for path, model in EXPECTED.items():
        assert routes[path].response_model is model, path


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_openapi_documents_each_routes_schema(store: Store) -> None:
    spec = create_app(store).openapi()
    for path, model in EXPECTED.items():
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        documented = _resolve(ok, spec)
        assert documented.get("title") == model.__name__, path
        assert set(documented["properties"]) == set(model.model_fields), path
    ad = spec["components"]["schemas"]["AdOut"]["properties"]
    assert ad["posted_at"]["type"] == "string" and ad["image_hashes"]["type"] == "array"


def test_each_routes_json_validates_against_its_model(store: Store) -> None:
    client = client_as(store, "analyst")
    with store.connect() as conn:
        ad_key = conn.execute(select(ads.c.ad_key).order_by(ads.c.ad_key).limit(1)).scalar_one()
    leads = client.get("/api/leads?reviewed=all")
    assert leads.status_code == 200
    network = next(row["network_id"] for row in leads.json()["leads"] if row["network_id"])
    answers = {
        "/api/leads": leads,
        "/api/search": client.get("/api/search?q=young"),
        "/api/ads/{ad_key}": client.get(f"/api/ads/{ad_key}"),
        "/api/networks/{network_id}/graph": client.get(f"/api/networks/{network}/graph"),
        "/api/networks/{network_id}/map": client.get(f"/api/networks/{network}/map"),
    }
    for path, response in answers.items():
        assert response.status_code == 200, path
        EXPECTED[path].model_validate(response.json())
    ad = answers["/api/ads/{ad_key}"].json()["ad"]
    assert ad["posted_at"].endswith("+00:00")  # as the API wrote it before it had models
    nodes = answers["/api/networks/{network_id}/graph"].json()["elements"]["nodes"]
    assert all(("href" in n["data"]) == (n["data"]["kind"] == "ad") for n in nodes)
