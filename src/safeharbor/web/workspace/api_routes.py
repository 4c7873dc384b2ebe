"""The workspace's JSON API: leads, search, an ad, and a network's graph and map (for network.js).

Every route declares its response model (api_models.py), so /api/openapi.json documents each schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from safeharbor.link.queries import network_graph
from safeharbor.score.calibration import Standing
from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.api_models import (
    AdDetailOut,
    LeadsOut,
    NetworkGraphOut,
    NetworkMapOut,
    SearchOut,
)
from safeharbor.web.workspace.cytoscape import cytoscape_elements
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE, LeadFiltersDep, Offset, PathId
from safeharbor.web.workspace.render import url_path
from safeharbor.workspace.adview import ad_view
from safeharbor.workspace.leads import lead_queue, lead_total
from safeharbor.workspace.netview import network_view
from safeharbor.workspace.search import SearchKind
from safeharbor.workspace.search import search as run_search

# Ads a network graph draws at most (its newest): beyond a few hundred a drawing is unreadable anyway,
# and 300 ads (1,200-3,100 edges, 250-580 KB of JSON) put the largest networks near 300 ms at p95.
GRAPH_ADS = 200

router = APIRouter(prefix="/api")


def _standing(s: Standing | None) -> dict[str, object] | None:
    return None if s is None else {**s.as_json(), "text": s.text()}


@router.get("/openapi.json", include_in_schema=False)
@rule("lead.read", "api.schema", "api")
def api_schema(request: Request, access: AccessDep) -> dict[str, Any]:
    """The API's OpenAPI schema, for signed-in users only (it maps every route an attacker could try)."""
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/networks/{network_id}/graph", response_model_exclude_unset=True)
@rule("network.read", "network.graph", "network", "network_id")
def api_graph(request: Request, access: AccessDep, conn: ConnDep, network_id: str) -> NetworkGraphOut:
    # The newest GRAPH_ADS ads and what joins them: the cost stays bounded however large the network
    # (the 20 largest at 1.15M ads have 2,000-3,300 each). No nodes means no network.
    graph = network_graph(conn, network_id, max_ads=GRAPH_ADS)
    if not graph.nodes:
        raise HTTPException(404, "no such network")
    elements = cytoscape_elements(graph, lambda key: url_path(request, "ad_page", ad_key=key))
    # Built from the elements' dicts: an identifier's node has no ad fields (unset, so left out).
    return NetworkGraphOut.model_validate(
        {
            "network": network_id,
            "elements": elements,
            "ads_shown": graph.shown_ads,
            "ads_total": graph.total_ads,
        }
    )


@router.get("/networks/{network_id}/map")
@rule("network.read", "network.map", "network", "network_id")
def api_map(access: AccessDep, conn: ConnDep, network_id: str) -> NetworkMapOut:
    view = network_view(conn, network_id, max_ads=0, with_templates=False)
    if view is None:
        raise HTTPException(404, "no such network")
    return NetworkMapOut.model_validate({"network": network_id, "stays": view.stays})


@router.get("/leads")
@rule("lead.read", "leads.view", "lead")
def api_leads(access: AccessDep, conn: ConnDep, filters: LeadFiltersDep, offset: Offset = 0) -> LeadsOut:
    rows = lead_queue(conn, filters, limit=PAGE_SIZE, offset=max(offset, 0))
    access.note(detail=f"{len(rows)} leads, offset {offset}")
    total = lead_total(conn, filters)
    return LeadsOut.model_validate({"leads": rows, "offset": offset, "total": total})


@router.get("/search")
@rule("search", "search", "ads")
def api_search(access: AccessDep, conn: ConnDep, q: str = "", kind: SearchKind = "auto") -> SearchOut:
    result = run_search(conn, q, kind=kind, limit=100)
    access.note(detail=f"{result.kind} {q[:100]!r}: {result.total} hits")
    return SearchOut.model_validate(result)


@router.get("/ads/{ad_key}")
@rule("ad.read", "ad.view", "ad", "ad_key")
def api_ad(access: AccessDep, conn: ConnDep, ad_key: PathId) -> AdDetailOut:
    view = ad_view(conn, ad_key)
    if view is None:
        raise HTTPException(404, "no such ad")
    return AdDetailOut.model_validate(
        {
            "ad": view.ad,
            "entities": view.entities,
            "flags": view.flags,
            "score": view.risk,
            "standing": _standing(view.standing),
            "lead_standing": _standing(view.lead_standing),
            "network": view.network_id,
            "versions": view.versions,
            "place": view.place,
        }
    )
