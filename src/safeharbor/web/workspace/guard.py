"""Authentication, role checks, CSRF and the one-audit-row-per-access rule for workspace routes.

Every protected route states its rule (`@rule("lead.read", "leads.view", "lead")`: the permission it
needs and what its audit row says) and takes `access: AccessDep` (safeharbor.web.deps), which calls
`admit`: it resolves the session cookie, checks the role and (for state-changing methods) the CSRF
token, and either refuses (writing a "denied" audit row) or lets the request through with a pending
audit entry that `audit_middleware` writes once the response status is known (ok / not_found / error).
So each access writes exactly one row. `check_guarded` refuses to build a router with a route that
has a rule but no access dependency, or the other way round.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from safeharbor.storage import Store
from safeharbor.workspace import accounts, signin
from safeharbor.workspace.audit import record

SESSION_COOKIE = "sh_session"
LOGIN_CSRF_COOKIE = "sh_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_AUDIT_KEY = "safeharbor.audit"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

ALL_ROLES = frozenset({"admin", "analyst", "reviewer"})
EDITORS = frozenset({"admin", "analyst"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "lead.read": ALL_ROLES,
    "lead.review": ALL_ROLES,  # reviewing leads is the reviewer role's job
    "search": ALL_ROLES,
    "ad.read": ALL_ROLES,
    "network.read": ALL_ROLES,
    "case.read": ALL_ROLES,
    "case.write": EDITORS,
    "referral.export": EDITORS,
    "tip.read": ALL_ROLES,
    "audit.read": frozenset({"admin"}),
    "user.admin": frozenset({"admin"}),
    "model.read": ALL_ROLES,
    "model.fit": EDITORS,  # re-fit weights from reviews; accept proposed phrases into the catalogue
    "alert.read": ALL_ROLES,  # watches and alerts are each analyst's own
    "watch.write": ALL_ROLES,
}


@dataclass(frozen=True, slots=True)
class Access:
    """A signed-in user allowed through one route; `note` refines what the audit row says."""

    user: accounts.User
    csrf_token: str
    request: Request

    @property
    def username(self) -> str:
        return self.user.username

    def note(
        self,
        *,
        object_id: str | None = None,
        detail: str | None = None,
        action: str | None = None,
        outcome: str | None = None,
    ) -> None:
        """Refine the audit row; `outcome="refused"` for an action turned down with a 2xx page."""
        pending = self.request.scope.get(_AUDIT_KEY)
        if pending is None:
            return
        if outcome is not None:
            pending["outcome"] = outcome
        if object_id is not None:
            pending["object_id"] = object_id
        if detail is not None:
            pending["detail"] = detail
        if action is not None:
            pending["action"] = action

    def can(self, permission: str) -> bool:
        return self.user.role in PERMISSIONS[permission]


class LoginRedirect(Exception):
    """Raised for a page request without a live session: answered with a redirect to /login."""

    def __init__(self, target: str, expired: bool) -> None:
        self.target = target
        self.expired = expired


@dataclass(frozen=True, slots=True)
class Rule:
    """What a route needs (a permission) and what its audit row says (action, object, id parameter)."""

    permission: str
    action: str
    object_type: str
    object_param: str | None = None


_RULES: dict[Callable[..., Any], Rule] = {}
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def rule(
    permission: str, action: str, object_type: str, object_param: str | None = None
) -> Callable[[Endpoint], Endpoint]:
    """Declare a route's access rule (put it under the `@router.get(...)` line)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def declare(endpoint: Endpoint) -> Endpoint:
        _RULES[endpoint] = Rule(permission, action, object_type, object_param)
        return endpoint

    return declare


def rule_of(request: Request) -> Rule:
    """The rule of the route serving this request (a route without one is a programming error)."""
    route = request.scope.get("route")
    endpoint = route.endpoint if isinstance(route, APIRoute) else request.scope.get("endpoint")
    found = _RULES.get(endpoint) if endpoint is not None else None
    if found is None:
        raise RuntimeError(f"{request.url.path}: the route declares no access rule")
    return found


def check_guarded(routes: Iterable[BaseRoute], dependency: Callable[..., Any], open_paths: set[str]) -> None:
    """Every route outside `open_paths` has a rule and depends on `dependency` (the access check)."""
    for route in routes:
        if not isinstance(route, APIRoute) or route.path in open_paths:
            continue
        calls = {d.call for d in route.dependant.dependencies}
        if route.endpoint not in _RULES or dependency not in calls:
            raise RuntimeError(f"{route.path}: a workspace route needs @rule(...) and `access: AccessDep`")


def _is_page(request: Request) -> bool:
    return (
        request.method == "GET"
        and not request.url.path.startswith("/api/")
        and "HX-Request" not in request.headers
    )


def _write(store: Store, **row: Any) -> None:
    with store.begin() as conn:
        record(conn, **row)


def _resume(store: Store, session_id: str) -> signin.Session | None:
    with store.begin() as conn:
        return signin.resume_session(conn, session_id)


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    return sent is not None and secrets.compare_digest(sent, expected)


async def admit(request: Request, store: Store, rule: Rule) -> Access:
    """Admit only signed-in users whose role holds the rule's permission (see the module docstring)."""
    check = require(rule.permission, rule.action, rule.object_type, rule.object_param)
    return await check(request, store)


def require(
    permission: str, action: str, object_type: str, object_param: str | None = None
) -> Callable[[Request, Store], Awaitable[Access]]:
    """The check for one rule: admits only signed-in users whose role holds `permission`."""
    roles = PERMISSIONS[permission]

    async def dependency(request: Request, store: Store) -> Access:
        object_id = str(request.path_params.get(object_param)) if object_param else None
        row = {"action": action, "object_type": object_type, "object_id": object_id}
        session_id = request.cookies.get(SESSION_COOKIE)
        session = await run_in_threadpool(_resume, store, session_id) if session_id else None
        if session is None:
            await run_in_threadpool(_write, store, user=None, outcome="denied", detail="not signed in", **row)
            if _is_page(request):
                raise LoginRedirect(
                    str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
                    expired=bool(session_id),
                )
            raise HTTPException(status_code=401, detail="sign in first")
        user = session.user.username
        if session.user.role not in roles:
            await run_in_threadpool(
                _write, store, user=user, outcome="denied", detail=f"role {session.user.role}", **row
            )
            raise HTTPException(status_code=403, detail="your role does not allow this")
        if request.method in _UNSAFE and not await _csrf_ok(request, session.csrf_token):
            await run_in_threadpool(
                _write, store, user=user, outcome="denied", detail="bad CSRF token", **row
            )
            raise HTTPException(status_code=403, detail="the form expired; reload the page and try again")
        pending = request.scope.get(_AUDIT_KEY)
        if pending is not None:
            pending.update(user=user, **row)
        access = Access(user=session.user, csrf_token=session.csrf_token, request=request)
        request.state.workspace_access = access  # so an error page still shows who is signed in
        return access

    return dependency


async def sign_out(request: Request, store: Store) -> None:
    """End the request's session, with the same CSRF check and audit row as every guarded route.

    Without a live session there is nothing to end and nothing to record; with a wrong token the
    session stays and a "denied" row says why.
    """
    session_id = request.cookies.get(SESSION_COOKIE)
    session = await run_in_threadpool(_resume, store, session_id) if session_id else None
    if session is None or session_id is None:
        return
    row = {"user": session.user.username, "action": "logout", "object_type": "user"}
    if not await _csrf_ok(request, session.csrf_token):
        await run_in_threadpool(
            _write, store, **row, object_id=session.user.username, outcome="denied", detail="bad CSRF token"
        )
        return

    def end() -> None:
        with store.begin() as conn:
            signin.end_session(conn, session_id)
            record(conn, **row, object_id=session.user.username, outcome="ok")

    await run_in_threadpool(end)


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status == 404:
        return "not_found"
    if status in (401, 403):
        return "denied"
    return "error" if status >= 500 else "refused"


Middleware = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def audit_middleware(store_of: Callable[[Request], Store]) -> Middleware:
    """Middleware that writes the pending audit row of an admitted request once its outcome is known."""

    async def write_pending(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        pending: dict[str, Any] = {}
        request.scope[_AUDIT_KEY] = pending
        try:
            response = await call_next(request)
        except Exception:
            if pending:
                pending.pop("outcome", None)
                await run_in_threadpool(_write, store_of(request), outcome="error", **pending)
            raise
        if pending:
            outcome = pending.pop("outcome", None) or _outcome(response.status_code)
            await run_in_threadpool(_write, store_of(request), outcome=outcome, **pending)
        return response

    return write_pending


def login_redirect_response(request: Request, exc: LoginRedirect) -> Response:
    """To the sign-in form (its path from the router), coming back to the page asked for afterwards."""
    query = "next=" + quote(exc.target, safe="") + ("&expired=1" if exc.expired else "")
    target = f"{request.app.url_path_for('login_form')}?{query}"
    response = Response(status_code=303, headers={"Location": target})
    if exc.expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
