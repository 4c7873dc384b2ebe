"""Sealing small secrets in the store with a key kept outside it.

TOTP secrets and the contact details a reporter leaves with a tip are the values whose theft would
hurt most, so they are encrypted with `cryptography`'s Fernet (AES-128-CBC + HMAC-SHA256) under a
data key that never enters the database: SAFEHARBOR_DATA_KEY holds the key itself,
SAFEHARBOR_DATA_KEY_FILE a path to a file holding it (`safeharbor keys new` writes one, mode 0600).
A copy of the database alone (a backup, a dump, a stolen disk image of the DB volume) then reveals
neither.

Without a key, values are stored as they are (as before) and `SecretBox.sealing` is False, so the
CLI and the server can say so. A sealed value is marked `fernet:`; reading one without a key, or
with the wrong key, raises `DataKeyError` with what to do, never garbage.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from safeharbor.settings import ENV_DATA_KEY, ENV_DATA_KEY_FILE, Settings

PREFIX = "fernet:"


class DataKeyError(RuntimeError):
    """The data key is missing, unreadable or not the one the store's secrets were sealed with."""


def new_key_file(path: Path) -> Path:
    """Write a fresh data key to `path` (mode 0600, never overwriting); returns the path."""
    if path.exists():
        raise DataKeyError(f"{path} already exists; a data key is never overwritten")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    return path


@lru_cache(maxsize=8)
def _fernet(key: str | None, key_file: str | None) -> Fernet | None:
    if key is None and key_file is not None:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise DataKeyError(
                f"cannot read the data key file {key_file} ({ENV_DATA_KEY_FILE}): {exc}"
            ) from exc
    if key is None:
        return None
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise DataKeyError(
            f"the data key ({ENV_DATA_KEY} / {ENV_DATA_KEY_FILE}) is not a Fernet key: "
            "32 url-safe base64-encoded bytes, as `safeharbor keys new` writes"
        ) from exc


class SecretBox:
    """Seals and opens short text values; a box without a key stores them as they are."""

    def __init__(self, fernet: Fernet | None) -> None:
        self._fernet = fernet

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SecretBox:
        s = settings if settings is not None else Settings.from_env()
        return cls(_fernet(s.data_key, str(s.data_key_file) if s.data_key_file else None))

    @classmethod
    def with_key(cls, key: str) -> SecretBox:
        return cls(_fernet(key, None))

    @property
    def sealing(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str) -> str:
        if self._fernet is None:
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored
        if self._fernet is None:
            raise DataKeyError(
                f"this store holds encrypted secrets but no data key is configured: set {ENV_DATA_KEY} "
                f"or {ENV_DATA_KEY_FILE} to the key they were sealed with"
            )
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise DataKeyError(
                f"an encrypted secret in this store does not open with the configured data key "
                f"({ENV_DATA_KEY} / {ENV_DATA_KEY_FILE}): is it the key the store was sealed with?"
            ) from exc


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
