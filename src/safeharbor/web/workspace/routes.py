"""The analyst workspace side, assembled: `router`, `static_dir` (mounted at /static/workspace),
`setup(app)`, which installs the audit middleware and the redirect-to-login handler, and
`path_prefixes()`, the first path segments its routes use (so the public side knows which "not found"
pages are not its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from safeharbor.web.deps import current_access, store_of
from safeharbor.web.workspace import (
    ad_routes,
    api_routes,
    audit_routes,
    auth_routes,
    case_routes,
    errors,
    leads_routes,
    learning_routes,
    network_routes,
    queue_routes,
    search_routes,
    tip_routes,
    user_routes,
    watch_routes,
)
from safeharbor.web.workspace.guard import (
    LoginRedirect,
    Middleware,
    audit_middleware,
    check_guarded,
    login_redirect_response,
)

static_dir = Path(__file__).parent / "static"

_ROUTERS = [
    auth_routes.router,
    leads_routes.router,
    queue_routes.router,
    search_routes.router,
    ad_routes.router,
    tip_routes.router,
    audit_routes.router,
    learning_routes.router,
    case_routes.router,
    network_routes.router,
    api_routes.router,
    watch_routes.router,
    user_routes.router,
]
_ROUTES = [route for sub in _ROUTERS for route in sub.routes]
# Every route but signing in and out states its access rule and takes the access dependency.
check_guarded(_ROUTES, current_access, open_paths={"/login", "/logout"})

router = APIRouter()
for _sub in _ROUTERS:
    router.include_router(_sub)


def path_prefixes() -> frozenset[str]:
    """First path segments of the workspace's routes ("leads", "api", ...)."""
    return frozenset(
        route.path.strip("/").split("/", 1)[0] for route in _ROUTES if isinstance(route, APIRoute)
    )


def owns(request: Request) -> bool:
    """True when the request's path belongs to the workspace (its errors are workspace pages)."""
    return request.url.path.strip("/").split("/", 1)[0] in _PREFIXES


def no_store_middleware(prefixes: frozenset[str]) -> Middleware:
    """`Cache-Control: no-store` on every workspace response (pages, fragments, API, errors, sign-in),
    so a browser keeps no copy: Back after signing out shows nothing, and a shared computer keeps no tip."""

    async def no_store(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path.strip("/").split("/", 1)[0] in prefixes:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"  # for HTTP/1.0 caches
        return response

    return no_store


def setup(app: FastAPI) -> None:
    app.middleware("http")(audit_middleware(store_of))
    app.middleware("http")(no_store_middleware(path_prefixes()))

    @app.exception_handler(LoginRedirect)
    async def _to_login(request: Request, exc: LoginRedirect) -> Response:
        return login_redirect_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if owns(request) and errors.wants_page(request):
            return errors.validation_error(request, exc)
        return await request_validation_exception_handler(request, exc)


_PREFIXES = path_prefixes()

__all__ = ["owns", "path_prefixes", "router", "setup", "static_dir"]
