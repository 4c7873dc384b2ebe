"""Accounts, roles, sign-in with TOTP, lockout and idle-expiring sessions (no HTTP here).

Passwords are hashed with argon2id and must pass `passwords.check_password`; every role reads tips
or cases, so every account needs a TOTP code too. Five failed sign-ins lock the account for
LOCKOUT_MINUTES; a session ends after IDLE_MINUTES without a request, and at once when the account is
disabled, its role changes or its password or second factor is reset. Session ids and CSRF tokens are
random; only a hash of the session id is stored.

Races: every decision that concurrent sign-ins could otherwise both win (a failure slot, the lock,
the TOTP step, the sign-in itself) is a conditional UPDATE whose row count decides, never a read
followed by a write. Password checks run outside any transaction, so sign-ins do not queue on a lock
while argon2 works.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import Connection, delete, func, select, update

from safeharbor.storage import Store
from safeharbor.storage.sealing import DataKeyError, SecretBox, is_sealed
from safeharbor.storage.times import format_time
from safeharbor.workspace.audit import record
from safeharbor.workspace.passwords import PolicyError, check_password, normalise_username
from safeharbor.workspace.tables import ROLES, sessions, users

Role = Literal["admin", "analyst", "reviewer"]
# Every role reads tips or cases, so every role signs in with a second factor.
TOTP_ROLES: tuple[str, ...] = ROLES
hasher = PasswordHasher()


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


def totp_uri(username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Safe Harbor")


@dataclass(frozen=True, slots=True)
class NewUser:
    user: User
    totp_secret: str

    def totp_uri(self) -> str:
        return totp_uri(self.user.username, self.totp_secret)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    totp_secret: str | None


class AccountError(ValueError):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def user_from_row(row: object) -> User:
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


def canonical(username: str) -> str:
    """The stored form of a username typed by someone (AccountError when it cannot be one)."""
    try:
        return normalise_username(username)
    except PolicyError as exc:
        raise AccountError(str(exc)) from exc


def _checked_password(password: str, username: str) -> str:
    try:
        check_password(password, username=username)
    except PolicyError as exc:
        raise AccountError(str(exc)) from exc
    return hasher.hash(password)


def create_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    box: SecretBox | None = None,
    is_demo: bool = False,
    actor: str | None = None,
) -> NewUser:
    """Add an account with a fresh TOTP secret (every role needs one)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    name = canonical(username)
    password_hash = _checked_password(password, name)
    if conn.execute(select(users.c.user_id).where(users.c.username == name)).first():
        raise AccountError(f"user {name!r} already exists")
    secret = pyotp.random_base32()
    conn.execute(
        users.insert().values(
            username=name,
            password_hash=password_hash,
            role=role,
            totp_secret=(box or SecretBox.from_settings()).seal(secret),
            is_demo=is_demo,
            disabled=False,
            failed_logins=0,
            created_at=format_time(now()),
        )
    )
    user = get_user(conn, name)
    assert user is not None
    if actor is not None:
        record(
            conn,
            user=actor,
            action="user.add",
            object_type="user",
            object_id=name,
            outcome="ok",
            detail=f"role {role}",
        )
    return NewUser(user=user, totp_secret=secret)


def get_user(conn: Connection, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except PolicyError:
        return None
    row = conn.execute(select(users).where(users.c.username == name)).first()
    return user_from_row(row) if row else None


def _existing(conn: Connection, username: str) -> User:
    user = get_user(conn, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def list_users(conn: Connection) -> list[User]:
    return [user_from_row(r) for r in conn.execute(select(users).order_by(users.c.username))]


def end_sessions(conn: Connection, user_id: int) -> int:
    """End every live session of one account; returns how many there were."""
    return int(conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount or 0)


def _other_enabled_admins(conn: Connection, user: User) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.role == "admin", users.c.disabled.is_(False), users.c.user_id != user.user_id)
        ).scalar_one()
    )


def _audit(conn: Connection, actor: str | None, action: str, user: User, detail: str) -> None:
    """The change's audit row, by `actor`; without one the caller writes its own (a workspace request
    writes exactly one row per action, through its audit middleware)."""
    if actor is None:
        return
    record(
        conn,
        user=actor,
        action=action,
        object_type="user",
        object_id=user.username,
        outcome="ok",
        detail=detail,
    )


def set_disabled(conn: Connection, username: str, disabled: bool, *, actor: str | None = None) -> User:
    """Disable (ending every session at once) or enable an account."""
    user = _existing(conn, username)
    if disabled and user.role == "admin" and not user.disabled and not _other_enabled_admins(conn, user):
        raise AccountError("this is the last enabled admin; add or enable another admin first")
    conn.execute(
        update(users)
        .where(users.c.user_id == user.user_id)
        .values(disabled=disabled, failed_logins=0, locked_until=None)
    )
    ended = end_sessions(conn, user.user_id)
    _audit(conn, actor, "user.disable" if disabled else "user.enable", user, f"{ended} sessions ended")
    return _existing(conn, username)


def set_role(conn: Connection, username: str, role: str, *, actor: str | None = None) -> User:
    """Change an account's role; its sessions end so the new rights apply from the next sign-in."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    user = _existing(conn, username)
    if (
        user.role == "admin"
        and role != "admin"
        and not user.disabled
        and not _other_enabled_admins(conn, user)
    ):
        raise AccountError("this is the last enabled admin; make another account admin first")
    conn.execute(update(users).where(users.c.user_id == user.user_id).values(role=role))
    ended = end_sessions(conn, user.user_id)
    _audit(conn, actor, "user.role", user, f"{user.role} -> {role}; {ended} sessions ended")
    return _existing(conn, username)


def set_password(conn: Connection, username: str, password: str, *, actor: str | None = None) -> None:
    """A new password (checked against the policy); ends the account's sessions and lifts a lockout."""
    user = _existing(conn, username)
    password_hash = _checked_password(password, user.username)
    conn.execute(
        update(users)
        .where(users.c.user_id == user.user_id)
        .values(password_hash=password_hash, failed_logins=0, locked_until=None)
    )
    ended = end_sessions(conn, user.user_id)
    _audit(conn, actor, "user.reset_password", user, f"{ended} sessions ended")


def reset_totp(
    conn: Connection, username: str, *, box: SecretBox | None = None, actor: str | None = None
) -> str:
    """A new TOTP secret for this account (the old one stops working, sessions end); returns it."""
    user = _existing(conn, username)
    secret = pyotp.random_base32()
    conn.execute(
        update(users)
        .where(users.c.user_id == user.user_id)
        .values(totp_secret=(box or SecretBox.from_settings()).seal(secret), totp_last_step=None)
    )
    ended = end_sessions(conn, user.user_id)
    _audit(conn, actor, "user.reset_totp", user, f"{ended} sessions ended")
    return secret


def unlock(conn: Connection, username: str, *, actor: str | None = None) -> None:
    user = _existing(conn, username)
    conn.execute(
        update(users).where(users.c.user_id == user.user_id).values(failed_logins=0, locked_until=None)
    )
    _audit(conn, actor, "user.unlock", user, "")


def totp_secret_of(conn: Connection, user_id: int, box: SecretBox | None = None) -> str | None:
    sealed = conn.execute(select(users.c.totp_secret).where(users.c.user_id == user_id)).scalar_one_or_none()
    return (box or SecretBox.from_settings()).open(sealed) if sealed else None


def demo_totp_code(conn: Connection, username: str) -> str:
    """The current TOTP code of a demo account (refused for real accounts)."""
    user = _existing(conn, username)
    if not user.is_demo:
        raise AccountError("codes are shown only for demo accounts")
    secret = totp_secret_of(conn, user.user_id)
    if not secret:
        raise AccountError(f"{user.username} has no two-factor secret")
    return pyotp.TOTP(secret).now()


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
                set_password(conn, username, password, actor="demo")
                secret = reset_totp(conn, username, actor="demo")
                if existing.disabled:
                    set_disabled(conn, username, False, actor="demo")
            out.append(DemoAccount(username=username, password=password, role=role, totp_secret=secret))
    return out


def check_data_key(conn: Connection, box: SecretBox | None = None) -> int:
    """Raise DataKeyError unless every sealed TOTP secret opens with the configured key; returns the
    number of secrets still stored unsealed (to warn about)."""
    box = box or SecretBox.from_settings()
    plain = 0
    for sealed in conn.execute(select(users.c.totp_secret).where(users.c.totp_secret.is_not(None))).scalars():
        if is_sealed(sealed):
            box.open(sealed)
        else:
            plain += 1
    return plain


def seal_plain_secrets(conn: Connection, box: SecretBox) -> int:
    """Seal every TOTP secret still stored in the clear (after a data key was first configured)."""
    if not box.sealing:
        raise DataKeyError("no data key is configured: set SAFEHARBOR_DATA_KEY or SAFEHARBOR_DATA_KEY_FILE")
    rows = conn.execute(select(users.c.user_id, users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
    sealed = 0
    for user_id, secret in rows.all():
        if not is_sealed(secret):
            conn.execute(update(users).where(users.c.user_id == user_id).values(totp_secret=box.seal(secret)))
            sealed += 1
    return sealed
