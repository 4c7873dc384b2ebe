"""Workspace pages: lead queue, search, ad page, tips, audit log. Every route is guarded and audited."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeharbor.tips import get_tip, list_tips
from safeharbor.web.workspace.guard import Access, allow, store_of
from safeharbor.web.workspace.render import is_htmx, page
from safeharbor.workspace import audit as audit_log
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.adview import ad_view
from safeharbor.workspace.leads import LeadFilters, filter_choices, lead_queue, reviews_for, set_review
from safeharbor.workspace.search import search as run_search

router = APIRouter()
PAGE_SIZE = 50


def _filters(request: Request) -> LeadFilters:
    q = request.query_params
    reviewed = q.get("reviewed", "no")
    return LeadFilters(
        city=q.get("city") or None,
        state=q.get("state") or None,
        since=q.get("since") or None,
        until=q.get("until") or None,
        source=q.get("source") or None,
        indicator=q.get("indicator") or None,
        reviewed=reviewed if reviewed in ("no", "yes", "all") else "no",  # type: ignore[arg-type]
    )


@router.get("/workspace")
def workspace_home(access: Access = allow("lead.read", "leads.view", "lead")) -> Response:
    return RedirectResponse("/leads", status_code=303)


@router.get("/leads")
def leads_page(
    request: Request, offset: int = 0, access: Access = allow("lead.read", "leads.view", "lead")
) -> Response:
    filters = _filters(request)
    offset = max(offset, 0)
    with store_of(request).connect() as conn:
        rows = lead_queue(conn, filters, limit=PAGE_SIZE, offset=offset)
        choices = filter_choices(conn)
        tips = list_tips(conn, limit=5) if offset == 0 else []
    access.note(detail=f"{len(rows)} leads, offset {offset}")
    template = "leads_rows.html" if is_htmx(request) else "leads.html"
    return page(
        request,
        access,
        template,
        rows=rows,
        filters=filters,
        choices=choices,
        offset=offset,
        page_size=PAGE_SIZE,
        tips=tips,
        query=request.url.query,
    )


@router.post("/leads/review")
def review_lead(
    request: Request,
    lead_type: str = Form("ad"),
    lead_ref: str = Form(...),
    status: str = Form(...),
    reason: str = Form(""),
    access: Access = allow("lead.review", "lead.review", "lead"),
) -> Response:
    access.note(object_id=f"{lead_type}:{lead_ref}", detail=f"{status} {reason}".strip()[:200])
    if lead_type not in ("ad", "network", "tip"):
        raise HTTPException(422, "unknown lead type")
    try:
        with store_of(request).begin() as conn:
            set_review(
                conn,
                lead_type=lead_type,
                lead_ref=lead_ref,
                status=status,
                user=access.username,
                reason=reason,
            )
    except ValueError as exc:
        access.note(outcome="refused", detail=f"{status}: {exc}"[:200])
        if is_htmx(request):
            return page(
                request,
                access,
                "review_badge.html",
                status_code=200,
                error=str(exc),
                lead_type=lead_type,
                lead_ref=lead_ref,
                review=None,
            )
        raise HTTPException(422, str(exc)) from exc
    review = None if status == "open" else {"status": status, "reason": reason, "user": access.username}
    if is_htmx(request):
        return page(
            request,
            access,
            "review_badge.html",
            lead_type=lead_type,
            lead_ref=lead_ref,
            review=review,
            error=None,
        )
    back = request.headers.get("referer") or "/leads"
    return RedirectResponse(
        back if back.startswith(("/", str(request.base_url))) else "/leads", status_code=303
    )


@router.get("/search")
def search_page(
    request: Request,
    q: str = "",
    kind: Literal["auto", "text", "phone", "email", "handle", "image"] = "auto",
    access: Access = allow("search", "search", "ads"),
) -> Response:
    result = None
    if q.strip():
        with store_of(request).connect() as conn:
            result = run_search(conn, q, kind=kind, limit=100)
        access.note(detail=f"{result.kind} {q[:100]!r}: {result.total} hits")
    template = "search_results.html" if is_htmx(request) else "search.html"
    return page(request, access, template, q=q, kind=kind, result=result)


@router.get("/ads/{ad_key}")
def ad_page(
    request: Request, ad_key: int, access: Access = allow("ad.read", "ad.view", "ad", "ad_key")
) -> Response:
    with store_of(request).connect() as conn:
        view = ad_view(conn, ad_key)
        if view is None:
            raise HTTPException(404, "no such ad")
        in_cases = case_ops.cases_for_item(conn, "ad", str(ad_key))
        open_cases = case_ops.list_cases(conn, status="open", limit=50) if access.can("case.write") else []
        review = reviews_for(conn, "ad", [str(ad_key)]).get(str(ad_key))
    return page(
        request, access, "ad.html", view=view, in_cases=in_cases, open_cases=open_cases, review=review
    )


@router.get("/tips")
def tips_page(
    request: Request, offset: int = 0, access: Access = allow("tip.read", "tips.view", "tip")
) -> Response:
    with store_of(request).connect() as conn:
        tips = list_tips(conn, limit=PAGE_SIZE, offset=max(offset, 0))
    access.note(detail=f"{len(tips)} tips")
    return page(request, access, "tips.html", tips=tips, offset=offset, page_size=PAGE_SIZE)


@router.get("/tips/{tip_id}")
def tip_page(
    request: Request, tip_id: int, access: Access = allow("tip.read", "tip.view", "tip", "tip_id")
) -> Response:
    with store_of(request).connect() as conn:
        tip = get_tip(conn, tip_id)
        if tip is None:
            raise HTTPException(404, "no such tip")
        in_cases = case_ops.cases_for_item(conn, "tip", str(tip_id))
    return page(request, access, "tip.html", tip=tip, in_cases=in_cases)


@router.get("/audit")
def audit_page(
    request: Request,
    offset: int = 0,
    user: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    access: Access = allow("audit.read", "audit.view", "audit_log"),
) -> Response:
    with store_of(request).connect() as conn:
        entries = audit_log.list_entries(
            conn,
            limit=100,
            offset=max(offset, 0),
            user=user or None,
            action=action or None,
            outcome=outcome or None,
        )
        total = audit_log.count_entries(conn)
    return page(
        request,
        access,
        "audit.html",
        entries=entries,
        offset=offset,
        total=total,
        user_filter=user or "",
        action_filter=action or "",
        outcome_filter=outcome or "",
    )
