"""The audit log (admins only): filtered by user, action, outcome and date range; CSV download."""

from __future__ import annotations

import io
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.contexts import AuditPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import Offset
from safeharbor.web.workspace.render import render
from safeharbor.workspace import audit as audit_log

router = APIRouter()
PAGE = 100


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter(user: str, action: str, outcome: str, since: str, until: str) -> audit_log.AuditFilter:
    """The page's filters; a date means the whole day (UTC), an unreadable one is ignored (and shown)."""
    return audit_log.AuditFilter.for_days(user, action, outcome, _day(since), _day(until))


@router.get("/audit")
@rule("audit.read", "audit.view", "audit_log")
def audit_page(
    request: Request,
    access: AccessDep,
    conn: ConnDep,
    offset: Offset = 0,
    user: str = "",
    action: str = "",
    outcome: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    offset = max(offset, 0)
    f = _filter(user, action, outcome, since, until)
    entries = audit_log.list_entries(
        conn,
        limit=PAGE,
        offset=offset,
        user=f.user,
        action=f.action,
        outcome=f.outcome,
        since=f.since,
        until=f.until,
    )
    bad = [name for name, value in (("from", since), ("to", until)) if value and _day(value) is None]
    context = AuditPage(
        entries=entries,
        offset=offset,
        total=audit_log.count_entries(conn, f),
        user_filter=user,
        action_filter=action,
        outcome_filter=outcome,
        since_filter=since,
        until_filter=until,
        query=str(request.url.query),
        date_error=f"Not a date (use YYYY-MM-DD): {', '.join(bad)}" if bad else None,
        page_size=PAGE,
    )
    return render(request, access, context)


@router.get("/audit/export.csv")
@rule("audit.read", "audit.export", "audit_log")
def audit_export(
    access: AccessDep,
    conn: ConnDep,
    user: str = "",
    action: str = "",
    outcome: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    f = _filter(user, action, outcome, since, until)
    out = io.StringIO()
    count = audit_log.write_export(audit_log.iter_entries(conn, f), out, "csv")
    access.note(detail=f"{count} entries as CSV")
    stamp = date.today().isoformat()
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="safeharbor-audit-{stamp}.csv"'},
    )
