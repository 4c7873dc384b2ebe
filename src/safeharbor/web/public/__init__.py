"""The public side (at `/`): plain pages about child sex trafficking, get-help numbers, and the tip forms.

Nothing here sets a cookie, loads anything from a third party, or stores who visited. Exposes
`router`, `static_dir` (served at /static/public) and `setup(app)`, as `safeharbor.web.app` expects.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeharbor.web.public.i18n import lang_of, strings
from safeharbor.web.public.routes import _page, router
from safeharbor.web.workspace import errors as workspace_errors
from safeharbor.web.workspace import routes as workspace

static_dir = Path(__file__).parent / "static"


# First path segments that belong to the analyst workspace (and the static files): their errors stay
# their own.
WORKSPACE_PREFIXES = workspace.path_prefixes() | {"static"}


def setup(app: FastAPI) -> None:
    """A readable "not found" page (the side's services are dependencies: safeharbor.web.deps)."""

    @app.exception_handler(StarletteHTTPException)
    async def not_found_page(request: Request, exc: StarletteHTTPException) -> Response:
        first = request.url.path.strip("/").split("/", 1)[0]
        if first != "static" and workspace.owns(request) and workspace_errors.wants_page(request):
            return workspace_errors.http_error(request, exc)
        wants_html = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 413 and first not in WORKSPACE_PREFIXES:
            title = strings(lang_of(request))["too_large_title"]
            response = _page(request, "problem.html", {"title": title}, status_code=413)
            response.headers.update(exc.headers or {})
            return response
        if exc.status_code == 404 and wants_html and first not in WORKSPACE_PREFIXES:
            title = strings(lang_of(request))["not_found_title"]
            return _page(request, "not_found.html", {"title": title}, status_code=404)
        return await http_exception_handler(request, exc)


__all__ = ["router", "setup", "static_dir"]
