"""Accounts for an organisation (admins only): list, add, disable/enable, change role, reset the
password or the second factor. The rules (password policy, normalised names, the last enabled admin,
ending sessions) are `safeharbor.workspace.accounts`'; each request here writes its one audit row,
`refused` when the rules turn it down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from safeharbor.storage import Store
from safeharbor.web.deps import AccessDep, StoreDep
from safeharbor.web.workspace.contexts import UsersPage
from safeharbor.web.workspace.guard import Access, rule
from safeharbor.web.workspace.render import render
from safeharbor.workspace import accounts
from safeharbor.workspace.passwords import MIN_LENGTH
from safeharbor.workspace.tables import ROLES

router = APIRouter()
T = TypeVar("T")


def _page(
    request: Request,
    access: Access,
    store: Store,
    *,
    message: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    secret: tuple[str, str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with store.connect() as conn:
        people = accounts.list_users(conn)
    context = UsersPage(
        users=people,
        roles=ROLES,
        min_length=MIN_LENGTH,
        message=message,
        error=error,
        form=form,
        secret=secret,
    )
    return render(request, access, context, status_code=status_code)


def _change(
    request: Request,
    access: Access,
    store: Store,
    username: str,
    change: Callable[[Connection], T],
    done: Callable[[T], str],
    form: dict[str, str] | None = None,
) -> Response:
    """Apply one account change; a refusal is shown on the page (input kept) and audited `refused`."""
    access.note(object_id=username[:80])
    try:
        with store.begin() as conn:
            result = change(conn)
    except accounts.AccountError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        return _page(request, access, store, error=str(exc), form=form, status_code=422)
    message = done(result)
    access.note(detail=message[:200])
    return _page(request, access, store, message=message)


@router.get("/users")
@rule("user.admin", "users.view", "user")
def users_page(request: Request, access: AccessDep, store: StoreDep) -> Response:
    return _page(request, access, store)


@router.post("/users")
@rule("user.admin", "user.add", "user")
def add_user(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "analyst",
    password: Annotated[str, Form()] = "",
) -> Response:
    access.note(object_id=username[:80], detail=f"role {role}")
    try:
        with store.begin() as conn:
            created = accounts.create_user(conn, username, password, role)
    except accounts.AccountError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        form = {"username": username, "role": role}  # never the password
        return _page(request, access, store, error=str(exc), form=form, status_code=422)
    name = created.user.username
    access.note(object_id=name)
    return _page(
        request,
        access,
        store,
        message=f"Added {name} ({role}).",
        secret=(name, created.totp_secret, created.totp_uri()),
    )


@router.post("/users/{username}/disable")
@rule("user.admin", "user.disable", "user", "username")
def disable_user(request: Request, access: AccessDep, store: StoreDep, username: str) -> Response:
    return _change(
        request,
        access,
        store,
        username,
        lambda conn: accounts.set_disabled(conn, username, True),
        lambda user: f"Disabled {user.username}; their sessions have ended.",
    )


@router.post("/users/{username}/enable")
@rule("user.admin", "user.enable", "user", "username")
def enable_user(request: Request, access: AccessDep, store: StoreDep, username: str) -> Response:
    return _change(
        request,
        access,
        store,
        username,
        lambda conn: accounts.set_disabled(conn, username, False),
        lambda user: f"Enabled {user.username}.",
    )


@router.post("/users/{username}/role")
@rule("user.admin", "user.role", "user", "username")
def change_role(
    request: Request, access: AccessDep, store: StoreDep, username: str, role: Annotated[str, Form()] = ""
) -> Response:
    return _change(
        request,
        access,
        store,
        username,
        lambda conn: accounts.set_role(conn, username, role),
        lambda user: f"{user.username} is now {user.role}; their sessions have ended.",
    )


@router.post("/users/{username}/password")
@rule("user.admin", "user.reset_password", "user", "username")
def reset_password(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    username: str,
    password: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        request,
        access,
        store,
        username,
        lambda conn: accounts.set_password(conn, username, password),
        lambda _: f"New password set for {accounts.canonical(username)}; their sessions have ended.",
    )


@router.post("/users/{username}/totp")
@rule("user.admin", "user.reset_totp", "user", "username")
def reset_second_factor(request: Request, access: AccessDep, store: StoreDep, username: str) -> Response:
    access.note(object_id=username[:80])
    try:
        with store.begin() as conn:
            secret = accounts.reset_totp(conn, username)
    except accounts.AccountError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        return _page(request, access, store, error=str(exc), status_code=422)
    name = accounts.canonical(username)
    access.note(detail="new second factor; sessions ended")
    return _page(
        request,
        access,
        store,
        message=f"New second factor for {name}; their sessions have ended.",
        secret=(name, secret, accounts.totp_uri(name, secret)),
    )
