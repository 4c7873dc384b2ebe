"""Network pages: the list, one network (graph, offline map, timeline) and why two of its ads are linked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from safeharbor.link.queries import list_networks, network_posting_times, why_linked
from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.case_links import case_links
from safeharbor.web.workspace.contexts import NetworkPage, NetworksPage, NetworkTemplates, WhyLinked
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE, Offset, QueryId
from safeharbor.web.workspace.render import render
from safeharbor.workspace.netview import network_templates_of, network_view
from safeharbor.workspace.tiplinks import tips_for_network
from safeharbor.workspace.watches import watch_targets

router = APIRouter()


@router.get("/networks")
@rule("network.read", "networks.view", "network")
def networks_page(request: Request, access: AccessDep, conn: ConnDep, offset: Offset = 0) -> Response:
    nets = list_networks(conn, limit=PAGE_SIZE, offset=max(offset, 0))
    return render(request, access, NetworksPage(networks=nets, offset=offset, page_size=PAGE_SIZE))


@router.get("/networks/{network_id}")
@rule("network.read", "network.view", "network", "network_id")
def network_page(
    request: Request, access: AccessDep, conn: ConnDep, network_id: str, offset: Offset = 0
) -> Response:
    # The templates panel is its own request (network_templates), as are the graph and the map.
    view = network_view(conn, network_id, offset=offset, with_templates=False)
    if view is None:
        raise HTTPException(404, "no such network")
    rec = view.record
    in_cases, open_cases = case_links(conn, access, "network", network_id)
    context = NetworkPage(
        view=view,
        in_cases=in_cases,
        open_cases=open_cases,
        watch_targets=watch_targets(
            conn,
            access.username,
            [("network", network_id)]
            + [("phone", p) for p in rec.phones]
            + [("email", e) for e in rec.emails]
            + [("handle", h) for h in rec.handles]
            + [("image", h) for h in rec.image_hashes],
        ),
        tip_links=tips_for_network(conn, rec),
    )
    return render(request, access, context)


@router.get("/networks/{network_id}/templates")
@rule("network.read", "network.templates", "network", "network_id")
def network_templates(request: Request, access: AccessDep, conn: ConnDep, network_id: str) -> Response:
    keys = [key for key, _posted in network_posting_times(conn, network_id)]
    if not keys:
        raise HTTPException(404, "no such network")
    return render(request, access, NetworkTemplates(network_id, network_templates_of(conn, keys)))


@router.get("/networks/{network_id}/why")
@rule("network.read", "network.why", "network", "network_id")
def why_page(
    request: Request, access: AccessDep, conn: ConnDep, network_id: str, a: QueryId, b: QueryId
) -> Response:
    access.note(detail=f"ads {a} and {b}")
    context = WhyLinked(network_id=network_id, a=a, b=b, evidence=why_linked(conn, a, b))
    return render(request, access, context)
