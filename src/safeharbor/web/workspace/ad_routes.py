"""The ad page: its text with entities and indicators marked in place."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from safeharbor.storage.times import format_time
from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.case_links import case_links
from safeharbor.web.workspace.contexts import AdPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PathId
from safeharbor.web.workspace.render import render
from safeharbor.workspace.adview import ad_view
from safeharbor.workspace.leads import reviews_for
from safeharbor.workspace.tiplinks import tips_for_ad
from safeharbor.workspace.watches import watch_targets

router = APIRouter()


@router.get("/ads/{ad_key}")
@rule("ad.read", "ad.view", "ad", "ad_key")
def ad_page(request: Request, access: AccessDep, conn: ConnDep, ad_key: PathId) -> Response:
    view = ad_view(conn, ad_key)
    if view is None:
        raise HTTPException(404, "no such ad")
    in_cases, open_cases = case_links(conn, access, "ad", str(ad_key))
    context = AdPage(
        view=view,
        in_cases=in_cases,
        open_cases=open_cases,
        review=reviews_for(conn, "ad", [str(ad_key)]).get(str(ad_key)),
        watch_targets=watch_targets(
            conn,
            access.username,
            [(e.kind, str(e.value)) for e in view.entities if e.kind in ("phone", "email", "handle")]
            + [("image", str(im["phash"])) for im in view.images if im.get("phash")]
            + ([("network", view.network_id)] if view.network_id else []),
        ),
        tip_links=tips_for_ad(
            conn,
            ad_key,
            network_id=view.network_id,
            entities=view.entities,
            place=(view.place["city"], view.place["state"])
            if view.place and view.place.get("state")
            else None,
            posted_at=format_time(view.ad.posted_at),
        ),
    )
    return render(request, access, context)
