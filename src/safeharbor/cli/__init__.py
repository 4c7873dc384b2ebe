"""The `safeharbor` command: a thin Typer shell over the stages.

Each stage registers its own commands from a module in this package (`register(app)`), so the
CLI stays a list of small files rather than one large one.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from safeharbor.cli import (
    audit_cmds,
    backup_cmds,
    data_cmds,
    demo_cmd,
    export_cmds,
    learn_cmds,
    network_cmds,
    risk_cmds,
    tip_cmds,
    user_cmds,
    watch_cmds,
    web_cmds,
)
from safeharbor.cli.errors import SafeHarborGroup
from safeharbor.settings import Settings

app = typer.Typer(
    cls=SafeHarborGroup,
    name="safeharbor",
    help=(
        "Safe Harbor: load ad data, extract contacts and places, link ads into the networks behind "
        "them, rank indicators of a possible minor, and turn leads into cases and referrals.\n\n"
        "The database is a SQLite file by default (./var/safeharbor.db); choose another with --db "
        "or SAFEHARBOR_DB (a path or a SQLAlchemy URL such as postgresql+psycopg://...)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def root(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show each stage's log lines (timings, counts) on stderr.")
    ] = False,
) -> None:
    """Read the settings once (safeharbor.settings; see the README's "Settings") for every command."""
    ctx.obj = Settings.from_env()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )


# In pipeline order; each module defines register(app).
for _commands in (
    demo_cmd,  # demo (everything, for a new user)
    data_cmds,  # demo-data, ingest, analyze, stats
    export_cmds,  # export ads | networks
    network_cmds,  # network, why
    risk_cmds,  # leads, train, indicators
    learn_cmds,  # learn (from reviews)
    web_cmds,  # serve
    user_cmds,  # users, keys
    tip_cmds,  # tips retry
    watch_cmds,  # watch add | list | remove, alerts
    audit_cmds,  # audit verify | list | export
    backup_cmds,  # backup, restore
):
    _commands.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
