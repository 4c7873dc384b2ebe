"""Races on sign-in (issue 16: H1, M1): real threads against SQLite and PostgreSQL.

Each attack fires its requests from separate threads released together by a barrier, each with its
own database connection, as concurrent HTTP requests would.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
from sqlalchemy import func, select

from safeharbor.storage import Store
from safeharbor.workspace import accounts, signin
from safeharbor.workspace.audit import list_entries
from safeharbor.workspace.tables import login_attempts, sessions, users
from tests.test_workspace_support import burst

PW = "a long enough password"


def _locked(store: Store, name: str) -> bool:
    with store.connect() as conn:
        until = conn.execute(select(users.c.locked_until).where(users.c.username == name)).scalar_one()
    return until is not None


def _password_checks(store: Store) -> int:
    with store.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(login_attempts)
                .where(login_attempts.c.reason.in_(["bad_password", "bad_code", "replayed_code"]))
            ).scalar_one()
        )


def test_forty_concurrent_wrong_passwords_lock_the_account(any_store: Store) -> None:
    with any_store.begin() as conn:
        accounts.create_user(conn, "ana", PW, "analyst")
    results = burst(40, lambda i: signin.authenticate(any_store, "ana", f"wrong guess number {i}", "123456"))
    assert not any(r.ok for r in results)
    assert _locked(any_store, "ana")
    # Only the first MAX_FAILED_LOGINS guesses were ever checked; the rest were refused unevaluated.
    assert _password_checks(any_store) <= signin.MAX_FAILED_LOGINS
    assert sum(r.reason == "locked" for r in results) >= 40 - signin.MAX_FAILED_LOGINS
    with any_store.connect() as conn:
        assert [e.action for e in list_entries(conn, limit=500)].count("account.lock") == 1


def test_right_password_in_a_burst_never_signs_in_once_locked(any_store: Store) -> None:
    with any_store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    code = pyotp.TOTP(secret).now()

    def attempt(i: int) -> signin.LoginResult:
        if i == 39:
            return signin.authenticate(any_store, "ana", PW, code)
        return signin.authenticate(any_store, "ana", f"wrong guess number {i}", code)

    results = burst(40, attempt)
    right = results[39]
    with any_store.connect() as conn:
        log = list(reversed(list_entries(conn, limit=500)))
        live = conn.execute(select(func.count()).select_from(sessions)).scalar_one()
    lock_at = next((i for i, e in enumerate(log) if e.action == "account.lock"), None)
    ok_at = next((i for i, e in enumerate(log) if e.action == "login" and e.outcome == "ok"), None)
    if right.ok:
        # It may only have won the race before the lock was set, never after.
        assert ok_at is not None and (lock_at is None or ok_at < lock_at)
        assert live == 1
    else:
        assert right.reason == "locked" and live == 0 and ok_at is None
        assert _locked(any_store, "ana")
    # Whatever happened in the burst, at most MAX_FAILED_LOGINS wrong guesses were evaluated per window.
    assert _password_checks(any_store) <= 2 * signin.MAX_FAILED_LOGINS


def test_right_password_after_a_lockout_is_refused(any_store: Store) -> None:
    with any_store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    burst(39, lambda i: signin.authenticate(any_store, "ana", f"wrong guess number {i}", ""))
    assert _locked(any_store, "ana")
    assert signin.authenticate(any_store, "ana", PW, pyotp.TOTP(secret).now()).reason == "locked"


def test_one_totp_code_replayed_concurrently_opens_exactly_one_session(any_store: Store) -> None:
    with any_store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    at = datetime.now(UTC)
    code = pyotp.TOTP(secret).at(at)
    results = burst(15, lambda i: signin.authenticate(any_store, "ana", PW, code, at=at))
    assert sum(r.ok for r in results) == 1
    with any_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar_one() == 1
