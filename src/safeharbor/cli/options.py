"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from safeharbor.cli.errors import check_db

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=(
            "Database: a SQLite file path or a SQLAlchemy URL "
            "(default: SAFEHARBOR_DB, else var/safeharbor.db)."
        ),
        show_default=False,
        callback=check_db,
    ),
]
