"""Sign-in throttles beyond the per-account lockout: per address (network prefix) and site-wide.

The account lockout (`signin`) stops guessing one account's password; it does not stop one address
trying a few passwords on every account (password spraying), nor many addresses together. So every
sign-in attempt first claims a slot in two counters for the current window: its address's (the exact
IPv4 address, or the /64 of an IPv6 one, where one household or attacker holds many addresses) and
the whole site's. A sign-in that succeeds gives its slots back, so the counters hold failed (and
in-flight) attempts: a busy office signing in all morning never trips them.

Decided in the database, by conditional UPDATEs' row counts (as the lockout is), so the limits hold
across worker processes and on PostgreSQL, and concurrent attempts cannot slip past them. The address
is never stored: a counter's key is an HMAC of the address and the window's number under a key that
never enters the database (derived from SAFEHARBOR_SECRET_KEY, else random per process), and rows of
past windows are deleted as new windows begin.

Trade-off, on purpose: a flood from many addresses can use up the site-wide budget and pause every
sign-in for the rest of the window (at most `window_seconds`). That is a denial of service against
the workspace, chosen over letting a distributed guesser run unchecked; the audit log shows it
(`login` rows `refused`, detail `throttled: site-wide`), and the limits are in `ThrottleLimits`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, delete, update

from safeharbor.settings import Settings
from safeharbor.storage.engine import Store, insert_ignoring_duplicates
from safeharbor.tips.ratelimit import address_prefix
from safeharbor.workspace.tables import login_throttle

SITE_BUCKET = "site"
Verdict = Literal["ok", "address", "site"]  # allowed, or which limit refused it


@dataclass(frozen=True)
class ThrottleLimits:
    per_address: int = 20  # failed (or in-flight) sign-ins from one address per window
    site_wide: int = 200  # from everyone together per window
    window_seconds: int = 900


@dataclass(frozen=True)
class LoginThrottle:
    limits: ThrottleLimits = ThrottleLimits()
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, settings: Settings, limits: ThrottleLimits | None = None) -> LoginThrottle:
        """Every worker process with the same SAFEHARBOR_SECRET_KEY keys addresses alike (so they
        share one counter per address); without it each process has its own random key."""
        secret = settings.secret_key
        if not secret:
            return cls(limits=limits or ThrottleLimits())
        key = hashlib.sha256(b"safeharbor login throttle\0" + secret.encode()).digest()
        return cls(limits=limits or ThrottleLimits(), key=key)

    def window(self) -> int:
        return int(self.clock() // self.limits.window_seconds)

    def seconds_left(self) -> int:
        """Seconds until the current window ends (for Retry-After)."""
        length = self.limits.window_seconds
        return max(1, int(length - self.clock() % length))

    def address_bucket(self, client: str, window: int) -> str:
        """The address's counter key in this window: unlinkable to the address, and to other windows."""
        message = f"{window}\0{address_prefix(client)}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:40]


def _claim(conn: Connection, bucket: str, window: int, limit: int) -> bool | None:
    """Count one attempt in `bucket` for `window` if it is under `limit` (the row count decides).

    True: counted; None: counted as the first of a new window (old rows may be cleared); False: full."""
    t = login_throttle
    under = update(t).where(t.c.bucket == bucket, t.c.window_no == window, t.c.attempts < limit)
    if conn.execute(under.values(attempts=t.c.attempts + 1)).rowcount == 1:
        return True
    stale = update(t).where(t.c.bucket == bucket, t.c.window_no < window)  # an earlier window's row
    if conn.execute(stale.values(window_no=window, attempts=1)).rowcount == 1:
        return None
    if insert_ignoring_duplicates(conn, t, [{"bucket": bucket, "window_no": window, "attempts": 1}]) == 1:
        return True
    # Another attempt created the row a moment ago (PostgreSQL waited for it): count against it.
    return conn.execute(under.values(attempts=t.c.attempts + 1)).rowcount == 1


def _release(conn: Connection, bucket: str, window: int) -> None:
    t = login_throttle
    conn.execute(
        update(t)
        .where(t.c.bucket == bucket, t.c.window_no == window, t.c.attempts > 0)
        .values(attempts=t.c.attempts - 1)
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """The slots one attempt holds (given back when it signs in)."""

    verdict: Verdict
    window: int
    buckets: tuple[str, ...] = ()


def claim(store: Store, throttle: LoginThrottle, client: str | None) -> Claim:
    """Take this attempt's slots (its address's, when known, then the site's), or say which limit is
    reached. Both or neither: a refusal by the site-wide limit gives the address slot back."""
    window = throttle.window()
    limits = throttle.limits
    with store.begin() as conn:
        buckets: list[str] = []
        if client:
            bucket = throttle.address_bucket(client, window)
            if _claim(conn, bucket, window, limits.per_address) is False:
                return Claim("address", window)
            buckets.append(bucket)
        site = _claim(conn, SITE_BUCKET, window, limits.site_wide)
        if site is False:
            for bucket in buckets:
                _release(conn, bucket, window)
            return Claim("site", window)
    if site is None:
        # The site's counter began a new window: forget the addresses' counters of past windows. In
        # a transaction of its own, holding no other row, so it cannot deadlock with a claim.
        with store.begin() as conn:
            conn.execute(delete(login_throttle).where(login_throttle.c.window_no < window))
    return Claim("ok", window, (*buckets, SITE_BUCKET))


def release(store: Store, held: Claim) -> None:
    """Give a successful sign-in's slots back (same window only: a new window starts at zero anyway)."""
    with store.begin() as conn:
        for bucket in held.buckets:
            _release(conn, bucket, held.window)
