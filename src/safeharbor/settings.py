"""One settings object, read from the environment once (`Settings.from_env()`).

Everything Safe Harbor reads from the environment is named here and documented in the README
("Settings"); no other module reads `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB_PATH = Path("var") / "safeharbor.db"

ENV_DB = "SAFEHARBOR_DB"
ENV_SECRET_KEY = "SAFEHARBOR_SECRET_KEY"
ENV_CATALOGUE = "SAFEHARBOR_CATALOGUE"

# name -> what it does, for the README test and `--help` texts
DOCUMENTED: dict[str, str] = {
    ENV_DB: "the store: a SQLite file path or a SQLAlchemy URL (default ./var/safeharbor.db)",
    ENV_SECRET_KEY: "the web app's signing secret (required when serving beyond 127.0.0.1)",
    ENV_CATALOGUE: "an edited indicator catalogue (YAML) to use instead of the packaged one",
}


@dataclass(frozen=True)
class Settings:
    db_url: str | None = None
    secret_key: str | None = None
    catalogue: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        catalogue = env.get(ENV_CATALOGUE)
        return cls(
            db_url=env.get(ENV_DB) or None,
            secret_key=env.get(ENV_SECRET_KEY) or None,
            catalogue=Path(catalogue) if catalogue else None,
        )


def default_db_url(settings: Settings | None = None) -> str:
    """SAFEHARBOR_DB if set, else a SQLite file under ./var/."""
    s = settings if settings is not None else Settings.from_env()
    return s.db_url or f"sqlite:///{DEFAULT_DB_PATH}"
