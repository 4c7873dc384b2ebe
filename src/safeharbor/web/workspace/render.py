"""Template rendering for workspace pages (Jinja2, autoescaped; no inline scripts or styles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from safeharbor.web.workspace.guard import Access

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _risk_label(risk: float | None) -> str:
    if risk is None:
        return "not scored"
    return f"{risk:.2f}"


def _short_time(value: Any) -> str:
    s = str(value or "")
    return s.replace("T", " ").removesuffix("Z")[:16]


templates.env.filters["risk"] = _risk_label
templates.env.filters["when"] = _short_time


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page(
    request: Request, access: Access | None, name: str, status_code: int = 200, **context: Any
) -> Response:
    context.setdefault("access", access)
    context.setdefault("user", access.user if access else None)
    context.setdefault("csrf_token", access.csrf_token if access else "")
    return templates.TemplateResponse(request, name, context, status_code=status_code)
