"""The `safeharbor` command: a thin Typer shell over the stages.

Each stage registers its own commands from a module in this package (`register(app)`), so the
CLI stays a list of small files rather than one large one.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
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

# In pipeline order; each module defines register(app).
COMMAND_MODULES = [
    "safeharbor.cli.demo_cmd",  # demo (everything, for a new user)
    "safeharbor.cli.data_cmds",  # demo-data, ingest, analyze, stats
    "safeharbor.cli.export_cmds",  # export ads | networks
    "safeharbor.cli.network_cmds",  # network, why
    "safeharbor.cli.risk_cmds",  # leads, train, indicators
    "safeharbor.cli.web_cmds",  # serve
    "safeharbor.cli.user_cmds",  # users, keys
    "safeharbor.cli.audit_cmds",  # audit verify | list | export
]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:  # a real missing dependency, not a stage still to be written
            raise
        continue
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
