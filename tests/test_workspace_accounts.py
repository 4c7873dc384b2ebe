"""Accounts: argon2 hashes, TOTP, lockout, idle expiry, demo accounts, append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from safeharbor.storage import Store
from safeharbor.workspace import accounts
from safeharbor.workspace.audit import list_entries, record
from safeharbor.workspace.tables import users

PW = "a long enough password"


def _code(secret: str | None, at: datetime) -> str:
    assert secret
    return pyotp.TOTP(secret).at(at)


def test_passwords_are_argon2_and_analysts_get_totp(store: Store) -> None:
    with store.begin() as conn:
        analyst = accounts.create_user(conn, "ana", PW, "analyst")
        reviewer = accounts.create_user(conn, "rev", PW, "reviewer")
        stored = conn.execute(select(users.c.password_hash).where(users.c.username == "ana")).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored
    assert analyst.totp_secret and analyst.totp_uri() and analyst.totp_uri().startswith("otpauth://")
    assert reviewer.totp_secret is None
    with store.begin() as conn, pytest.raises(accounts.AccountError):
        accounts.create_user(conn, "x", "short", "analyst")
    with store.begin() as conn, pytest.raises(accounts.AccountError):
        accounts.create_user(conn, "y", PW, "superuser")


def test_sign_in_needs_password_and_code_and_refuses_replay(store: Store) -> None:
    at = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    with store.begin() as conn:
        assert accounts.authenticate(conn, "ana", PW, "", at=at).reason == "bad_code"
        assert (
            accounts.authenticate(conn, "ana", "wrong password!", _code(secret, at), at=at).reason
            == "bad_password"
        )
        assert accounts.authenticate(conn, "nobody", PW, "123456", at=at).reason == "unknown"
        ok = accounts.authenticate(conn, "ana", PW, _code(secret, at), at=at)
        assert ok.ok and ok.session_id and ok.csrf_token
        # The same code cannot be used twice.
        assert accounts.authenticate(conn, "ana", PW, _code(secret, at), at=at).reason == "bad_code"
        later = at + timedelta(seconds=60)
        assert accounts.authenticate(conn, "ana", PW, _code(secret, later), at=later).ok
        actions = [(e.action, e.outcome) for e in list_entries(conn)]
    assert actions.count(("login", "ok")) == 2 and actions.count(("login", "failed")) == 4


def test_lockout_after_five_failures(store: Store) -> None:
    at = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    with store.begin() as conn:
        for i in range(5):
            assert accounts.authenticate(
                conn, "ana", "nope nope nope", "", at=at + timedelta(seconds=i)
            ).reason == ("bad_password")
        right = at + timedelta(minutes=1)
        assert accounts.authenticate(conn, "ana", PW, _code(secret, right), at=right).reason == "locked"
        after = at + timedelta(minutes=accounts.LOCKOUT_MINUTES + 1)
        assert accounts.authenticate(conn, "ana", PW, _code(secret, after), at=after).ok
        assert any(e.action == "account.lock" for e in list_entries(conn))


def test_sessions_expire_after_idle_minutes(store: Store) -> None:
    at = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    with store.begin() as conn:
        accounts.create_user(conn, "rev", PW, "reviewer")
        login = accounts.authenticate(conn, "rev", PW, at=at)
        assert login.session_id
        assert accounts.resume_session(conn, login.session_id, at=at + timedelta(minutes=20)) is not None
        # Activity at minute 20 restarts the idle clock.
        assert accounts.resume_session(conn, login.session_id, at=at + timedelta(minutes=45)) is not None
        assert accounts.resume_session(conn, login.session_id, at=at + timedelta(minutes=80)) is None
        assert accounts.resume_session(conn, login.session_id, at=at + timedelta(minutes=81)) is None
        assert accounts.resume_session(conn, "made-up", at=at) is None


def test_demo_accounts_and_codes(store: Store) -> None:
    demo = accounts.ensure_demo_accounts(store)
    assert {d.role for d in demo} == {"admin", "analyst", "reviewer"}
    again = accounts.ensure_demo_accounts(store)  # idempotent, with fresh credentials
    assert [d.username for d in again] == [d.username for d in demo]
    analyst = next(d for d in again if d.role == "analyst")
    with store.begin() as conn:
        code = accounts.demo_totp_code(conn, analyst.username)
        assert accounts.authenticate(conn, analyst.username, analyst.password, code).ok
        accounts.create_user(conn, "real", PW, "analyst")
        with pytest.raises(accounts.AccountError):
            accounts.demo_totp_code(conn, "real")


def test_audit_log_is_append_only(store: Store) -> None:
    with store.begin() as conn:
        record(conn, user="ana", action="case.view", object_type="case", object_id="1", outcome="ok")
    for statement in ("UPDATE audit_log SET outcome = 'denied'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), store.begin() as conn:
            conn.execute(text(statement))
    with store.connect() as conn:
        assert [(e.user, e.outcome) for e in list_entries(conn)] == [("ana", "ok")]
