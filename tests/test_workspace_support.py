"""Helpers for the workspace and web tests: demo data through the real pipeline, signed-in clients.

No tests here; imported by test_workspace_*.py and test_web_*.py.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from safeharbor.store import Store, open_store
from safeharbor.web.app import create_app
from safeharbor.workspace import accounts, signin

PASSWORD = "correct horse battery"


def demo_store(folder: Path, n_ads: int = 240, seed: int = 11) -> Store:
    """A store holding demo ads that went through ingest and analyze (as far as the stages exist)."""
    from safeharbor.demo import generate
    from safeharbor.ingest import ingest_file

    summary = generate(folder / "data", n_ads, seed, images=False)
    store = open_store(str(folder / "safeharbor.db"))
    ingest_file(store, summary.ads_path, workers=1)
    try:
        from safeharbor.pipeline import analyze

        analyze(store)
    except Exception:  # noqa: BLE001 - a later stage still in progress; extraction alone is enough here
        from safeharbor.extract.run import extract_pending

        extract_pending(store)
    return store


@dataclass
class Account:
    username: str
    password: str
    role: str
    totp_secret: str | None


def make_account(store: Store, role: str) -> Account:
    name = f"{role}-{secrets.token_hex(3)}"
    with store.begin() as conn:
        created = accounts.create_user(conn, name, PASSWORD, role)
    return Account(name, PASSWORD, role, created.totp_secret)


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "login form has a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, account: Account, *, code: str | None = None) -> int:
    token = login_token(client)
    if code is None:
        code = pyotp.TOTP(account.totp_secret).now() if account.totp_secret else ""
    response = client.post(
        "/login",
        data={"username": account.username, "password": account.password, "code": code, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def csrf_of(client: TestClient) -> str:
    page = client.get("/cases")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return match.group(1)


def client_as(store: Store, role: str | None) -> TestClient:
    """A client over a fresh app; signed in with a new account of `role` (None: not signed in)."""
    client = TestClient(create_app(store))
    if role is not None:
        assert sign_in(client, make_account(store, role)) == 303
    return client


def burst(n: int, attempt: Callable[[int], signin.LoginResult]) -> list[signin.LoginResult]:
    """Run `attempt(0..n-1)` in n threads released together by a barrier (races against one lock)."""
    barrier = threading.Barrier(n)

    def run(i: int) -> signin.LoginResult:
        barrier.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))
