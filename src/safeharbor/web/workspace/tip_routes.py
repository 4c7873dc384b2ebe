"""Tips from the public, as analysts read them (each read is audited)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from safeharbor.tips import get_tip, list_tips
from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.contexts import TipPage, TipsPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE
from safeharbor.web.workspace.render import render
from safeharbor.workspace import cases as case_ops

router = APIRouter()


@router.get("/tips")
@rule("tip.read", "tips.view", "tip")
def tips_page(request: Request, access: AccessDep, conn: ConnDep, offset: int = 0) -> Response:
    tips = list_tips(conn, limit=PAGE_SIZE, offset=max(offset, 0))
    access.note(detail=f"{len(tips)} tips")
    return render(request, access, TipsPage(tips=tips, offset=offset, page_size=PAGE_SIZE))


@router.get("/tips/{tip_id}")
@rule("tip.read", "tip.view", "tip", "tip_id")
def tip_page(request: Request, access: AccessDep, conn: ConnDep, tip_id: int) -> Response:
    tip = get_tip(conn, tip_id)
    if tip is None:
        raise HTTPException(404, "no such tip")
    return render(
        request, access, TipPage(tip=tip, in_cases=case_ops.cases_for_item(conn, "tip", str(tip_id)))
    )
