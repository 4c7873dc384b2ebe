"""In-memory rate limiting for the tip form, keyed by a salted, short-lived hash of the client address.

Nothing here touches disk: the address is never stored, only an HMAC of it under a random salt that
is replaced with every window, so a counter cannot be tied back to an address once its window ends
(and the process restarting forgets everything). Two limits apply: per address, and for the whole
site, so a flood from many addresses cannot bury real tips either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    per_client: int = 5  # tips from one address per window
    site_wide: int = 300  # tips from everyone per window
    window_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _window_start: float = field(default=-1.0, init=False)
    _salt: bytes = field(default=b"", init=False)
    _counts: dict[bytes, int] = field(default_factory=dict, init=False)
    _total: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def _roll(self, now: float) -> None:
        if self._window_start < 0 or now - self._window_start >= self.window_seconds:
            self._window_start = now
            self._salt = secrets.token_bytes(32)  # a new salt: old keys become meaningless
            self._counts = {}
            self._total = 0

    def _key(self, client: str) -> bytes:
        return hmac.new(self._salt, client.encode(), hashlib.sha256).digest()[:16]

    def allow(self, client: str | None) -> bool:
        """Count one attempt from `client`; False (and not counted) when over either limit."""
        with self._lock:
            now = self.clock()
            self._roll(now)
            key = self._key(client or "unknown")
            if self._counts.get(key, 0) >= self.per_client or self._total >= self.site_wide:
                return False
            self._counts[key] = self._counts.get(key, 0) + 1
            self._total += 1
            return True

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        with self._lock:
            return max(1, int(self.window_seconds - (self.clock() - self._window_start)) + 1)
