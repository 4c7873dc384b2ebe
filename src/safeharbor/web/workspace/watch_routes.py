"""Watched identifiers and the alerts they raise: the Alerts page, marking read, adding and removing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeharbor.web.deps import AccessDep, ConnDep, StoreDep
from safeharbor.web.workspace.contexts import AlertsPage, WatchesPage
from safeharbor.web.workspace.guard import rule
from safeharbor.web.workspace.params import PAGE_SIZE, Offset, PathId
from safeharbor.web.workspace.render import render, url_path
from safeharbor.workspace import alerts as alert_ops
from safeharbor.workspace import watches as watch_ops
from safeharbor.workspace.watch_tables import WATCH_KINDS

router = APIRouter()


def _back(request: Request, target: str, fallback: str) -> str:
    """A same-site path to return to (never an absolute URL someone could bounce a user to)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_path(request, fallback)


@router.get("/alerts")
@rule("alert.read", "alerts.view", "alert")
def alerts_page(
    request: Request, access: AccessDep, conn: ConnDep, unread: str = "", offset: Offset = 0
) -> Response:
    offset = max(offset, 0)
    only_unread = unread == "1"
    found = alert_ops.list_alerts(
        conn, access.username, unread_only=only_unread, limit=PAGE_SIZE, offset=offset
    )
    total = alert_ops.count_alerts(conn, access.username, unread_only=only_unread)
    access.note(detail=f"{len(found)} of {total} alerts, offset {offset}")
    context = AlertsPage(
        alerts=found, total=total, unread_only=only_unread, offset=offset, page_size=PAGE_SIZE
    )
    return render(request, access, context)


@router.post("/alerts/read")
@rule("alert.read", "alerts.mark_read", "alert")
def mark_alerts_read(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    alert_id: Annotated[list[int] | None, Form()] = None,
    everything: Annotated[str, Form(alias="all")] = "",
) -> Response:
    ids = None if everything == "1" else list(alert_id or [])
    with store.begin() as conn:
        changed = alert_ops.mark_read(conn, access.username, ids)
    access.note(
        object_id="all" if ids is None else ",".join(map(str, ids))[:200], detail=f"{changed} marked read"
    )
    return RedirectResponse(url_path(request, "alerts_page"), status_code=303)


@router.get("/watches")
@rule("alert.read", "watches.view", "watch")
def watches_page(request: Request, access: AccessDep, conn: ConnDep) -> Response:
    context = WatchesPage(watches=watch_ops.list_watches(conn, access.username), kinds=WATCH_KINDS)
    return render(request, access, context)


@router.post("/watches")
@rule("watch.write", "watch.add", "watch")
def add_watch(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    access.note(object_id=f"{kind}:{value}"[:200])
    try:
        with store.begin() as conn:
            watch = watch_ops.add_watch(conn, access.username, kind, value, note)
    except watch_ops.WatchError as exc:
        access.note(outcome="refused", detail=str(exc)[:200])
        with store.connect() as conn:
            mine = watch_ops.list_watches(conn, access.username)
        context = WatchesPage(
            watches=mine,
            kinds=WATCH_KINDS,
            error=str(exc),
            form={"kind": kind, "value": value, "note": note},
        )
        return render(request, access, context, status_code=422)
    access.note(object_id=f"{watch.kind}:{watch.value}")
    return RedirectResponse(_back(request, next_url, "watches_page"), status_code=303)


@router.post("/watches/{watch_id}/remove")
@rule("watch.write", "watch.remove", "watch", "watch_id")
def remove_watch(
    request: Request,
    access: AccessDep,
    store: StoreDep,
    watch_id: PathId,
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    try:
        with store.begin() as conn:
            watch = watch_ops.remove_watch(conn, access.username, watch_id)
    except watch_ops.WatchError as exc:
        access.note(detail=str(exc)[:200])  # outcome: not_found
        with store.connect() as conn:
            mine = watch_ops.list_watches(conn, access.username)
        return render(
            request, access, WatchesPage(watches=mine, kinds=WATCH_KINDS, error=str(exc)), status_code=404
        )
    access.note(detail=f"{watch.kind}:{watch.value}")
    return RedirectResponse(_back(request, next_url, "watches_page"), status_code=303)
