"""Per-address and site-wide sign-in throttles (issue 16, L5): real threads against SQLite and PostgreSQL.

The per-account lockout stops guessing one account; these stop one address trying every account
(password spraying) and many addresses together. Each burst is released by a barrier, each attempt
on its own connection, as concurrent requests to several worker processes would be.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from safeharbor.storage import Store
from safeharbor.web.app import create_app
from safeharbor.web.deps import login_throttle
from safeharbor.workspace import accounts, signin
from safeharbor.workspace.audit import list_entries
from safeharbor.workspace.tables import login_throttle as throttle_table
from safeharbor.workspace.throttle import LoginThrottle, ThrottleLimits
from tests.test_workspace_support import burst, login_token

PW = "a long enough password"


def _refused_as_throttled(store: Store) -> list[str]:
    with store.connect() as conn:
        return [
            e.detail or ""
            for e in list_entries(conn, limit=1000)
            if e.action == "login" and e.outcome == "refused" and (e.detail or "").startswith("throttled")
        ]


def test_one_address_spraying_many_accounts_is_throttled_under_concurrency(any_store: Store) -> None:
    with any_store.begin() as conn:
        for name in ("ana", "ben", "cho"):
            accounts.create_user(conn, name, PW, "analyst")
    throttle = LoginThrottle(limits=ThrottleLimits(per_address=6, site_wide=1000))
    names = ["ana", "ben", "cho", "nobody-here"]
    results = burst(
        30,
        lambda i: signin.authenticate(
            any_store, names[i % 4], f"guess {i}", "123456", client="203.0.113.7", throttle=throttle
        ),
    )
    assert not any(r.ok for r in results)
    assert sum(r.reason != "throttled" for r in results) == 6  # exactly the limit was ever evaluated
    throttled = _refused_as_throttled(any_store)
    assert len(throttled) == 24 and all("this address" in d for d in throttled)
    # Another address is not affected; no account was locked by the sprayer's 6 guesses.
    other = signin.authenticate(any_store, "ana", "wrong again", "", client="198.51.100.9", throttle=throttle)
    assert other.reason == "bad_password"


def test_site_wide_throttle_holds_across_many_addresses(any_store: Store) -> None:
    throttle = LoginThrottle(limits=ThrottleLimits(per_address=100, site_wide=8))
    results = burst(
        24,
        lambda i: signin.authenticate(
            any_store, f"user{i}", "x", "", client=f"198.51.{i}.{i + 1}", throttle=throttle
        ),
    )
    assert sum(r.reason != "throttled" for r in results) == 8
    assert len(_refused_as_throttled(any_store)) == 16
    assert all("site-wide" in d for d in _refused_as_throttled(any_store))


def test_successful_sign_ins_do_not_use_up_the_throttle(any_store: Store) -> None:
    with any_store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    throttle = LoginThrottle(limits=ThrottleLimits(per_address=2, site_wide=2))
    start = datetime.now(UTC)
    for i in range(6):  # one sign-in per TOTP step, all from one address
        at = start + timedelta(seconds=30 * i)
        result = signin.authenticate(
            any_store, "ana", PW, pyotp.TOTP(secret).at(at), client="192.0.2.5", at=at, throttle=throttle
        )
        assert result.ok, result.reason


def test_ipv6_addresses_of_one_64_share_a_counter_and_windows_reset(any_store: Store) -> None:
    now = [1_000_000.0]
    throttle = LoginThrottle(limits=ThrottleLimits(per_address=2, site_wide=1000), clock=lambda: now[0])
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::ffff"):
        assert signin.authenticate(any_store, "x", "y", client=host, throttle=throttle).reason == "unknown"
    assert signin.authenticate(any_store, "x", "y", client="2001:db8:1:2::9", throttle=throttle).reason == (
        "throttled"
    )
    assert signin.authenticate(any_store, "x", "y", client="2001:db8:1:3::9", throttle=throttle).reason == (
        "unknown"
    )
    now[0] += throttle.limits.window_seconds  # the next window starts from zero
    assert signin.authenticate(any_store, "x", "y", client="2001:db8:1:2::1", throttle=throttle).reason == (
        "unknown"
    )
    with any_store.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(select(throttle_table)) for v in row)
    assert "2001:db8" not in stored and "2001:0db8" not in stored  # no address is stored


def _alert(page: str) -> str:
    match = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert match
    return match.group(1)


def test_login_page_throttle_message_never_says_whether_the_user_exists(any_store: Store) -> None:
    with any_store.begin() as conn:
        accounts.create_user(conn, "ana", PW, "analyst")
    app = create_app(any_store)
    throttle = LoginThrottle(limits=ThrottleLimits(per_address=2, site_wide=1000))
    app.dependency_overrides[login_throttle] = lambda: throttle
    client = TestClient(app)

    def post(name: str) -> tuple[int, str, str | None]:
        data = {"username": name, "password": "wrong", "code": "", "csrf_token": login_token(client)}
        response = client.post("/login", data=data, follow_redirects=False)
        return response.status_code, response.text, response.headers.get("retry-after")

    assert post("ana")[0] == 401 and post("ghost")[0] == 401
    (known_status, known_page, retry), (unknown_status, unknown_page, _) = post("ana"), post("ghost")
    assert known_status == unknown_status == 429
    assert retry is not None and int(retry) > 0
    known_message, unknown_message = _alert(known_page), _alert(unknown_page)
    assert known_message == unknown_message and known_message.startswith("Too many sign-in attempts")
    assert len(_refused_as_throttled(any_store)) == 2


def test_a_locked_account_gets_the_same_message_as_an_unknown_name(store: Store) -> None:
    """L8: the lockout message must not confirm that a username exists."""
    with store.begin() as conn:
        accounts.create_user(conn, "ana", PW, "analyst")
    client = TestClient(create_app(store))

    def message(name: str, password: str) -> tuple[int, str]:
        data = {"username": name, "password": password, "code": "000000", "csrf_token": login_token(client)}
        response = client.post("/login", data=data, follow_redirects=False)
        return response.status_code, _alert(response.text)

    for _ in range(signin.MAX_FAILED_LOGINS):
        message("ana", "wrong guess")
    locked, unknown = message("ana", PW), message("nobody-by-this-name", PW)
    assert locked == unknown and locked[0] == 401
