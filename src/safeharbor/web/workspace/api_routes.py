"""The workspace's JSON API: leads, search, an ad, and a network's graph and map (for network.js)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from safeharbor.link.queries import network_graph
from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.cytoscape import cytoscape_elements
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE, LeadFiltersDep
from safeharbor.web.workspace.render import url_path
from safeharbor.workspace.adview import ad_view
from safeharbor.workspace.leads import lead_queue
from safeharbor.workspace.netview import network_view
from safeharbor.workspace.search import SearchKind
from safeharbor.workspace.search import search as run_search

router = APIRouter(prefix="/api")


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@router.get("/networks/{network_id}/graph")
@rule("network.read", "network.graph", "network", "network_id")
def api_graph(request: Request, access: AccessDep, conn: ConnDep, network_id: str) -> Response:
    graph = network_graph(
        conn, network_id
    )  # (network_record is slow on big stores; no nodes means no network)
    if not graph.nodes:
        raise HTTPException(404, "no such network")
    elements = cytoscape_elements(graph, lambda key: url_path(request, "ad_page", ad_key=key))
    return JSONResponse({"network": network_id, "elements": elements})


@router.get("/networks/{network_id}/map")
@rule("network.read", "network.map", "network", "network_id")
def api_map(request: Request, access: AccessDep, conn: ConnDep, network_id: str) -> Response:
    view = network_view(conn, network_id, max_ads=0, with_templates=False)
    if view is None:
        raise HTTPException(404, "no such network")
    return JSONResponse({"network": network_id, "stays": _plain(view.stays)})


@router.get("/leads")
@rule("lead.read", "leads.view", "lead")
def api_leads(access: AccessDep, conn: ConnDep, filters: LeadFiltersDep, offset: int = 0) -> Response:
    rows = lead_queue(conn, filters, limit=PAGE_SIZE, offset=max(offset, 0))
    access.note(detail=f"{len(rows)} leads, offset {offset}")
    return JSONResponse({"leads": _plain(rows), "offset": offset})


@router.get("/search")
@rule("search", "search", "ads")
def api_search(access: AccessDep, conn: ConnDep, q: str = "", kind: SearchKind = "auto") -> Response:
    result = run_search(conn, q, kind=kind, limit=100)
    access.note(detail=f"{result.kind} {q[:100]!r}: {result.total} hits")
    return JSONResponse(_plain(result))


@router.get("/ads/{ad_key}")
@rule("ad.read", "ad.view", "ad", "ad_key")
def api_ad(access: AccessDep, conn: ConnDep, ad_key: int) -> Response:
    view = ad_view(conn, ad_key)
    if view is None:
        raise HTTPException(404, "no such ad")
    return JSONResponse(
        {
            "ad": _plain(view.ad),
            "entities": _plain(view.entities),
            "flags": _plain(view.flags),
            "risk": view.risk,
            "network": view.network_id,
            "versions": view.versions,
            "place": view.place,
        }
    )
