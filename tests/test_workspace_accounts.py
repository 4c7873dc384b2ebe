"""Accounts: argon2 hashes, TOTP for every role, lockout, idle expiry, admin operations, demo accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from safeharbor.storage import Store
from safeharbor.workspace import accounts, signin
from safeharbor.workspace.audit import list_entries, record
from safeharbor.workspace.tables import users

PW = "a long enough password"
AT = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def _code(secret: str | None, at: datetime) -> str:
    assert secret
    return pyotp.TOTP(secret).at(at)


def test_passwords_are_argon2_and_every_role_gets_totp(store: Store) -> None:
    with store.begin() as conn:
        analyst = accounts.create_user(conn, "ana", PW, "analyst")
        reviewer = accounts.create_user(conn, "rev", PW, "reviewer")
        stored = conn.execute(select(users.c.password_hash).where(users.c.username == "ana")).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored
    assert analyst.totp_uri().startswith("otpauth://")
    assert reviewer.totp_secret and reviewer.user.has_totp  # reviewers read tips and cases too (M2)
    with store.begin() as conn, pytest.raises(accounts.AccountError):
        accounts.create_user(conn, "x", "short", "analyst")
    with store.begin() as conn, pytest.raises(accounts.AccountError):
        accounts.create_user(conn, "y", PW, "superuser")


def test_reviewer_without_second_factor_cannot_sign_in(store: Store) -> None:
    with store.begin() as conn:
        accounts.create_user(conn, "rev", PW, "reviewer")
        conn.execute(users.update().values(totp_secret=None))  # an account from before M2
    assert signin.authenticate(store, "rev", PW, "", at=AT).reason == "no_second_factor"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "easy to guess"),
        ("password1234", "most common"),
        ("qwertyuiop", "most common"),
        ("ana-the-analyst-2026", "username"),
        ("short", "at least 10"),
    ],
)
def test_password_policy_refuses_weak_passwords(store: Store, password: str, why: str) -> None:
    with store.begin() as conn, pytest.raises(accounts.AccountError, match=why):
        accounts.create_user(conn, "ana-the-analyst", password, "analyst")


def test_usernames_are_normalised_and_unique(store: Store) -> None:
    with store.begin() as conn:
        created = accounts.create_user(conn, "Admin1", PW, "admin")
    assert created.user.username == "admin1"
    for look_alike in ("ADMIN1", "ａｄｍｉｎ１", " admin1 "):
        with store.begin() as conn, pytest.raises(accounts.AccountError, match="already exists"):
            accounts.create_user(conn, look_alike, PW, "admin")
    for bad in ("", "   ", "\u0430dmin1", "ad min", "admin\u202e1"):  # Cyrillic a, space, bidi override
        with store.begin() as conn, pytest.raises(accounts.AccountError, match="username"):
            accounts.create_user(conn, bad, PW, "admin")
    secret = created.totp_secret
    assert signin.authenticate(store, "ＡＤＭＩＮ１", PW, _code(secret, AT), at=AT).ok


def test_sign_in_needs_password_and_code_and_refuses_replay(store: Store) -> None:
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    assert signin.authenticate(store, "ana", PW, "", at=AT).reason == "bad_code"
    wrong = signin.authenticate(store, "ana", "wrong password!", _code(secret, AT), at=AT)
    assert wrong.reason == "bad_password"
    assert signin.authenticate(store, "nobody", PW, "123456", at=AT).reason == "unknown"
    ok = signin.authenticate(store, "ana", PW, _code(secret, AT), at=AT)
    assert ok.ok and ok.session_id and ok.csrf_token
    # The same code cannot be used twice.
    assert signin.authenticate(store, "ana", PW, _code(secret, AT), at=AT).reason == "replayed_code"
    later = AT + timedelta(seconds=60)
    assert signin.authenticate(store, "ana", PW, _code(secret, later), at=later).ok
    with store.connect() as conn:
        actions = [(e.action, e.outcome) for e in list_entries(conn)]
    assert actions.count(("login", "ok")) == 2 and actions.count(("login", "failed")) == 4


def test_lockout_after_five_failures(store: Store) -> None:
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    for i in range(5):
        at = AT + timedelta(seconds=i)
        assert signin.authenticate(store, "ana", "nope nope nope", "", at=at).reason == "bad_password"
    right = AT + timedelta(minutes=1)
    assert signin.authenticate(store, "ana", PW, _code(secret, right), at=right).reason == "locked"
    after = AT + timedelta(minutes=signin.LOCKOUT_MINUTES + 1)
    assert signin.authenticate(store, "ana", PW, _code(secret, after), at=after).ok
    with store.connect() as conn:
        assert any(e.action == "account.lock" for e in list_entries(conn))


def test_sessions_expire_after_idle_minutes(store: Store) -> None:
    with store.begin() as conn:
        secret = accounts.create_user(conn, "rev", PW, "reviewer").totp_secret
    login = signin.authenticate(store, "rev", PW, _code(secret, AT), at=AT)
    assert login.session_id
    with store.begin() as conn:
        assert signin.resume_session(conn, login.session_id, at=AT + timedelta(minutes=20)) is not None
        # Activity at minute 20 restarts the idle clock.
        assert signin.resume_session(conn, login.session_id, at=AT + timedelta(minutes=45)) is not None
        assert signin.resume_session(conn, login.session_id, at=AT + timedelta(minutes=80)) is None
        assert signin.resume_session(conn, login.session_id, at=AT + timedelta(minutes=81)) is None
        assert signin.resume_session(conn, "made-up", at=AT) is None


def _live_session(store: Store, name: str, secret: str, at: datetime) -> str:
    login = signin.authenticate(store, name, PW, _code(secret, at), at=at)
    assert login.ok and login.session_id
    return login.session_id


def test_every_account_change_ends_live_sessions(any_store: Store) -> None:
    store = any_store
    with store.begin() as conn:
        accounts.create_user(conn, "boss", PW, "admin")
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    changes = [
        lambda conn: accounts.set_disabled(conn, "ana", True, actor="boss"),
        lambda conn: accounts.set_disabled(conn, "ana", False, actor="boss"),
        lambda conn: accounts.set_role(conn, "ana", "reviewer", actor="boss"),
        lambda conn: accounts.set_password(conn, "ana", "another fine passphrase", actor="boss"),
        lambda conn: accounts.reset_totp(conn, "ana", actor="boss"),
    ]
    password = PW
    for i, change in enumerate(changes):
        at = AT + timedelta(minutes=2 * i)
        login = signin.authenticate(store, "ana", password, _code(secret, at), at=at)
        if i == 1:  # disabled: no sign-in at all
            assert login.reason == "disabled"
        else:
            assert login.ok and login.session_id
        with store.begin() as conn:
            result = change(conn)
        if isinstance(result, str):
            secret = result
        if i == 3:
            password = "another fine passphrase"
        if login.session_id:
            with store.begin() as conn:
                assert signin.resume_session(conn, login.session_id, at=at) is None, f"change {i}"
    with store.connect() as conn:
        done = [e.action for e in list_entries(conn) if e.user == "boss"]
    assert {"user.disable", "user.enable", "user.role", "user.reset_password", "user.reset_totp"} <= set(done)


def test_last_enabled_admin_cannot_be_disabled_or_demoted(store: Store) -> None:
    with store.begin() as conn:
        accounts.create_user(conn, "boss", PW, "admin")
    for change in (
        lambda conn: accounts.set_disabled(conn, "boss", True),
        lambda conn: accounts.set_role(conn, "boss", "analyst"),
    ):
        with store.begin() as conn, pytest.raises(accounts.AccountError, match="last enabled admin"):
            change(conn)


def test_demo_accounts_and_codes(store: Store) -> None:
    demo = accounts.ensure_demo_accounts(store)
    assert {d.role for d in demo} == {"admin", "analyst", "reviewer"}
    assert all(d.totp_secret for d in demo)
    again = accounts.ensure_demo_accounts(store)  # idempotent, with fresh credentials
    assert [d.username for d in again] == [d.username for d in demo]
    analyst = next(d for d in again if d.role == "analyst")
    with store.connect() as conn:
        code = accounts.demo_totp_code(conn, analyst.username)
    assert signin.authenticate(store, analyst.username, analyst.password, code).ok
    with store.begin() as conn:
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
