"""`safeharbor watch add | list | remove` and `safeharbor alerts`: watched identifiers and their alerts.

A watch belongs to a workspace account (`--user`): the alerts `safeharbor analyze` raises go to that
analyst's badge and Alerts page. Changes made here are audited as done by "cli".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from safeharbor.cli.options import DbOption
from safeharbor.store import open_store
from safeharbor.workspace import accounts, alerts, watches
from safeharbor.workspace.watch_tables import WATCH_KINDS

console = Console()
watch_app = typer.Typer(
    help="Watch a phone, email, handle, image hash or network: new ads that carry it raise alerts.",
    no_args_is_help=True,
)
ACTOR = "cli"
T = TypeVar("T")


def register(app: typer.Typer) -> None:
    app.add_typer(watch_app, name="watch")
    app.command("alerts")(alerts_cmd)


def _run(db: str | None, work: Callable[[Connection], T]) -> T:
    store = open_store(db)
    try:
        with store.begin() as conn:
            return work(conn)
    except (watches.WatchError, accounts.AccountError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        store.dispose()


def _account(conn: Connection, username: str) -> str:
    user = accounts.get_user(conn, username)
    if user is None:
        raise accounts.AccountError(f"no workspace account {username!r} (see `safeharbor users list`)")
    return user.username


@watch_app.command("add")
def watch_add(
    kind: Annotated[str, typer.Argument(help=", ".join(WATCH_KINDS))],
    value: Annotated[
        str, typer.Argument(help="e.g. 214-555-0134, name@example.com, @handle, a 16-hex hash, N-000026")
    ],
    user: Annotated[str, typer.Option("--user", help="The workspace account the alerts go to.")],
    note: Annotated[str, typer.Option(help="Why you watch it (shown with its alerts).")] = "",
    db: DbOption = None,
) -> None:
    """Watch an identifier: each new ad carrying it (after `safeharbor analyze`) raises an alert."""

    def add(conn: Connection) -> watches.Watch:
        return watches.add_watch(conn, _account(conn, user), kind, value, note, actor=ACTOR)

    watch = _run(db, add)
    console.print(f"Watch {watch.watch_id}: {watch.owner} now watches {watch.kind} [bold]{watch.value}[/].")


@watch_app.command("list")
def watch_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this account's watches.")] = None,
    db: DbOption = None,
) -> None:
    """List watches with how many alerts each raised (and how many are unread)."""

    def read(conn: Connection) -> list[watches.Watch]:
        return watches.list_watches(conn, _account(conn, user) if user else None)

    rows = _run(db, read)
    if not rows:
        console.print("No watches. Add one with `safeharbor watch add phone 214-555-0134 --user NAME`.")
        return
    table = Table("id", "user", "kind", "value", "alerts", "unread", "since", "note")
    for w in rows:
        table.add_row(
            str(w.watch_id),
            w.owner,
            w.kind,
            w.value,
            str(w.alerts),
            str(w.unread),
            w.created_at[:10],
            w.note or "",
        )
    console.print(table)


@watch_app.command("remove")
def watch_remove(watch_id: int, db: DbOption = None) -> None:
    """Stop a watch (its alerts are removed with it)."""
    watch = _run(db, lambda conn: watches.remove_watch(conn, None, watch_id, actor=ACTOR))
    console.print(f"Removed watch {watch.watch_id} ({watch.kind} {watch.value} of {watch.owner}).")


def alerts_cmd(
    user: Annotated[str | None, typer.Option("--user", help="Only this account's alerts.")] = None,
    unread: Annotated[bool, typer.Option("--unread", help="Only alerts not yet read.")] = False,
    mark_read: Annotated[
        bool, typer.Option("--mark-read", help="Then mark the listed alerts read (needs --user).")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = None,
) -> None:
    """New ads that carry a watched phone, email, handle, image hash or network, newest first."""
    if mark_read and not user:
        console.print("[red]--mark-read needs --user (alerts are read by the analyst they belong to)[/]")
        raise typer.Exit(2)

    def read(conn: Connection) -> tuple[list[alerts.AlertView], int]:
        owner = _account(conn, user) if user else None
        found = alerts.list_alerts(conn, owner, unread_only=unread, limit=limit)
        total = alerts.count_alerts(conn, owner, unread_only=unread)
        if mark_read and owner is not None:
            alerts.mark_read(conn, owner, [a.alert_id for a in found])
        return found, total

    found, total = _run(db, read)
    if not found:
        console.print("No alerts." if not unread else "No unread alerts.")
        return
    table = Table("id", "when", "user", "watched", "ad", "posted", "where", "network", "read")
    for a in found:
        table.add_row(
            str(a.alert_id),
            a.created_at[:16].replace("T", " "),
            a.owner,
            f"{a.kind} {a.value}",
            f"{a.ad_label} (ad {a.ad_key})",
            (a.posted_at or "")[:10],
            f"{a.city}, {a.state}" if a.city else "",
            a.network_id or "",
            "yes" if a.read_at else "",
        )
    console.print(table)
    noun = "alert" if total == 1 else "alerts"
    shown = f"Showing {len(found)} of {total:,} {noun}" if total > len(found) else f"{total:,} {noun}"
    console.print(shown + ("; marked read." if mark_read else "."))
