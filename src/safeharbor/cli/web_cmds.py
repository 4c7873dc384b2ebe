"""`safeharbor serve`: the web app (accounts are in user_cmds)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from safeharbor.cli.errors import CliError, printable
from safeharbor.cli.options import DbOption
from safeharbor.settings import Settings
from safeharbor.storage.sealing import DataKeyError
from safeharbor.store import open_store
from safeharbor.tips.store import check_sealed_contacts
from safeharbor.web.app import create_app
from safeharbor.workspace.accounts import check_data_key

console = Console()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    """Is `host` reachable only from this machine (127.0.0.0/8, ::1, localhost)?"""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def parse_port(text: str | int) -> int:
    """--port as typed: a number from 1 to 65535, else one line saying so (not Typer's panel)."""
    value = str(text).strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise CliError(
            f"--port {printable(value[:40])}: a port is a number from 1 to 65535, e.g. --port 8000"
        )
    return int(value)


def parse_host(text: str) -> str:
    """--host as typed: an IP address, or a name this machine can resolve."""
    host = text.strip()
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise CliError(
            f"--host {printable(host[:80])}: not an IP address or a name this machine can resolve "
            "(use 127.0.0.1, or the address of one of its network interfaces)"
        ) from exc
    return host


def check_can_listen(host: str, port: int) -> None:
    """Bind the address once before starting, so a taken port or a foreign address is one line."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        why = {
            errno.EADDRINUSE: "the port is already in use (is Safe Harbor already running?)",
            errno.EADDRNOTAVAIL: "that address does not belong to this machine",
            errno.EACCES: "permission denied (ports below 1024 need privileges)",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise CliError(f"cannot listen on {printable(host)}:{port}: {why}") from exc


def serve(
    ctx: typer.Context,
    db: DbOption = None,
    host: Annotated[
        str,
        typer.Option(
            parser=parse_host, help="Address to listen on. Keep 127.0.0.1 unless behind a TLS proxy."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(parser=parse_port, metavar="PORT", help="Port to listen on (1-65535).")
    ] = 8000,
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
    check_can_listen(host, port)
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
    try:
        with store.connect() as conn:
            unsealed = check_data_key(conn)
            check_sealed_contacts(conn)  # a sealed contact the key cannot open: refuse to start too
    except DataKeyError as exc:  # refuse to start rather than fail every sign-in
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if unsealed:
        console.print(
            f"[yellow]{unsealed} two-factor secrets are stored unencrypted; "
            "see docs/security-operations.md.[/]"
        )
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
