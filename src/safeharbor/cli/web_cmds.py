"""`safeharbor serve` (the web app) and `safeharbor users ...` (workspace accounts)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from safeharbor.cli.options import DbOption
from safeharbor.settings import Settings
from safeharbor.store import open_store
from safeharbor.web.app import create_app
from safeharbor.workspace.accounts import (
    AccountError,
    create_user,
    demo_totp_code,
    list_users,
    reset_totp,
    unlock,
)

console = Console()
users_app = typer.Typer(help="Workspace accounts: add, list, reset two-factor, unlock.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")


LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    """Is `host` reachable only from this machine (127.0.0.0/8, ::1, localhost)?"""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def serve(
    ctx: typer.Context,
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on. Keep 127.0.0.1 unless behind a TLS proxy.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (uvicorn's access log). Off by default: the public side logs no one.",
        ),
    ] = False,
) -> None:
    """Start the web app: the public side at / and the analyst workspace at /login.

    Beyond loopback it needs SAFEHARBOR_SECRET_KEY (see the README's "Settings")."""
    settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings.from_env()
    if not settings.secret_key:
        if not is_loopback(host):
            console.print(
                f"[red]Refusing to serve on {host}: SAFEHARBOR_SECRET_KEY is not set.[/] Beyond this machine "
                "the app needs a fixed secret (for example `export SAFEHARBOR_SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_urlsafe(32))')`), kept out of the repository."
            )
            raise typer.Exit(2)
        console.print(
            "[yellow]SAFEHARBOR_SECRET_KEY is not set: using a random secret for this run.[/] Tip forms "
            "opened before a restart will not be accepted after it; set the secret to keep them working."
        )
    store = open_store(db, settings=settings)
    console.print(
        f"Safe Harbor on [bold]http://{host}:{port}/[/] (workspace: /login) over {store.describe()}"
    )
    uvicorn.run(
        create_app(store, settings=settings),
        host=host,
        port=port,
        log_level="info" if access_log else "warning",
        access_log=access_log,
    )


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, analyst or reviewer")] = "analyst",
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."),
    ] = "",
    totp: Annotated[
        bool, typer.Option(help="Two-factor for a reviewer (always on for admin/analyst).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a workspace account and print its two-factor secret once."""
    store = open_store(db)
    try:
        with store.begin() as conn:
            created = create_user(conn, username, password, role, with_totp=totp or None)
    except AccountError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"Added [bold]{username}[/] ({role}).")
    if created.totp_secret:
        console.print(f"Two-factor secret (shown once): [bold]{created.totp_secret}[/]")
        console.print(f"Authenticator URI: {created.totp_uri()}")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List accounts with role, two-factor and lock state."""
    store = open_store(db)
    with store.connect() as conn:
        rows = list_users(conn)
    table = Table("user", "role", "two-factor", "demo", "locked until", "last sign-in")
    for u in rows:
        table.add_row(
            u.username,
            u.role,
            "yes" if u.has_totp else "no",
            "yes" if u.is_demo else "",
            u.locked_until or "",
            u.last_login_at or "",
        )
    console.print(table)


@users_app.command("reset-totp")
def users_reset_totp(username: str, db: DbOption = None) -> None:
    """Give an account a new two-factor secret (the old one stops working)."""
    store = open_store(db)
    try:
        with store.begin() as conn:
            secret = reset_totp(conn, username)
    except AccountError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"New two-factor secret for {username} (shown once): [bold]{secret}[/]")


@users_app.command("unlock")
def users_unlock(username: str, db: DbOption = None) -> None:
    """Lift a lockout after failed sign-ins."""
    store = open_store(db)
    with store.begin() as conn:
        unlock(conn, username)
    console.print(f"Unlocked {username}.")


@users_app.command("totp-code")
def users_totp_code(username: str, db: DbOption = None) -> None:
    """Print the current two-factor code of a demo account (refused for real accounts)."""
    store = open_store(db)
    try:
        with store.connect() as conn:
            code = demo_totp_code(conn, username)
    except AccountError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    typer.echo(code)
