"""Application factory: one FastAPI app serving the public side and the analyst workspace.

Each side is a router in its own package (`safeharbor.web.public`, `safeharbor.web.workspace`) that
exposes `router`, `static_dir` and `setup(app)`; this module only wires them together and applies the
security headers every response carries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from safeharbor.settings import Settings
from safeharbor.store import Store, open_store
from safeharbor.web import public
from safeharbor.web.bodycap import BodyLimit
from safeharbor.web.deps import install
from safeharbor.web.workspace import routes as workspace

# Nothing is loaded from third parties: every script, style and font is served from here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def create_app(
    store: Store | None = None, *, db: str | None = None, settings: Settings | None = None
) -> FastAPI:
    """Build the app over `store` (or open the one at `db`, else the settings' SAFEHARBOR_DB).

    `settings` default to `Settings.from_env()`; the secret key signs the public side's form tokens."""
    settings = settings if settings is not None else Settings.from_env()
    app = FastAPI(title="Safe Harbor", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    install(app, store or open_store(db, settings=settings), settings)
    # Innermost of the middleware: its 413 still gets the security headers added below.
    app.add_middleware(BodyLimit)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # In this order: the workspace's routes are matched before the public side's.
    workspace.setup(app)
    app.mount("/static/workspace", StaticFiles(directory=workspace.static_dir), name="static-workspace")
    app.include_router(workspace.router)
    public.setup(app)
    app.mount("/static/public", StaticFiles(directory=public.static_dir), name="static-public")
    app.include_router(public.router)
    return app
