"""The analyst workspace: sign-in, lead queue, search, ad and network pages, cases, referrals, audit.

Exposes `router`, `static_dir` (mounted at /static/workspace) and `setup(app)`, which installs the
audit middleware and the redirect-to-login handler.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from safeharbor.web.workspace import auth_routes, case_routes, network_routes, pages
from safeharbor.web.workspace.guard import LoginRedirect, audit_middleware, login_redirect_response

static_dir = Path(__file__).parent / "static"

router = APIRouter()
router.include_router(auth_routes.router)
router.include_router(pages.router)
router.include_router(case_routes.router)
router.include_router(network_routes.router)


def setup(app: FastAPI) -> None:
    app.middleware("http")(audit_middleware)

    @app.exception_handler(LoginRedirect)
    async def _to_login(_request: Request, exc: LoginRedirect) -> Response:
        return login_redirect_response(exc)


__all__ = ["router", "setup", "static_dir"]
