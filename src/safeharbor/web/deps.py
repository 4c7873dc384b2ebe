"""What a route may ask for, as FastAPI dependencies: the store, a connection, the admitted user, and
the public side's services (the tip-form signer and the tip rate limiter).

Routes declare them in their signature (`conn: ConnDep`, `access: AccessDep`), as the FastAPI
full-stack template's `api/deps.py` does, so a test may override any of them with
`app.dependency_overrides`. `install` puts the app's shared objects in place; this is the only module
that reads or writes `app.state`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Connection

from safeharbor.settings import Settings
from safeharbor.storage import Store
from safeharbor.tips import FormTokens, RateLimiter, spool
from safeharbor.web.workspace.guard import Access, admit, rule_of
from safeharbor.workspace.throttle import LoginThrottle


def install(app: FastAPI, store: Store, settings: Settings) -> None:
    """The objects every request of this app shares: the store, the settings it was started with, and
    the public side's services (the form-token signer uses the settings' secret)."""
    app.state.store = store
    app.state.settings = settings
    app.state.public_form_tokens = FormTokens.from_settings(settings)
    app.state.tip_rate_limiter = RateLimiter()  # in memory, per process: it stores no address
    # In the database (shared by worker processes); keyed with the settings' secret, never the address.
    app.state.login_throttle = LoginThrottle.from_settings(settings)
    app.state.tip_spool = spool.spool_folder(store, settings)
    _retry_spooled_tips(store, app.state.tip_spool)


def _retry_spooled_tips(store: Store, folder: Path) -> None:
    """At start, store the tips a failing store left in the spool (a failure leaves them there)."""
    try:
        spool.retry(store, folder)
    except Exception:  # noqa: BLE001 - the app must start; the next tip or `tips retry` tries again
        logging.getLogger(__name__).exception("could not retry the tip spool %s at start", folder)


def store_of(request: Request) -> Store:
    """The app's store (also for middleware, which cannot take dependencies)."""
    return cast(Store, request.app.state.store)


def connection(store: Annotated[Store, Depends(store_of)]) -> Iterator[Connection]:
    """A read connection for the request, closed after it (writes open their own transaction)."""
    with store.connect() as conn:
        yield conn


async def current_access(request: Request, store: Annotated[Store, Depends(store_of)]) -> Access:
    """The signed-in user the route's access rule admits (refused and audited otherwise)."""
    return await admit(request, store, rule_of(request))


def form_tokens(request: Request) -> FormTokens:
    return cast(FormTokens, request.app.state.public_form_tokens)


def rate_limiter(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.tip_rate_limiter)


@dataclass(frozen=True, slots=True)
class TipServices:
    """What receiving a tip needs: the store, the form-token signer, the rate limiter, the spool."""

    store: Store
    tokens: FormTokens
    limiter: RateLimiter
    spool: Path


def tip_services(request: Request) -> TipServices:
    state = request.app.state
    return TipServices(state.store, state.public_form_tokens, state.tip_rate_limiter, state.tip_spool)


def login_throttle(request: Request) -> LoginThrottle:
    return cast(LoginThrottle, request.app.state.login_throttle)


StoreDep = Annotated[Store, Depends(store_of)]
ConnDep = Annotated[Connection, Depends(connection)]
AccessDep = Annotated[Access, Depends(current_access)]
FormTokensDep = Annotated[FormTokens, Depends(form_tokens)]
RateLimiterDep = Annotated[RateLimiter, Depends(rate_limiter)]
TipServicesDep = Annotated[TipServices, Depends(tip_services)]
LoginThrottleDep = Annotated[LoginThrottle, Depends(login_throttle)]
