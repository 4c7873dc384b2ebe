"""Template rendering for workspace pages (Jinja2, autoescaped; no inline scripts or styles).

A page is rendered from its context dataclass (contexts.py). Templates build every link with
`url(route_name, **path_params)`, the path the router gives that route, never a hand-written one.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import Response

from safeharbor.web.deps import store_of
from safeharbor.web.workspace.contexts import PageContext
from safeharbor.web.workspace.guard import Access
from safeharbor.workspace.alerts import unread_count

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _risk_label(risk: float | None) -> str:
    if risk is None:
        return "not scored"
    return f"{risk:.2f}"


def _short_time(value: Any) -> str:
    s = str(value or "")
    return s.replace("T", " ").removesuffix("Z")[:16]


def url_path(request: Request, name: str, /, **params: object) -> str:
    """The path of the named route (or static mount: `url('static-workspace', path='x.css')`)."""
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


@pass_context
def _url(context: Context, name: str, /, **params: object) -> str:
    request: Request = context["request"]
    return url_path(request, name, **params)


@pass_context
def _alerts_unread(context: Context) -> int:
    """The nav badge: the signed-in analyst's unread alerts (one indexed count, only on full pages)."""
    user = context.get("user")
    if user is None:
        return 0
    with store_of(context["request"]).connect() as conn:
        return unread_count(conn, user.username)


templates.env.filters["risk"] = _risk_label
templates.env.filters["when"] = _short_time
templates.env.globals["url"] = _url
templates.env.globals["alerts_unread"] = _alerts_unread


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    access: Access | None,
    context: PageContext,
    *,
    template: str | None = None,
    status_code: int = 200,
) -> Response:
    """The page (or `template`, a fragment of it) with its context and who is signed in."""
    values: dict[str, Any] = {f.name: getattr(context, f.name) for f in fields(context)}
    values.update(
        access=access,
        user=access.user if access else None,
        csrf_token=access.csrf_token if access else "",
    )
    return templates.TemplateResponse(request, template or context.template, values, status_code=status_code)
