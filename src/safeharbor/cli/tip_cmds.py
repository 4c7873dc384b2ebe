"""`safeharbor tips retry`: store the tips a failing store left in the spool (`safeharbor.tips.spool`).

The web app retries the spool by itself when it starts and after each tip it stores; this command is
for an operator who has fixed the store and wants the spool empty now (or from a timer).
"""

from __future__ import annotations

import typer
from rich.console import Console

from safeharbor.cli.options import DbOption
from safeharbor.settings import Settings
from safeharbor.store import open_store
from safeharbor.tips import spool

console = Console()
tips_app = typer.Typer(
    help="Tips from the public: the spool of tips the store could not take.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(tips_app, name="tips")


@tips_app.command("retry")
def tips_retry(ctx: typer.Context, db: DbOption = None) -> None:
    """Store the spooled tips (exit 1 while some still cannot be stored or read)."""
    settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings.from_env()
    store = open_store(db, settings=settings)
    try:
        folder = spool.spool_folder(store, settings)
        report = spool.retry(store, folder)
    finally:
        store.dispose()
    console.print(
        f"Stored {len(report.stored)} spooled tips from {folder}: {', '.join(report.stored) or 'none'}"
    )
    if report.waiting or report.unreadable:
        console.print(
            f"[yellow]{report.waiting} tips still wait (the store fails); "
            f"{len(report.unreadable)} spooled files could not be read (left in place).[/]"
        )
        raise typer.Exit(1)
