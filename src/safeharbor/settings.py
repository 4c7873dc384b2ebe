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
ENV_DATA_KEY = "SAFEHARBOR_DATA_KEY"
ENV_DATA_KEY_FILE = "SAFEHARBOR_DATA_KEY_FILE"
ENV_SPARK_MASTER = "SAFEHARBOR_SPARK_MASTER"
ENV_TIP_SPOOL = "SAFEHARBOR_TIP_SPOOL"
DEFAULT_SPARK_MASTER = "local[*]"

# name -> what it does, for the README test and `--help` texts
DOCUMENTED: dict[str, str] = {
    ENV_DB: "the store: a SQLite file path or a SQLAlchemy URL (default ./var/safeharbor.db)",
    ENV_SECRET_KEY: "the web app's signing secret (required when serving beyond 127.0.0.1)",
    ENV_CATALOGUE: "an edited indicator catalogue (YAML) to use instead of the packaged one",
    ENV_DATA_KEY: "the data key (a Fernet key) that seals TOTP secrets and tips' contact fields",
    ENV_DATA_KEY_FILE: "a file holding the data key (`safeharbor keys new` writes one, mode 0600)",
    ENV_TIP_SPOOL: "the folder that keeps tips the store could not take until they are retried",
    ENV_SPARK_MASTER: "where `analyze --engine spark` runs: local[N], local[*] (default) or a cluster URL",
}


@dataclass(frozen=True)
class Settings:
    db_url: str | None = None
    secret_key: str | None = None
    catalogue: Path | None = None
    data_key: str | None = None
    data_key_file: Path | None = None
    spark_master: str | None = None
    tip_spool: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        catalogue = env.get(ENV_CATALOGUE)
        key_file = env.get(ENV_DATA_KEY_FILE)
        spool = env.get(ENV_TIP_SPOOL)
        return cls(
            db_url=env.get(ENV_DB) or None,
            secret_key=env.get(ENV_SECRET_KEY) or None,
            catalogue=Path(catalogue) if catalogue else None,
            data_key=env.get(ENV_DATA_KEY) or None,
            data_key_file=Path(key_file) if key_file else None,
            spark_master=env.get(ENV_SPARK_MASTER) or None,
            tip_spool=Path(spool) if spool else None,
        )


def default_db_url(settings: Settings | None = None) -> str:
    """SAFEHARBOR_DB if set, else a SQLite file under ./var/."""
    s = settings if settings is not None else Settings.from_env()
    return s.db_url or f"sqlite:///{DEFAULT_DB_PATH}"
