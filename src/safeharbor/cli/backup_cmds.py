"""Data at rest: `safeharbor backup FILE`, `restore FILE` (online, verified) and `purge` (retention)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from safeharbor.cli.errors import CliError, printable
from safeharbor.cli.options import DbOption
from safeharbor.storage.backup import BackupError, check_sqlite_file
from safeharbor.storage.backup import backup as run_backup
from safeharbor.storage.backup import restore as run_restore
from safeharbor.store import MIGRATIONS, open_store
from safeharbor.workspace.retention import CASE_DAYS, TIP_DAYS, purge_backup
from safeharbor.workspace.retention import purge as purge_store

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


def purge(
    db: DbOption = None,
    tips_older_than: Annotated[
        int, typer.Option("--tips-older-than", min=1, help="Delete tips older than this many days.")
    ] = TIP_DAYS,
    cases_closed_for: Annotated[
        int,
        typer.Option("--cases-closed-for", min=1, help="Delete cases closed and untouched this many days."),
    ] = CASE_DAYS,
    backups: Annotated[
        list[Path] | None,
        typer.Option("--backup", help="Also purge this backup file (SQLite), in place; repeatable."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting.")] = False,
) -> None:
    """Apply the retention policy: delete expired tips and closed cases, and scrub them from the disk.

    A tip held by a case that is not closed is kept. Deleted rows are overwritten and the write-ahead
    log truncated (SQLite: secure_delete, checkpoint, VACUUM). Backups are copies: name them with
    --backup to purge them too. See SECURITY.md.
    """
    for path in backups or []:
        try:
            check_sqlite_file(path)
        except BackupError as exc:
            raise CliError(str(exc)) from exc
    store = open_store(db)
    now = datetime.now(UTC)
    counted = purge_store(store, now=now, tip_days=tips_older_than, case_days=cases_closed_for, dry_run=True)
    for line in counted.lines(store.describe()):
        console.print(printable(line), soft_wrap=True)
    if dry_run:
        return
    if not yes and not typer.confirm("Delete them for good (this cannot be undone)?"):
        raise typer.Exit(1)
    report = purge_store(store, now=now, tip_days=tips_older_than, case_days=cases_closed_for)
    for line in report.lines(store.describe()):
        console.print(printable(line), soft_wrap=True)
    for path in backups or []:
        done = purge_backup(path, now=now, tip_days=tips_older_than, case_days=cases_closed_for)
        for line in done.lines(str(path)):
            console.print(printable(line), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
    app.command()(purge)
