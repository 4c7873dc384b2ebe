"""`safeharbor audit verify | list | export`: check the audit log's hash chain, read and export it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeharbor.cli.options import DbOption
from safeharbor.store import open_store
from safeharbor.workspace import audit

console = Console()
audit_app = typer.Typer(
    help="The audit log: verify its hash chain, list and export it.", no_args_is_help=True
)

SinceOption = Annotated[str | None, typer.Option(help="Only entries on or after this day (YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option(help="Only entries on or before this day (YYYY-MM-DD).")]
UserOption = Annotated[str | None, typer.Option(help="Only this user's entries.")]
ActionOption = Annotated[str | None, typer.Option(help="Only this action (e.g. login, case.view).")]
OutcomeOption = Annotated[str | None, typer.Option(help="Only this outcome (ok, denied, failed, ...).")]


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        console.print(f"[red]--{option} {value!r} is not a date like 2026-05-01[/]")
        raise typer.Exit(2) from exc


def audit_filter(
    user: str | None, action: str | None, outcome: str | None, since: str | None, until: str | None
) -> audit.AuditFilter:
    return audit.AuditFilter.for_days(user, action, outcome, _day(since, "since"), _day(until, "until"))


@audit_app.command("verify")
def audit_verify(db: DbOption = None) -> None:
    """Check the hash chain; exit 1 and name the first bad row after any delete, edit, insert or reorder."""
    store = open_store(db)
    try:
        with store.connect() as conn:
            report = audit.verify_chain(conn)
    finally:
        store.dispose()
    if report.ok:
        console.print(
            f"Audit log intact: {report.rows} rows, head seq {report.head.seq} sha256 {report.head.row_hash}"
        )
        return
    console.print(f"[red bold]Audit log broken[/] after {report.rows - 1} good rows: {report.problem}")
    raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    user: UserOption = None,
    action: ActionOption = None,
    outcome: OutcomeOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many (newest first).")] = 50,
    db: DbOption = None,
) -> None:
    """Show the newest audit entries, optionally filtered."""
    f = audit_filter(user, action, outcome, since, until)
    store = open_store(db)
    try:
        with store.connect() as conn:
            entries = audit.list_entries(
                conn,
                limit=limit,
                user=f.user,
                action=f.action,
                outcome=f.outcome,
                since=f.since,
                until=f.until,
            )
    finally:
        store.dispose()
    table = Table("seq", "at", "user", "action", "object", "outcome", "detail")
    for e in entries:
        table.add_row(
            str(e.seq or ""),
            e.at,
            e.user or "-",
            e.action,
            f"{e.object_type} {e.object_id or ''}",
            e.outcome,
            (e.detail or "")[:60],
        )
    console.print(table)


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="File to write ('-' for standard output).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    user: UserOption = None,
    action: ActionOption = None,
    outcome: OutcomeOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    db: DbOption = None,
) -> None:
    """Export audit entries (oldest first, with their chain hashes) as CSV or JSON Lines."""
    if fmt not in ("csv", "jsonl"):
        console.print("[red]--format must be csv or jsonl[/]")
        raise typer.Exit(2)
    f = audit_filter(user, action, outcome, since, until)
    if str(out) != "-" and not out.parent.is_dir():
        console.print(f"[red]{out.parent} is not a directory[/]")
        raise typer.Exit(1)
    store = open_store(db)
    try:
        with store.connect() as conn:
            if str(out) == "-":
                count = audit.write_export(audit.iter_entries(conn, f), sys.stdout, fmt)
            else:
                with open(out, "w", encoding="utf-8", newline="") as handle:
                    count = audit.write_export(audit.iter_entries(conn, f), handle, fmt)
    finally:
        store.dispose()
    if str(out) != "-":
        console.print(f"Wrote {count} audit entries to {out}.")
