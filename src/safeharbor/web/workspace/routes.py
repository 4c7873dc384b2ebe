"""The analyst workspace side, assembled: `router`, `static_dir` (mounted at /static/workspace),
`setup(app)`, which installs the audit middleware and the redirect-to-login handler, and
`path_prefixes()`, the first path segments its routes use (so the public side knows which "not found"
pages are not its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from safeharbor.web.deps import current_access, store_of
from safeharbor.web.workspace import (
    ad_routes,
    api_routes,
    audit_routes,
    auth_routes,
    case_routes,
    leads_routes,
    learning_routes,
    network_routes,
    search_routes,
    tip_routes,
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
    search_routes.router,
    ad_routes.router,
    tip_routes.router,
    audit_routes.router,
    learning_routes.router,
    case_routes.router,
    network_routes.router,
    api_routes.router,
    watch_routes.router,
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
    async def _to_login(_request: Request, exc: LoginRedirect) -> Response:
        return login_redirect_response(exc)


__all__ = ["path_prefixes", "router", "setup", "static_dir"]
