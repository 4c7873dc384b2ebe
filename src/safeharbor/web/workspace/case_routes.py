"""Case pages: list, open from a lead, attach, assign, note, status/outcome, referral export."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeharbor.web.workspace.guard import Access, allow, store_of
from safeharbor.web.workspace.render import page
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.accounts import list_users
from safeharbor.workspace.referrals import HOTLINES, export_referral, list_exports

router = APIRouter()


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases")
def cases_page(
    request: Request,
    status: str | None = None,
    mine: bool = False,
    access: Access = allow("case.read", "cases.view", "case"),
) -> Response:
    with store_of(request).connect() as conn:
        rows = case_ops.list_cases(conn, status=status or None, assignee=access.username if mine else None)
    return page(
        request, access, "cases.html", cases=rows, status=status or "", mine=mine, statuses=case_ops.STATUSES
    )


@router.post("/cases")
def create_case(
    request: Request,
    title: str = Form(...),
    item_type: str = Form(""),
    item_ref: str = Form(""),
    access: Access = allow("case.write", "case.create", "case"),
) -> Response:
    items = [(item_type, item_ref)] if item_type and item_ref else []
    try:
        with store_of(request).begin() as conn:
            case_id = case_ops.open_case(conn, title=title, user=access.username, items=items)
    except case_ops.CaseError as exc:
        raise HTTPException(422, str(exc)) from exc
    access.note(object_id=str(case_id), detail=f"from {item_type} {item_ref}".strip() if items else None)
    return _back(case_id)


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: int, access: Access = allow("case.read", "case.view", "case", "case_id")
) -> Response:
    with store_of(request).connect() as conn:
        detail = case_ops.get_case(conn, case_id)
        if detail is None:
            raise HTTPException(404, "no such case")
        exports = list_exports(conn, case_id)
        people = [u.username for u in list_users(conn) if u.role in ("admin", "analyst") and not u.disabled]
    return page(
        request,
        access,
        "case.html",
        detail=detail,
        exports=exports,
        people=people,
        statuses=case_ops.STATUSES,
        outcomes=list(case_ops.OUTCOMES),
        hotlines=HOTLINES,
    )


def _mutate(request: Request, case_id: int, action: str, fn: object) -> Response:
    try:
        with store_of(request).begin() as conn:
            fn(conn)  # type: ignore[operator]
    except case_ops.CaseError as exc:
        status = 404 if str(exc).startswith("no case") else 422
        raise HTTPException(status, str(exc)) from exc
    return _back(case_id)


@router.post("/cases/{case_id}/items")
def add_item(
    request: Request,
    case_id: int,
    item_type: str = Form(...),
    item_ref: str = Form(...),
    access: Access = allow("case.write", "case.attach", "case", "case_id"),
) -> Response:
    access.note(detail=f"{item_type} {item_ref}")
    return _mutate(
        request,
        case_id,
        "attach",
        lambda c: case_ops.attach(c, case_id, item_type=item_type, ref=item_ref, user=access.username),
    )


@router.post("/cases/{case_id}/items/remove")
def remove_item(
    request: Request,
    case_id: int,
    item_type: str = Form(...),
    item_ref: str = Form(...),
    access: Access = allow("case.write", "case.detach", "case", "case_id"),
) -> Response:
    access.note(detail=f"{item_type} {item_ref}")
    return _mutate(
        request,
        case_id,
        "detach",
        lambda c: case_ops.detach(c, case_id, item_type=item_type, ref=item_ref, user=access.username),
    )


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request,
    case_id: int,
    body: str = Form(...),
    access: Access = allow("case.write", "case.note", "case", "case_id"),
) -> Response:
    return _mutate(
        request, case_id, "note", lambda c: case_ops.add_note(c, case_id, body=body, user=access.username)
    )


@router.post("/cases/{case_id}/assign")
def assign_case(
    request: Request,
    case_id: int,
    assignee: str = Form(...),
    access: Access = allow("case.write", "case.assign", "case", "case_id"),
) -> Response:
    access.note(detail=assignee)
    return _mutate(
        request,
        case_id,
        "assign",
        lambda c: case_ops.assign(c, case_id, assignee=assignee, user=access.username),
    )


@router.post("/cases/{case_id}/status")
def case_status(
    request: Request,
    case_id: int,
    status: str = Form(...),
    outcome: str = Form(""),
    access: Access = allow("case.write", "case.status", "case", "case_id"),
) -> Response:
    access.note(detail=f"{status} {outcome}".strip())
    return _mutate(
        request,
        case_id,
        "status",
        lambda c: case_ops.set_status(
            c, case_id, status=status, outcome=outcome or None, user=access.username
        ),
    )


@router.post("/cases/{case_id}/referral")
def referral(
    request: Request,
    case_id: int,
    recipient: str = Form(...),
    fmt: str = Form("pdf"),
    summary: str = Form(""),
    access: Access = allow("referral.export", "referral.export", "case", "case_id"),
) -> Response:
    try:
        with store_of(request).begin() as conn:
            export = export_referral(
                conn, case_id, recipient=recipient, user=access.username, fmt=fmt, summary=summary
            )
    except case_ops.CaseError as exc:
        raise HTTPException(404 if str(exc).startswith("no case") else 422, str(exc)) from exc
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
