"""Application factory: one FastAPI app serving the public side and the analyst workspace.

Each side is a router in its own package (`safeharbor.web.public`, `safeharbor.web.workspace`) that
exposes `router` and optionally `static_dir`; this module only wires them together and applies the
security headers every response carries.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from safeharbor.store import Store, open_store

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

# Sides of the app, each a package with `router` (and optionally `static_dir`, `setup(app)`).
SIDES = ["safeharbor.web.workspace", "safeharbor.web.public"]


def create_app(store: Store | None = None, *, db: str | None = None) -> FastAPI:
    """Build the app over `store` (or open the one at `db` / SAFEHARBOR_DB)."""
    app = FastAPI(title="Safe Harbor", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store or open_store(db)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    for name in SIDES:
        try:
            side = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(side, "setup"):
            side.setup(app)
        static_dir = getattr(side, "static_dir", None)
        if static_dir and Path(static_dir).is_dir():
            mount = "/static/" + name.rsplit(".", 1)[-1]
            app.mount(mount, StaticFiles(directory=static_dir), name=f"static-{name.rsplit('.', 1)[-1]}")
        app.include_router(side.router)
    return app
