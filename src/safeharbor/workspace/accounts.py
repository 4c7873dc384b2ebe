"""Accounts, roles, sign-in with TOTP, lockout and idle-expiring sessions (no HTTP here).

Passwords are hashed with argon2id; analysts and admins must also give a TOTP code; five failed
sign-ins in a row lock the account for LOCKOUT_MINUTES; a session ends after IDLE_MINUTES without a
request. Session ids and CSRF tokens are random; only a hash of the session id is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, select, update

from safeharbor.storage import Store
from safeharbor.storage.reads import format_time, parse_time
from safeharbor.workspace.audit import record
from safeharbor.workspace.tables import ROLES, login_attempts, sessions, users

Role = Literal["admin", "analyst", "reviewer"]
IDLE_MINUTES = 30
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
TOTP_ROLES = ("admin", "analyst")  # roles that must use two-factor
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    username: str
    role: Role
    has_totp: bool
    is_demo: bool
    disabled: bool
    locked_until: str | None
    last_login_at: str | None


@dataclass(frozen=True, slots=True)
class NewUser:
    user: User
    totp_secret: str | None

    def totp_uri(self) -> str | None:
        if not self.totp_secret:
            return None
        return pyotp.TOTP(self.totp_secret).provisioning_uri(
            name=self.user.username, issuer_name="Safe Harbor"
        )


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    reason: str  # ok | unknown | bad_password | bad_code | locked | disabled
    user: User | None = None
    session_id: str | None = None
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    totp_secret: str | None


class AccountError(ValueError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(
        user_id=r["user_id"],
        username=r["username"],
        role=r["role"],
        has_totp=bool(r["totp_secret"]),
        is_demo=bool(r["is_demo"]),
        disabled=bool(r["disabled"]),
        locked_until=r["locked_until"],
        last_login_at=r["last_login_at"],
    )


def _hash_session(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    with_totp: bool | None = None,
    is_demo: bool = False,
) -> NewUser:
    """Add an account; TOTP is on by default (and mandatory) for admins and analysts."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters")
    if conn.execute(select(users.c.user_id).where(users.c.username == username)).first():
        raise AccountError(f"user {username!r} already exists")
    totp = with_totp if with_totp is not None else role in TOTP_ROLES
    if role in TOTP_ROLES:
        totp = True
    secret = pyotp.random_base32() if totp else None
    conn.execute(
        users.insert().values(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            totp_secret=secret,
            is_demo=is_demo,
            disabled=False,
            failed_logins=0,
            created_at=format_time(_now()),
        )
    )
    user = get_user(conn, username)
    assert user is not None
    return NewUser(user=user, totp_secret=secret)


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def reset_totp(conn: Connection, username: str) -> str:
    """A new TOTP secret for this account (the old one stops working); returns it."""
    secret = pyotp.random_base32()
    result = conn.execute(
        update(users).where(users.c.username == username).values(totp_secret=secret, totp_last_step=None)
    )
    if not result.rowcount:
        raise AccountError(f"no user {username!r}")
    return secret


def set_password(conn: Connection, username: str, password: str) -> None:
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters")
    conn.execute(
        update(users).where(users.c.username == username).values(password_hash=_hasher.hash(password))
    )


def unlock(conn: Connection, username: str) -> None:
    conn.execute(update(users).where(users.c.username == username).values(failed_logins=0, locked_until=None))


def demo_totp_code(conn: Connection, username: str) -> str:
    """The current TOTP code of a demo account (refused for real accounts)."""
    row = conn.execute(
        select(users.c.totp_secret, users.c.is_demo).where(users.c.username == username)
    ).first()
    if row is None:
        raise AccountError(f"no user {username!r}")
    if not row.is_demo:
        raise AccountError("codes are shown only for demo accounts")
    if not row.totp_secret:
        raise AccountError(f"{username} has no two-factor secret")
    return pyotp.TOTP(row.totp_secret).now()


def _check_totp(secret: str, code: str, last_step: int | None, at: datetime) -> int | None:
    """The accepted time step, or None. One step of clock drift either way; no code used twice."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step_now = int(at.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def authenticate(
    conn: Connection,
    username: str,
    password: str,
    totp_code: str = "",
    *,
    client: str | None = None,
    at: datetime | None = None,
) -> LoginResult:
    """Check a sign-in; on success open a session. Every attempt is recorded and audited."""
    at = at or _now()
    row = conn.execute(select(users).where(users.c.username == username)).first()
    reason = "ok"
    if row is None:
        _hasher.hash(password)  # same work as a real check, so timing does not reveal which names exist
        reason = "unknown"
    elif row.disabled:
        reason = "disabled"
    elif row.locked_until and parse_time(row.locked_until) > at:
        reason = "locked"
    else:
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            reason = "bad_password"
        step: int | None = None
        if reason == "ok" and (row.totp_secret or row.role in TOTP_ROLES):
            step = (
                _check_totp(row.totp_secret or "", totp_code, row.totp_last_step, at)
                if row.totp_secret
                else None
            )
            if step is None:
                reason = "bad_code"
    conn.execute(
        login_attempts.insert().values(
            username=username[:80], at=format_time(at), ok=reason == "ok", reason=reason, client=client
        )
    )
    if reason in ("bad_password", "bad_code") and row is not None:
        failures = (row.failed_logins or 0) + 1
        values: dict[str, object] = {"failed_logins": failures}
        if failures >= MAX_FAILED_LOGINS:
            values["locked_until"] = format_time(at + timedelta(minutes=LOCKOUT_MINUTES))
            values["failed_logins"] = 0
        conn.execute(update(users).where(users.c.user_id == row.user_id).values(**values))
        if "locked_until" in values:
            record(
                conn,
                user=username,
                action="account.lock",
                object_type="user",
                object_id=username,
                outcome="ok",
            )
    if reason != "ok" or row is None:
        record(
            conn,
            user=None,
            action="login",
            object_type="user",
            object_id=username[:80],
            outcome="failed",
            detail=reason,
        )
        return LoginResult(ok=False, reason=reason)
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": format_time(at)}
    if step is not None:
        values["totp_last_step"] = step
    conn.execute(update(users).where(users.c.user_id == row.user_id).values(**values))
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(
        sessions.insert().values(
            session_hash=_hash_session(session_id),
            user_id=row.user_id,
            csrf_token=csrf,
            created_at=format_time(at),
            last_seen_at=format_time(at),
        )
    )
    record(conn, user=username, action="login", object_type="user", object_id=username, outcome="ok")
    user = get_user(conn, username)
    return LoginResult(ok=True, reason="ok", user=user, session_id=session_id, csrf_token=csrf)


def resume_session(conn: Connection, session_id: str, *, at: datetime | None = None) -> Session | None:
    """The session behind this id if it is still live (and mark it used); None when expired or unknown."""
    at = at or _now()
    key = _hash_session(session_id)
    row = conn.execute(
        select(sessions.c.last_seen_at, sessions.c.csrf_token, users)
        .join(users, users.c.user_id == sessions.c.user_id)
        .where(sessions.c.session_hash == key)
    ).first()
    if row is None:
        return None
    if row.disabled or at - parse_time(row.last_seen_at) > timedelta(minutes=IDLE_MINUTES):
        conn.execute(delete(sessions).where(sessions.c.session_hash == key))
        return None
    # Touch at most once a minute: idle expiry needs no finer grain, and reads stay cheap.
    if at - parse_time(row.last_seen_at) > timedelta(seconds=60):
        conn.execute(
            update(sessions).where(sessions.c.session_hash == key).values(last_seen_at=format_time(at))
        )
    return Session(user=_user(row), csrf_token=row.csrf_token)


def end_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.session_hash == _hash_session(session_id)))


DEMO_USERS: list[tuple[str, Role]] = [
    ("demo-admin", "admin"),
    ("demo-analyst", "analyst"),
    ("demo-reviewer", "reviewer"),
]


def ensure_demo_accounts(store: Store) -> list[DemoAccount]:
    """Demo accounts for `safeharbor demo`: (re)created with fresh passwords and TOTP secrets each run."""
    out: list[DemoAccount] = []
    with store.begin() as conn:
        for username, role in DEMO_USERS:
            password = "demo-" + secrets.token_urlsafe(9)
            existing = get_user(conn, username)
            if existing is None:
                created = create_user(conn, username, password, role, is_demo=True)
                secret = created.totp_secret
            else:
                if not existing.is_demo:
                    raise AccountError(f"{username} exists and is not a demo account")
                set_password(conn, username, password)
                unlock(conn, username)
                secret = reset_totp(conn, username) if role in TOTP_ROLES else None
            out.append(DemoAccount(username=username, password=password, role=role, totp_secret=secret))
    return out
