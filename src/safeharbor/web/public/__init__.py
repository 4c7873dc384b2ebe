"""The public side (at `/`): plain pages about child sex trafficking, get-help numbers, and the tip forms.

Nothing here sets a cookie, loads anything from a third party, or stores who visited. Exposes
`router`, `static_dir` (served at /static/public) and `setup(app)`, as `safeharbor.web.app` expects.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from safeharbor.tips import FormTokens, RateLimiter
from safeharbor.web.public.routes import router

static_dir = Path(__file__).parent / "static"


def setup(app: FastAPI) -> None:
    """Per-app state: the form-token signer and the in-memory tip rate limiter."""
    app.state.public_form_tokens = FormTokens.from_env()
    app.state.tip_rate_limiter = RateLimiter()


__all__ = ["router", "setup", "static_dir"]
