"""`safeharbor backup FILE` and `safeharbor restore FILE`: online backup and verified restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from safeharbor.cli.errors import CliError, printable
from safeharbor.cli.options import DbOption
from safeharbor.storage.backup import BackupError
from safeharbor.storage.backup import backup as run_backup
from safeharbor.storage.backup import restore as run_restore
from safeharbor.store import MIGRATIONS, open_store

console = Console(highlight=False)


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (new; its folder must exist).")],
    db: DbOption = None,
) -> None:
    """Copy the store to FILE while it stays in use, and verify the copy (SQLite; pg_dump on PostgreSQL).

    The backup holds everything the store does (tips, cases, accounts): it is written readable by
    you only (0600). Keep it as safe as the store.
    """
    store = open_store(db)
    try:
        check = run_backup(store, file)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    for line in check.lines() if check else [f"{file}: written by pg_dump (custom format)"]:
        console.print(printable(line), soft_wrap=True)
    console.print(f"Restore it with: safeharbor restore {printable(str(file))}", soft_wrap=True)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `safeharbor backup`.")],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the store.")] = False,
) -> None:
    """Replace the store's contents with a verified backup (checked before anything is overwritten)."""
    store = open_store(db)
    if not yes and not typer.confirm(f"Replace everything in {store.describe()} with {file}?"):
        raise typer.Exit(1)
    try:
        check = run_restore(store, file, {m.id for m in MIGRATIONS})
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    open_store(db).dispose()  # an older backup is brought up to this version's schema
    for line in check.lines() if check else [f"{file}: restored by pg_restore"]:
        console.print(printable(line), soft_wrap=True)
    console.print(f"Restored into {printable(store.describe())}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
