"""Workspace errors as readable pages: a refused or failed request is said in words, with a way back.

API routes (`/api/...`) and htmx fragments keep FastAPI's JSON answers (see `wants_page`); every page
a person opens in the workspace gets a page in the workspace's own layout, never a raw JSON body.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeharbor.web.workspace.contexts import ErrorPage
from safeharbor.web.workspace.guard import Access
from safeharbor.web.workspace.render import render

TITLES = {
    400: "That request could not be read",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Already done",
    413: "Too large",
    422: "That could not be done",
    429: "Too many requests",
}


def wants_page(request: Request) -> bool:
    """True for what a person opened or sent from a page (not the JSON API, not an htmx fragment)."""
    return not request.url.path.startswith("/api/") and request.headers.get("HX-Request") != "true"


def _access(request: Request) -> Access | None:
    found = getattr(request.state, "workspace_access", None)
    return found if isinstance(found, Access) else None


def _back(request: Request) -> str | None:
    """Where the person came from, if it was this site (the Referer is only read, never stored)."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return referer if referer.startswith(origin + "/") else None


def error_page(request: Request, status: int, message: str) -> Response:
    title = TITLES.get(status, "Something went wrong")
    context = ErrorPage(status=status, title=title, message=message, back=_back(request))
    return render(request, _access(request), context, status_code=status)


def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "error")
    response = error_page(request, exc.status_code, detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """A form field missing or of the wrong kind, named in words (e.g. "case id: must be a number")."""
    problems = []
    for err in exc.errors():
        where = " ".join(str(p) for p in err.get("loc", ())[1:]) or "the request"
        problems.append(f"{where.replace('_', ' ')}: {err.get('msg', 'not valid')}")
    return error_page(request, 422, "; ".join(problems) or "the request was not valid")
