"""Case pages: list, open from a lead, attach, assign, note, status/outcome, referral export."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from safeharbor.storage import Store
from safeharbor.tips import get_tip
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import CasePage, CasesPage
from safeharbor.web.workspace.guard import Access, rule
from safeharbor.web.workspace.params import PathId
from safeharbor.web.workspace.render import render, url_path
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.accounts import list_users
from safeharbor.workspace.referrals import HOTLINES, export_referral, list_exports

router = APIRouter()


def _back(request: Request, case_id: PathId) -> Response:
    return RedirectResponse(url_path(request, "case_page", case_id=case_id), status_code=303)


@router.get("/cases")
@rule("case.read", "cases.view", "case")
def cases_page(
    request: Request, access: AccessDep, conn: ConnDep, status: str = "", mine: bool = False
) -> Response:
    rows = case_ops.list_cases(conn, status=status or None, assignee=access.username if mine else None)
    context = CasesPage(cases=rows, status=status, mine=mine, statuses=case_ops.STATUSES)
    return render(request, access, context)


@router.post("/cases")
@rule("case.write", "case.create", "case")
def create_case(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    title: str = Form(...),
    item_type: str = Form(""),
    item_ref: str = Form(""),
) -> Response:
    items = [(item_type, item_ref)] if item_type and item_ref else []
    try:
        with store.begin() as conn:
            case_id = case_ops.open_case(conn, title=title, user=access.username, items=items)
    except case_ops.CaseError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        raise HTTPException(422, f"The case was not opened: {exc}.") from exc
    access.note(object_id=str(case_id), detail=f"from {item_type} {item_ref}".strip() if items else None)
    return _back(request, case_id)


def _case_page(
    request: Request,
    access: Access,
    conn: Connection,
    case_id: PathId,
    *,
    error: str | None = None,
    kept: dict[str, str] | None = None,
) -> Response:
    detail = case_ops.get_case(conn, case_id)
    if detail is None:
        raise HTTPException(404, f"There is no case {case_id}.")
    attached = [t for t in (get_tip(conn, i, with_matches=False) for i in detail.tip_ids()) if t is not None]
    context = CasePage(
        detail=detail,
        exports=list_exports(conn, case_id),
        people=[u.username for u in list_users(conn) if u.role in ("admin", "analyst") and not u.disabled],
        statuses=case_ops.STATUSES,
        outcomes=list(case_ops.OUTCOMES),
        hotlines=HOTLINES,
        tips=attached,
        error=error,
        kept=kept or {},
    )
    return render(request, access, context, status_code=422 if error else 200)


@router.get("/cases/{case_id}")
@rule("case.read", "case.view", "case", "case_id")
def case_page(request: Request, access: AccessDep, conn: ConnDep, case_id: PathId) -> Response:
    return _case_page(request, access, conn, case_id)


def _change(
    request: Request,
    access: Access,
    store: Store,
    case_id: PathId,
    change: Callable[[Connection], object],
    kept: dict[str, str] | None = None,
) -> Response:
    """Apply one change to a case in its own transaction, then go back to the case page; a refused
    change shows the case page again with the reason and what was typed (nothing else is lost)."""
    try:
        with store.begin() as conn:
            change(conn)
    except case_ops.CaseError as exc:
        if str(exc).startswith("no case"):
            raise HTTPException(404, f"There is no case {case_id}.") from exc
        access.note(outcome="refused", detail=str(exc)[:200])
        with store.connect() as conn:
            return _case_page(request, access, conn, case_id, error=str(exc), kept=kept)
    return _back(request, case_id)


@router.post("/cases/{case_id}/items")
@rule("case.write", "case.attach", "case", "case_id")
def add_item(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    case_id: PathId,
    item_type: str = Form(...),
    item_ref: str = Form(...),
) -> Response:
    access.note(detail=f"{item_type} {item_ref[:200]}")
    return _change(
        request,
        access,
        store,
        case_id,
        lambda c: case_ops.attach(c, case_id, item_type=item_type, ref=item_ref, user=access.username),
        {"item_type": item_type, "item_ref": item_ref},
    )


@router.post("/cases/{case_id}/items/remove")
@rule("case.write", "case.detach", "case", "case_id")
def remove_item(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    case_id: PathId,
    item_type: str = Form(...),
    item_ref: str = Form(...),
) -> Response:
    access.note(detail=f"{item_type} {item_ref}")
    return _change(
        request,
        access,
        store,
        case_id,
        lambda c: case_ops.detach(c, case_id, item_type=item_type, ref=item_ref, user=access.username),
    )


@router.post("/cases/{case_id}/notes")
@rule("case.write", "case.note", "case", "case_id")
def add_note(
    request: Request, access: AccessDep, store: StoreDep, case_id: PathId, body: str = Form(...)
) -> Response:
    return _change(
        request,
        access,
        store,
        case_id,
        lambda c: case_ops.add_note(c, case_id, body=body, user=access.username),
        {"body": body},
    )


@router.post("/cases/{case_id}/assign")
@rule("case.write", "case.assign", "case", "case_id")
def assign_case(
    request: Request, access: AccessDep, store: StoreDep, case_id: PathId, assignee: str = Form(...)
) -> Response:
    access.note(detail=assignee)
    return _change(
        request,
        access,
        store,
        case_id,
        lambda c: case_ops.assign(c, case_id, assignee=assignee, user=access.username),
    )


@router.post("/cases/{case_id}/status")
@rule("case.write", "case.status", "case", "case_id")
def case_status(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    case_id: PathId,
    status: str = Form(...),
    outcome: str = Form(""),
) -> Response:
    access.note(detail=f"{status} {outcome}".strip())
    return _change(
        request,
        access,
        store,
        case_id,
        lambda c: case_ops.set_status(
            c, case_id, status=status, outcome=outcome or None, user=access.username
        ),
    )


@router.post("/cases/{case_id}/referral")
@rule("referral.export", "referral.export", "case", "case_id")
def referral(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    case_id: PathId,
    recipient: str = Form(""),
    fmt: str = Form("pdf"),
    summary: str = Form(""),
) -> Response:
    try:
        with store.begin() as conn:
            export = export_referral(
                conn, case_id, recipient=recipient, user=access.username, fmt=fmt, summary=summary
            )
    except case_ops.CaseError as exc:
        if str(exc).startswith("no case"):
            raise HTTPException(404, f"There is no case {case_id}.") from exc
        access.note(outcome="refused", detail=str(exc)[:200])
        kept = {"recipient": recipient, "summary": summary, "fmt": fmt}
        with store.connect() as conn:
            return _case_page(request, access, conn, case_id, error=str(exc), kept=kept)
    access.note(detail=f"export {export.export_id} {fmt} to {recipient[:80]} sha256 {export.sha256}")
    return Response(
        export.content,
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "X-Content-SHA256": export.sha256,
            "Cache-Control": "no-store",
        },
    )
