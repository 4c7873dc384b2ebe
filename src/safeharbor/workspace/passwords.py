"""Password policy and username normalisation for workspace accounts.

Passwords: at least MIN_LENGTH characters, not on the common-password list and not guessable by
zxcvbn's estimator (score below MIN_STRENGTH). Both the list (the 30,000 most common passwords from
breach corpora) and the estimator ship inside the `zxcvbn` package: nothing is fetched at run time.

Usernames: NFKC-normalised and case-folded, so `ADMIN1` and full-width `ａｄｍｉｎ１` are the same
account as `admin1`, and limited to a small ASCII alphabet so look-alike letters from other scripts
(a Cyrillic `а`) cannot make a second "admin1".
"""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 hashes anything, but the strength estimator is quadratic in length
MIN_STRENGTH = 3  # zxcvbn score 0-4; 3 = "safely unguessable: moderate protection from offline attack"
MAX_USERNAME = 80
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]*")
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])
_APP_WORDS = ["safeharbor", "safe harbor", "harbor", "workspace"]


class PolicyError(ValueError):
    """A password or username that the policy refuses; the message says why in plain words."""


def normalise_username(raw: str) -> str:
    """The canonical form of a username, or PolicyError if it cannot be one."""
    name = unicodedata.normalize("NFKC", raw).casefold().strip()
    name = unicodedata.normalize("NFKC", name)  # case folding can produce new compositions
    if not name:
        raise PolicyError("a username cannot be empty")
    if len(name) > MAX_USERNAME:
        raise PolicyError(f"a username has at most {MAX_USERNAME} characters")
    if not _USERNAME.fullmatch(name):
        raise PolicyError(
            "a username may contain only the letters a-z, digits and . _ - @ "
            "(and starts with a letter or digit)"
        )
    return name


def check_password(password: str, *, username: str = "") -> None:
    """Raise PolicyError when `password` is too short, too common or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise PolicyError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PolicyError(f"a password has at most {MAX_LENGTH} characters")
    folded = password.casefold()
    if folded in _COMMON or folded.rstrip("0123456789!") in _COMMON:
        raise PolicyError("this password is on the list of the most common passwords; choose another")
    if username and username.casefold() in folded:
        raise PolicyError("a password must not contain the username")
    result = zxcvbn(password, user_inputs=[username, *_APP_WORDS] if username else _APP_WORDS)
    if int(result["score"]) < MIN_STRENGTH:
        warning = str(result["feedback"].get("warning") or "").strip()
        hint = f" ({warning})" if warning else ""
        raise PolicyError(
            f"this password is too easy to guess{hint}; a few unrelated words or a longer phrase work well"
        )
