"""Tips from the public, as analysts read them (each read is audited), and their status."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from safeharbor.tips import (
    STATUSES,
    TipStatusError,
    count_tips,
    get_tip,
    list_tips,
    set_tip_status,
    tip_status_history,
)
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import TipPage, TipsPage
from safeharbor.web.workspace.guard import Access, rule
from safeharbor.web.workspace.params import PAGE_SIZE, Offset, PathId
from safeharbor.web.workspace.render import render, url_path
from safeharbor.workspace import cases as case_ops

router = APIRouter()


@router.get("/tips")
@rule("tip.read", "tips.view", "tip")
def tips_page(
    request: Request, access: AccessDep, conn: ConnDep, offset: Offset = 0, held: bool = False
) -> Response:
    """Tips newest first; `held`: the ones held for review during a flood (see tips.ratelimit)."""
    tips = list_tips(conn, limit=PAGE_SIZE, offset=max(offset, 0), held=held)
    access.note(detail=f"{len(tips)} {'held ' if held else ''}tips")
    context = TipsPage(
        tips=tips, offset=offset, page_size=PAGE_SIZE, held=held, held_count=count_tips(conn, held=True)
    )
    return render(request, access, context)


def _tip_page(
    request: Request, access: Access, conn: Connection, tip_id: PathId, error: str | None = None
) -> Response:
    tip = get_tip(conn, tip_id)
    if tip is None:
        raise HTTPException(404, f"There is no tip {tip_id}.")
    context = TipPage(
        tip=tip,
        in_cases=case_ops.cases_for_item(conn, "tip", str(tip_id)),
        statuses=STATUSES,
        history=tip_status_history(conn, tip_id),
        error=error,
    )
    return render(request, access, context, status_code=422 if error else 200)


@router.get("/tips/{tip_id}")
@rule("tip.read", "tip.view", "tip", "tip_id")
def tip_page(request: Request, access: AccessDep, conn: ConnDep, tip_id: PathId) -> Response:
    return _tip_page(request, access, conn, tip_id)


@router.post("/tips/{tip_id}/status")
@rule("case.write", "tip.status", "tip", "tip_id")
def tip_status(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    tip_id: PathId,
    status: str = Form(...),
    note: str = Form(""),
) -> Response:
    """Move a tip along (new -> triaged -> in a case -> closed); who and when are kept and audited."""
    try:
        with store.begin() as conn:
            previous = set_tip_status(conn, tip_id, status=status, user=access.username, note=note)
    except TipStatusError as exc:
        if str(exc).startswith("no tip"):
            raise HTTPException(404, f"There is no tip {tip_id}.") from exc
        access.note(outcome="refused", detail=str(exc))
        with store.connect() as conn:
            return _tip_page(request, access, conn, tip_id, error=str(exc))
    access.note(detail=f"{previous} -> {status}" + (f": {note.strip()[:200]}" if note.strip() else ""))
    return RedirectResponse(url_path(request, "tip_page", tip_id=tip_id), status_code=303)
