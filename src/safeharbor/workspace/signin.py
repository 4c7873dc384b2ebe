"""Signing in (password + TOTP), lockout, and idle-expiring sessions.

Each decision concurrent sign-ins could race for is one conditional UPDATE, decided by its row count:
- a failure *slot*: an attempt is evaluated only if it can raise `failed_logins` while the account is
  unlocked and below MAX_FAILED_LOGINS, so 40 simultaneous guesses get at most 5 password checks;
- the *lock*: set by the one UPDATE that finds the count at the limit and no lock yet;
- the *sign-in*: granted by an UPDATE that requires "unlocked, enabled, and this TOTP step newer than
  the last one used", so a code replayed in parallel opens exactly one session and nothing signs in
  once the lock is set.
argon2 runs between these short transactions, never inside one, so sign-ins do not queue on locks.

Before any of that, the attempt claims a slot in the per-address and site-wide throttles
(`workspace.throttle`, decided the same way); a throttled attempt is refused before its username is
even looked up, so the refusal says nothing about whether the account exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Connection, Row, delete, or_, select, update

from safeharbor.storage import Store
from safeharbor.storage.sealing import SecretBox
from safeharbor.storage.times import format_time, parse_time
from safeharbor.workspace.accounts import TOTP_ROLES, User, hasher, now, user_from_row
from safeharbor.workspace.audit import record
from safeharbor.workspace.passwords import PolicyError, normalise_username
from safeharbor.workspace.tables import login_attempts, sessions, users
from safeharbor.workspace.throttle import LoginThrottle, claim, release

IDLE_MINUTES = 30
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
_FAILURES = ("bad_password", "bad_code", "replayed_code")
# Callers that pass no throttle (the CLI, tests) share this one: limits per process, random key.
DEFAULT_THROTTLE = LoginThrottle()


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    # ok | unknown | bad_password | bad_code | replayed_code | locked | disabled | no_second_factor
    # | throttled (too many attempts from this address, or site-wide: see workspace.throttle)
    reason: str
    user: User | None = None
    session_id: str | None = None
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str


def hash_session(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _unlocked(at: str) -> ColumnElement[bool]:
    return or_(users.c.locked_until.is_(None), users.c.locked_until <= at)


def check_totp(secret: str, code: str, at: datetime) -> int | None:
    """The time step this code belongs to (one step of clock drift either way), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step_now = int(at.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _update_user(conn: Connection, user_id: int, *conditions: ColumnElement[bool], **values: object) -> bool:
    """One conditional UPDATE of a user's row: True when it applied (the row count decides each race)."""
    statement = update(users).where(users.c.user_id == user_id, *conditions).values(**values)
    return conn.execute(statement).rowcount == 1


def _find(store: Store, username: str) -> Row[tuple[object, ...]] | None:
    try:
        name = normalise_username(username)
    except PolicyError:
        return None
    with store.connect() as conn:
        return conn.execute(select(users).where(users.c.username == name)).first()


def _claim_slot(store: Store, user_id: int, at: str) -> bool:
    with store.begin() as conn:
        return _update_user(
            conn,
            user_id,
            users.c.disabled.is_(False),
            _unlocked(at),
            users.c.failed_logins < MAX_FAILED_LOGINS,
            failed_logins=users.c.failed_logins + 1,
        )


def _evaluate(row: Row[tuple[object, ...]], password: str, code: str, at: datetime) -> tuple[str, int | None]:
    r = row._mapping
    try:
        hasher.verify(str(r["password_hash"]), password)
    except (VerificationError, InvalidHashError):
        return "bad_password", None
    sealed = r["totp_secret"]
    if not sealed:
        return ("no_second_factor", None) if r["role"] in TOTP_ROLES else ("ok", None)
    step = check_totp(SecretBox.from_settings().open(str(sealed)), code, at)
    return ("bad_code", None) if step is None else ("ok", step)


def _open_session(conn: Connection, user_id: int, step: int | None, at: datetime) -> tuple[str, str] | None:
    stamp = format_time(at)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": stamp}
    conditions = [users.c.disabled.is_(False), _unlocked(stamp)]
    if step is not None:
        values["totp_last_step"] = step
        conditions.append(or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step))
    if not _update_user(conn, user_id, *conditions, **values):
        return None
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(
        sessions.insert().values(
            session_hash=hash_session(session_id),
            user_id=user_id,
            csrf_token=csrf,
            created_at=stamp,
            last_seen_at=stamp,
        )
    )
    return session_id, csrf


def _why_refused(store: Store, user_id: int, at: str) -> str:
    with store.connect() as conn:
        row = conn.execute(
            select(users.c.disabled, users.c.locked_until).where(users.c.user_id == user_id)
        ).one()
    if row.disabled:
        return "disabled"
    return "locked" if row.locked_until and row.locked_until > at else "replayed_code"


def _lock_if_due(conn: Connection, user_id: int, at: datetime) -> bool:
    return _update_user(
        conn,
        user_id,
        users.c.failed_logins >= MAX_FAILED_LOGINS,
        _unlocked(format_time(at)),
        locked_until=format_time(at + timedelta(minutes=LOCKOUT_MINUTES)),
        failed_logins=0,
    )


def _refuse_throttled(store: Store, shown: str, stamp: str, which: str) -> LoginResult:
    why = "too many attempts from this address" if which == "address" else "site-wide"
    with store.begin() as conn:
        conn.execute(login_attempts.insert().values(username=shown, at=stamp, ok=False, reason="throttled"))
        record(
            conn,
            user=None,
            action="login",
            object_type="user",
            object_id=shown or None,
            outcome="refused",
            detail=f"throttled: {why}",
        )
    return LoginResult(ok=False, reason="throttled")


def authenticate(
    store: Store,
    username: str,
    password: str,
    totp_code: str = "",
    *,
    client: str | None = None,
    at: datetime | None = None,
    throttle: LoginThrottle | None = None,
) -> LoginResult:
    """Check a sign-in; on success open a session. Every attempt is recorded and audited.

    `client` is the address the attempt came from (its throttle; None: the site-wide one only)."""
    at = at or now()
    stamp = format_time(at)
    slots = claim(store, throttle or DEFAULT_THROTTLE, client)
    if slots.verdict != "ok":
        return _refuse_throttled(store, username.strip()[:80], stamp, slots.verdict)
    row = _find(store, username)
    step: int | None = None
    if row is None:
        hasher.hash(password)  # same work as a real check, so timing does not reveal which names exist
        reason = "unknown"
    elif row.disabled:
        reason = "disabled"
    elif not _claim_slot(store, row.user_id, stamp):
        reason = _why_refused(store, row.user_id, stamp)
        reason = "locked" if reason == "replayed_code" else reason  # the failure slots are all taken
    else:
        reason, step = _evaluate(row, password, totp_code, at)
    shown = username.strip()[:80]
    if reason == "ok" and row is not None:
        with store.begin() as conn:
            opened = _open_session(conn, row.user_id, step, at)
            if opened is not None:
                conn.execute(login_attempts.insert().values(username=shown, at=stamp, ok=True, reason="ok"))
                record(
                    conn,
                    user=row.username,
                    action="login",
                    object_type="user",
                    object_id=row.username,
                    outcome="ok",
                )
                user = user_from_row(conn.execute(select(users).where(users.c.user_id == row.user_id)).one())
        if opened is not None:
            release(store, slots)  # a sign-in that succeeds does not count against the throttles
            return LoginResult(ok=True, reason="ok", user=user, session_id=opened[0], csrf_token=opened[1])
        reason = _why_refused(store, row.user_id, stamp)
    with store.begin() as conn:
        conn.execute(login_attempts.insert().values(username=shown, at=stamp, ok=False, reason=reason))
        # Only evaluated failures lock: attempts refused for want of a slot wait for those in flight
        # (a right password among them may still sign in; five wrong ones lock).
        if row is not None and reason in _FAILURES and _lock_if_due(conn, row.user_id, at):
            record(
                conn,
                user=row.username,
                action="account.lock",
                object_type="user",
                object_id=row.username,
                outcome="ok",
                detail=f"{MAX_FAILED_LOGINS} failed sign-ins",
            )
        record(
            conn,
            user=None,
            action="login",
            object_type="user",
            object_id=shown or None,
            outcome="failed",
            detail=reason,
        )
    return LoginResult(ok=False, reason=reason)


def resume_session(conn: Connection, session_id: str, *, at: datetime | None = None) -> Session | None:
    """The session behind this id if it is still live (and mark it used); None when expired or unknown."""
    at = at or now()
    key = hash_session(session_id)
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
    return Session(user=user_from_row(row), csrf_token=row.csrf_token)


def end_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.session_hash == hash_session(session_id)))
