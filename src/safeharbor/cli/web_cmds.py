"""`safeharbor serve`: the web app (accounts are in user_cmds)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from safeharbor.cli.options import DbOption
from safeharbor.storage.sealing import DataKeyError
from safeharbor.workspace.accounts import check_data_key

console = Console()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on. Keep 127.0.0.1 unless behind a TLS proxy.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the web app: the public side at / and the analyst workspace at /login."""
    import uvicorn

    from safeharbor.storage import open_store
    from safeharbor.web.app import create_app

    store = open_store(db)
    try:
        with store.connect() as conn:
            unsealed = check_data_key(conn)
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
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")
