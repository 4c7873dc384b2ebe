"""Network pages (graph, offline map, timeline, why-linked) and the workspace's JSON API."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from safeharbor.link.queries import list_networks, network_graph, why_linked
from safeharbor.web.workspace.guard import Access, allow, store_of
from safeharbor.web.workspace.pages import PAGE_SIZE, _filters
from safeharbor.web.workspace.render import page
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.adview import ad_view
from safeharbor.workspace.leads import lead_queue
from safeharbor.workspace.netview import network_view
from safeharbor.workspace.search import search as run_search

router = APIRouter()


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


@router.get("/networks")
def networks_page(
    request: Request, offset: int = 0, access: Access = allow("network.read", "networks.view", "network")
) -> Response:
    with store_of(request).connect() as conn:
        nets = list_networks(conn, limit=PAGE_SIZE, offset=max(offset, 0))
    return page(
        request,
        access,
        "networks.html",
        networks=nets,
        offset=offset,
        page_size=PAGE_SIZE,
    )


@router.get("/networks/{network_id}")
def network_page(
    request: Request,
    network_id: str,
    access: Access = allow("network.read", "network.view", "network", "network_id"),
) -> Response:
    with store_of(request).connect() as conn:
        view = network_view(conn, network_id)
        if view is None:
            raise HTTPException(404, "no such network")
        in_cases = case_ops.cases_for_item(conn, "network", network_id)
        open_cases = case_ops.list_cases(conn, status="open", limit=50) if access.can("case.write") else []
    return page(
        request,
        access,
        "network.html",
        view=view,
        rec=view.record,
        in_cases=in_cases,
        open_cases=open_cases,
    )


@router.get("/networks/{network_id}/why")
def why_page(
    request: Request,
    network_id: str,
    a: int,
    b: int,
    access: Access = allow("network.read", "network.why", "network", "network_id"),
) -> Response:
    access.note(detail=f"ads {a} and {b}")
    with store_of(request).connect() as conn:
        evidence = [{**_plain(e), "text": e.describe()} for e in why_linked(conn, a, b)]
    return page(request, access, "why.html", evidence=evidence, a=a, b=b, network_id=network_id)


@router.get("/api/networks/{network_id}/graph")
def api_graph(
    request: Request,
    network_id: str,
    access: Access = allow("network.read", "network.graph", "network", "network_id"),
) -> Response:
    with store_of(request).connect() as conn:
        graph = network_graph(
            conn, network_id
        )  # (network_record is slow on big stores; no nodes means no network)
    if not graph.get("nodes"):
        raise HTTPException(404, "no such network")
    return JSONResponse(_plain(graph))


@router.get("/api/networks/{network_id}/map")
def api_map(
    request: Request,
    network_id: str,
    access: Access = allow("network.read", "network.map", "network", "network_id"),
) -> Response:
    with store_of(request).connect() as conn:
        view = network_view(conn, network_id, max_ads=0)
    if view is None:
        raise HTTPException(404, "no such network")
    return JSONResponse({"network": network_id, "stays": _plain(view.stays)})


@router.get("/api/leads")
def api_leads(
    request: Request, offset: int = 0, access: Access = allow("lead.read", "leads.view", "lead")
) -> Response:
    with store_of(request).connect() as conn:
        rows = lead_queue(conn, _filters(request), limit=PAGE_SIZE, offset=max(offset, 0))
    access.note(detail=f"{len(rows)} leads, offset {offset}")
    return JSONResponse({"leads": _plain(rows), "offset": offset})


@router.get("/api/search")
def api_search(
    request: Request,
    q: str = "",
    kind: Literal["auto", "text", "phone", "email", "handle", "image"] = "auto",
    access: Access = allow("search", "search", "ads"),
) -> Response:
    with store_of(request).connect() as conn:
        result = run_search(conn, q, kind=kind, limit=100)
    access.note(detail=f"{result.kind} {q[:100]!r}: {result.total} hits")
    return JSONResponse(_plain(result))


@router.get("/api/ads/{ad_key}")
def api_ad(
    request: Request, ad_key: int, access: Access = allow("ad.read", "ad.view", "ad", "ad_key")
) -> Response:
    with store_of(request).connect() as conn:
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
