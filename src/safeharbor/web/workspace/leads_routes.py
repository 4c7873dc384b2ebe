"""The lead queue and lead reviews."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeharbor.tips import list_tips
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import LeadsPage, ReviewBadge
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE, LeadFiltersDep
from safeharbor.web.workspace.render import is_htmx, render, url_path
from safeharbor.workspace.csv_export import MAX_ROWS
from safeharbor.workspace.leads import filter_choices, lead_queue, lead_total, set_review
from safeharbor.workspace.teaching import teaching_rows
from safeharbor.workspace.tiplinks import links_by_lead

router = APIRouter()
# Tips read per lead page to show on the leads they match (the newest open ones; each is matched).
RECENT_TIPS = 10


@router.get("/workspace")
@rule("lead.read", "leads.view", "lead")
def workspace_home(request: Request, access: AccessDep) -> Response:
    return RedirectResponse(url_path(request, "leads_page"), status_code=303)


@router.get("/leads")
@rule("lead.read", "leads.view", "lead")
def leads_page(
    request: Request, access: AccessDep, conn: ConnDep, filters: LeadFiltersDep, offset: int = 0
) -> Response:
    offset = max(offset, 0)
    if filters.teach and filters.reviewed != "yes":
        rows = teaching_rows(conn, filters, limit=PAGE_SIZE, offset=offset)
    else:
        rows = lead_queue(conn, filters, limit=PAGE_SIZE, offset=offset)
    recent = [t for t in list_tips(conn, limit=RECENT_TIPS) if t.status != "closed"]
    context = LeadsPage(
        rows=rows,
        filters=filters,
        choices=filter_choices(conn),
        offset=offset,
        page_size=PAGE_SIZE,
        tips=recent[:5] if offset == 0 else [],
        query=request.url.query,
        tip_links=links_by_lead(recent),
        export_query=urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "offset"]),
        total=lead_total(conn, filters),
        max_bulk=MAX_ROWS,
    )
    access.note(detail=f"{len(rows)} leads, offset {offset}")
    return render(request, access, context, template=LeadsPage.rows_template if is_htmx(request) else None)


@router.post("/leads/review")
@rule("lead.review", "lead.review", "lead")
def review_lead(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    lead_type: str = Form("ad"),
    lead_ref: str = Form(...),
    status: str = Form(...),
    reason: str = Form(""),
) -> Response:
    access.note(object_id=f"{lead_type}:{lead_ref}", detail=f"{status} {reason}".strip()[:200])
    if lead_type not in ("ad", "network", "tip"):
        raise HTTPException(422, "unknown lead type")
    try:
        with store.begin() as conn:
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
            return render(request, access, ReviewBadge(lead_type, lead_ref, review=None, error=str(exc)))
        raise HTTPException(422, str(exc)) from exc
    review = None if status == "open" else {"status": status, "reason": reason, "user": access.username}
    if is_htmx(request):
        return render(request, access, ReviewBadge(lead_type, lead_ref, review=review, error=None))
    queue = url_path(request, "leads_page")
    back = request.headers.get("referer") or queue
    return RedirectResponse(back if back.startswith(("/", str(request.base_url))) else queue, status_code=303)
