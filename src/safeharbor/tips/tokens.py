"""Signed one-time form tokens: a double submit makes one tip, and a forged post makes none.

Each form page carries a token (a random nonce signed with the app's secret, with a time stamp).
It lives only in a hidden field — never a cookie — so nothing is stored in the browser before a tip is
sent. `submit_tip` records the nonce with the tip it created; the same token again returns that tip.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from safeharbor.settings import Settings

MAX_AGE_SECONDS = 12 * 3600  # long enough to write a careful tip, short enough to limit replays


class FormTokenError(ValueError):
    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass
class FormTokens:
    secret: str

    @classmethod
    def from_settings(cls, settings: Settings) -> FormTokens:
        """The app's secret (SAFEHARBOR_SECRET_KEY), or a random one for this process: forms issued
        before a restart then stop working (`safeharbor serve` says so when it starts)."""
        return cls(settings.secret_key or secrets.token_urlsafe(32))

    @classmethod
    def from_env(cls) -> FormTokens:
        return cls.from_settings(Settings.from_env())

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="safeharbor.tip-form")

    def issue(self, variant: str) -> str:
        return str(self._serializer().dumps({"n": secrets.token_urlsafe(18), "v": variant}))

    def check(self, token: str, variant: str, *, max_age: int = MAX_AGE_SECONDS) -> str:
        """The token's nonce, or FormTokenError when it is forged, for another form, or too old."""
        try:
            data = self._serializer().loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise FormTokenError("form expired", expired=True) from exc
        except BadSignature as exc:
            raise FormTokenError("form token not valid") from exc
        if not isinstance(data, dict) or data.get("v") != variant or not isinstance(data.get("n"), str):
            raise FormTokenError("form token not valid")
        return str(data["n"])
