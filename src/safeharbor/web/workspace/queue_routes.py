"""Working the queue in bulk: one decision (with one reason) on the selected leads or on every lead
matching the queue's filters (at most MAX_ROWS), and CSV downloads of the lead queue and of search
results. Each request writes one audit row naming every lead it touched."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeharbor.storage.times import now_iso
from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import MessagePage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import LeadFiltersDep
from safeharbor.web.workspace.render import render, url_path
from safeharbor.workspace.csv_export import MAX_ROWS, leads_csv, search_csv
from safeharbor.workspace.leads import lead_queue, set_review
from safeharbor.workspace.search import SearchKind
from safeharbor.workspace.search import search as run_search

router = APIRouter()
BULK_STATUSES = ("confirmed", "reviewed", "dismissed")
LEAD_TYPES = ("ad", "network")


class BulkError(ValueError):
    pass


def parse_leads(values: list[str]) -> list[tuple[str, str]]:
    """`ad:123` / `network:N-000026` pairs, deduplicated in order (BulkError on anything else)."""
    out: list[tuple[str, str]] = []
    for value in values:
        kind, _, ref = value.partition(":")
        if kind not in LEAD_TYPES or not ref or len(ref) > 100:
            raise BulkError(f"not a lead: {value[:40]!r}")
        if (kind, ref) not in out:
            out.append((kind, ref))
    return out


def _csv_response(body: str, name: str) -> Response:
    stamp = now_iso()[:10]
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="safeharbor-{name}-{stamp}.csv"'},
    )


def _back(request: Request) -> str:
    queue = url_path(request, "leads_page")
    back = request.headers.get("referer") or queue
    return back if back.startswith(("/", str(request.base_url))) else queue


@router.post("/leads/review-bulk")
@rule("lead.review", "lead.review_bulk", "lead")
def review_leads(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    filters: LeadFiltersDep,
    lead: Annotated[list[str] | None, Form()] = None,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "selected",
) -> Response:
    try:
        if scope == "matching":  # every lead the queue lists with the filters in the query string
            with store.connect() as conn:
                leads = [(row.kind, row.ref) for row in lead_queue(conn, filters, limit=MAX_ROWS)]
        else:
            leads = parse_leads(lead or [])
        if not leads:
            raise BulkError("select one or more leads first")
        if status not in BULK_STATUSES:
            raise BulkError(f"status must be one of {', '.join(BULK_STATUSES)}")
        with store.begin() as conn:
            for kind, ref in leads:
                set_review(
                    conn, lead_type=kind, lead_ref=ref, status=status, user=access.username, reason=reason
                )
    except ValueError as exc:  # BulkError, or set_review's own refusal (a dismissal needs a reason)
        access.note(outcome="refused", detail=f"{status} {len(lead or [])} leads: {exc}"[:200])
        page = MessagePage(title="Nothing was changed", message=f"{exc}.", back_url=_back(request))
        return render(request, access, page, status_code=422)
    refs = ",".join(f"{k}:{r}" for k, r in leads)
    access.note(object_id=refs[:200], detail=f"{status} {len(leads)} leads {reason}".strip()[:200])
    return RedirectResponse(_back(request), status_code=303)


@router.get("/leads/export.csv")
@rule("lead.read", "leads.export", "lead")
def export_leads(access: AccessDep, conn: ConnDep, filters: LeadFiltersDep) -> Response:
    rows = lead_queue(conn, filters, limit=MAX_ROWS)
    access.note(detail=f"{len(rows)} leads as CSV")
    return _csv_response(leads_csv(rows), "leads")


@router.get("/search/export.csv")
@rule("search", "search.export", "ads")
def export_search(access: AccessDep, conn: ConnDep, q: str = "", kind: SearchKind = "auto") -> Response:
    result = run_search(conn, q, kind=kind, limit=MAX_ROWS)
    access.note(detail=f"{result.kind} {q[:100]!r}: {len(result.hits)} of {result.total} hits as CSV")
    return _csv_response(search_csv(result.hits), "search")
