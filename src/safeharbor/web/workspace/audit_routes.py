"""The audit log (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from safeharbor.web.deps import AccessDep, ConnDep
from safeharbor.web.workspace.contexts import AuditPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.render import render
from safeharbor.workspace import audit as audit_log

router = APIRouter()


@router.get("/audit")
@rule("audit.read", "audit.view", "audit_log")
def audit_page(
    request: Request,
    access: AccessDep,
    conn: ConnDep,
    offset: int = 0,
    user: str = "",
    action: str = "",
    outcome: str = "",
) -> Response:
    entries = audit_log.list_entries(
        conn,
        limit=100,
        offset=max(offset, 0),
        user=user or None,
        action=action or None,
        outcome=outcome or None,
    )
    context = AuditPage(
        entries=entries,
        offset=offset,
        total=audit_log.count_entries(conn),
        user_filter=user,
        action_filter=action,
        outcome_filter=outcome,
    )
    return render(request, access, context)
