"""Template rendering for workspace pages (Jinja2, autoescaped; no inline scripts or styles).

A page is rendered from its context dataclass (contexts.py). Templates build every link with
`url(route_name, **path_params)`, the path the router gives that route, never a hand-written one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.responses import Response

from safeharbor.score.calibration import MIN_REVIEWS
from safeharbor.tips.labels import (
    age_label,
    role_label,
    sighting_text,
    sign_label,
    status_label,
    variant_label,
)
from safeharbor.web.deps import store_of
from safeharbor.web.workspace.contexts import PageContext
from safeharbor.web.workspace.guard import Access
from safeharbor.workspace.alerts import unread_count
from safeharbor.workspace.titles import indicator_title, with_titles

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _short_time(value: Any) -> str:
    s = str(value or "")
    if not s:
        return ""
    return s.replace("T", " ").removesuffix("Z")[:16] + " UTC"  # stored times are UTC: say so


def url_path(request: Request, name: str, /, **params: object) -> str:
    """The path of the named route (or static mount: `url('static-workspace', path='x.css')`)."""
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


@pass_context
def _url(context: Context, name: str, /, **params: object) -> str:
    request: Request = context["request"]
    return url_path(request, name, **params)


# Direction controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI) in an ad or tip would reorder the
# text after them on the page (an "override" reverses it): each is shown as a visible code point instead,
# and user text sits in its own isolated run (<bdi>, dir="auto"), so it cannot reorder the page around it.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _shown(value: Any) -> Markup:
    """User text, escaped, with direction controls neutralised and visibly marked."""
    text = "" if value is None else str(value)
    out: list[str] = []
    last = 0
    for m in _BIDI.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        code = f"U+{ord(m.group()):04X}"
        out.append(
            f'<span class="bidi-mark" title="a text-direction control ({code}) was here">[{code}]</span>'
        )
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


templates.env.filters["shown"] = _shown
templates.env.filters["role_label"] = role_label
templates.env.filters["sign_label"] = sign_label
templates.env.filters["age_label"] = age_label
templates.env.filters["tip_status"] = status_label
templates.env.filters["form_label"] = variant_label
templates.env.filters["sighting"] = sighting_text
templates.env.filters["indicator_title"] = indicator_title
templates.env.filters["with_titles"] = with_titles


@pass_context
def _alerts_unread(context: Context) -> int:
    """The nav badge: the signed-in analyst's unread alerts (one indexed count, only on full pages)."""
    user = context.get("user")
    if user is None:
        return 0
    with store_of(context["request"]).connect() as conn:
        return unread_count(conn, user.username)


templates.env.filters["when"] = _short_time
templates.env.globals["url"] = _url
templates.env.globals["alerts_unread"] = _alerts_unread
templates.env.globals["calibration_min"] = MIN_REVIEWS


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
