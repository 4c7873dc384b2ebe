"""In-memory rate limiting for the tip form, keyed by a salted, short-lived hash of the client address.

Nothing here touches disk: the address is never stored, only an HMAC of it (and of its network
prefix) under a random salt that is replaced with every window, so a counter cannot be tied back to
an address once its window ends (and the process restarting forgets everything).

A flood must not keep real reporters out (issue 16, M5: 320 junk tips from 320 addresses filled a
site-wide cap and everyone was refused for 11 minutes). So the limits do not refuse everyone; they
decide where a tip goes:
- **accept**: stored as a new tip, as usual;
- **hold**: stored, but in the *held for review* state, out of the analysts' main list: a tip from a
  network prefix (a /24 of IPv4, a /56 of IPv6: one household, office or cloud subnet) that has
  already sent its share this window, or — once the site-wide count is reached (*degraded mode*) —
  any tip from a prefix that has already sent one, and every tip past twice the site-wide count;
- **refuse** (HTTP 429): only one address sending more than `per_client` tips, or the held queue
  itself full (`held_cap`), so junk cannot fill the disk.
The reporter of an accepted or a held tip sees the same thank-you page and reference: a sender of
junk learns nothing from it, and a real reporter caught in a flood loses nothing. In degraded mode a
first tip from a prefix that has sent nothing this window still goes in as a new tip.

The counters are per process (a server with several worker processes multiplies the limits by their
number): keeping them in memory is what lets them store no address at all.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["accept", "hold", "refuse"]
PREFIX_BITS_V4 = 24
PREFIX_BITS_V6 = 56


def address_prefix(client: str | None, v4_bits: int = 32, v6_bits: int = 64) -> str:
    """The network `client` belongs to: an IPv4 address cut to `v4_bits`, IPv6 to `v6_bits` (one
    subscriber holds a whole /64 or more, so a single IPv6 address means little). Something that is
    not an address (a test client, a socket) stands for itself."""
    if not client:
        return "unknown"
    try:
        ip = ipaddress.ip_address(client.strip("[]"))
    except ValueError:
        return client
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = v4_bits if ip.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


@dataclass
class RateLimiter:
    per_client: int = 5  # tips from one address (IPv6: its /64) per window; beyond: refused
    per_prefix: int = 10  # new tips from one /24 (IPv6: /56) per window; beyond: held for review
    site_wide: int = 300  # new tips from everyone per window; beyond: degraded mode
    held_cap: int = 1000  # tips held for review per window; beyond: refused
    window_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _window_start: float = field(default=-1.0, init=False)
    _salt: bytes = field(default=b"", init=False)
    _counts: dict[bytes, int] = field(default_factory=dict, init=False)
    _prefixes: dict[bytes, int] = field(default_factory=dict, init=False)
    _accepted: int = field(default=0, init=False)
    _held: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def _roll(self, now: float) -> None:
        if self._window_start < 0 or now - self._window_start >= self.window_seconds:
            self._window_start = now
            self._salt = secrets.token_bytes(32)  # a new salt: old keys become meaningless
            self._counts = {}
            self._prefixes = {}
            self._accepted = 0
            self._held = 0

    def _key(self, text: str) -> bytes:
        return hmac.new(self._salt, text.encode(), hashlib.sha256).digest()[:16]

    @property
    def degraded(self) -> bool:
        """Has the site-wide count been reached in this window?"""
        with self._lock:
            self._roll(self.clock())
            return self._accepted >= self.site_wide

    def _over_prefix(self, prefix_count: int) -> bool:
        if self._accepted >= 2 * self.site_wide:
            return True  # a flood from very many prefixes: everything waits for review
        limit = 1 if self._accepted >= self.site_wide else self.per_prefix
        return prefix_count >= limit

    def decide(self, client: str | None) -> Decision:
        """Count one tip from `client` and say what becomes of it (a refused tip is not counted)."""
        with self._lock:
            self._roll(self.clock())
            address = self._key("a\0" + address_prefix(client))
            prefix = self._key("p\0" + address_prefix(client, PREFIX_BITS_V4, PREFIX_BITS_V6))
            if self._counts.get(address, 0) >= self.per_client:
                return "refuse"
            held = self._over_prefix(self._prefixes.get(prefix, 0))
            if held and self._held >= self.held_cap:
                return "refuse"
            self._counts[address] = self._counts.get(address, 0) + 1
            self._prefixes[prefix] = self._prefixes.get(prefix, 0) + 1
            if held:
                self._held += 1
                return "hold"
            self._accepted += 1
            return "accept"

    def allow(self, client: str | None) -> bool:
        """Count one tip; False when it is refused outright (held tips are allowed)."""
        return self.decide(client) != "refuse"

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        with self._lock:
            return max(1, int(self.window_seconds - (self.clock() - self._window_start)) + 1)
