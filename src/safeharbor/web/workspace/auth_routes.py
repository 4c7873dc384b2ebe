"""Sign in (password + TOTP), sign out. The login form has its own double-submit CSRF token."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeharbor.web.deps import LoginThrottleDep, StoreDep
from safeharbor.web.workspace.contexts import LoginPage
from safeharbor.web.workspace.guard import CSRF_FIELD, LOGIN_CSRF_COOKIE, SESSION_COOKIE, sign_out
from safeharbor.web.workspace.render import render, url_path
from safeharbor.workspace import signin
from safeharbor.workspace.audit import record

router = APIRouter()

# One message for every refusal (unknown name, wrong password or code, locked, disabled), so the page
# never confirms that a username exists; the audit log keeps the real reason for administrators.
_GENERIC = (
    "Wrong username, password or code. After several failed attempts sign-in is paused for "
    f"{signin.LOCKOUT_MINUTES} minutes; an administrator can help sooner."
)
# Decided before the username is looked up, so it too says nothing about any account.
_THROTTLED = "Too many sign-in attempts. Please wait {minutes} minutes and try again."


def _safe_next(request: Request, target: str | None) -> str:
    # Only same-site paths: never an absolute URL an attacker could bounce a user to.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_path(request, "leads_page")


def _login_page(request: Request, *, error: str | None, next_url: str, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    context = LoginPage(
        error=error, next_url=next_url, login_csrf=token, expired=request.query_params.get("expired") == "1"
    )
    response = render(request, None, context, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 - query name
    return _login_page(request, error=None, next_url=_safe_next(request, next))


@router.post("/login")
async def login(
    request: Request,
    store: StoreDep,
    throttle: LoginThrottleDep,
    username: str = Form(""),
    password: str = Form(""),
    code: str = Form(""),
    next: str = Form(""),  # noqa: A002 - form field name (empty: the lead queue)
) -> Response:
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (isinstance(sent, str) and cookie and secrets.compare_digest(sent, cookie)):

        def refuse() -> None:
            with store.begin() as conn:
                record(
                    conn,
                    user=None,
                    action="login",
                    object_type="user",
                    object_id=username[:80] or None,
                    outcome="denied",
                    detail="bad CSRF token",
                )

        await run_in_threadpool(refuse)
        return _login_page(
            request,
            error="The form expired; please try again.",
            next_url=_safe_next(request, next),
            status=403,
        )

    client = request.client.host if request.client else None

    def check() -> signin.LoginResult:
        return signin.authenticate(store, username, password, code, client=client, throttle=throttle)

    result = await run_in_threadpool(check)
    if result.reason == "throttled":
        wait = throttle.seconds_left()
        message = _THROTTLED.format(minutes=max(1, -(-wait // 60)))
        response = _login_page(request, error=message, next_url=_safe_next(request, next), status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    if not result.ok or result.session_id is None:
        return _login_page(request, error=_GENERIC, next_url=_safe_next(request, next), status=401)
    response = RedirectResponse(_safe_next(request, next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_id,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, store: StoreDep) -> Response:
    await sign_out(request, store)
    response = RedirectResponse(url_path(request, "login_form"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
