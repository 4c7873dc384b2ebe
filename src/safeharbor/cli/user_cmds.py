"""`safeharbor users ...` (workspace accounts) and `safeharbor keys new` (the data key).

Every change to an account ends that account's live sessions, is written to the audit log (as done
by "cli"), and prints what happened. Account rules (password policy, username normalisation, the
last enabled admin) live in `safeharbor.workspace.accounts`; this module only asks and prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from safeharbor.cli.options import DbOption
from safeharbor.storage.sealing import DataKeyError, SecretBox, new_key_file
from safeharbor.store import open_store
from safeharbor.tips.store import check_sealed_contacts, seal_plain_contacts
from safeharbor.workspace import accounts
from safeharbor.workspace.passwords import MIN_LENGTH
from safeharbor.workspace.tables import ROLES

console = Console()
users_app = typer.Typer(
    help="Workspace accounts: add, list, disable/enable, change role, reset password or two-factor, unlock.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="The data key that seals TOTP secrets and the contact details left with tips.", no_args_is_help=True
)
ACTOR = "cli"
T = TypeVar("T")

PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help=f"At least {MIN_LENGTH} characters, not a common or easily guessed password.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")


def _run(db: str | None, change: Callable[[Connection], T]) -> T:
    store = open_store(db)
    try:
        with store.begin() as conn:
            return change(conn)
    except (accounts.AccountError, DataKeyError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        store.dispose()


def _print_secret(username: str, secret: str) -> None:
    console.print(f"Two-factor secret for {username} (shown once): [bold]{secret}[/]")
    console.print(f"Authenticator URI: {accounts.totp_uri(username, secret)}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, analyst or reviewer")] = "analyst",
    password: PasswordOption = "",
    db: DbOption = None,
) -> None:
    """Add a workspace account and print its two-factor secret once (every role needs one)."""
    created = _run(db, lambda conn: accounts.create_user(conn, username, password, role, actor=ACTOR))
    console.print(f"Added [bold]{created.user.username}[/] ({role}).")
    if not SecretBox.from_settings().sealing:
        console.print(
            "[yellow]No data key is set: the two-factor secret is stored unencrypted "
            "(see docs/security-operations.md).[/]"
        )
    _print_secret(created.user.username, created.totp_secret)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List accounts with role, two-factor, disabled and lock state."""
    rows = _run(db, accounts.list_users)
    table = Table("user", "role", "two-factor", "state", "demo", "locked until", "last sign-in")
    for u in rows:
        table.add_row(
            u.username,
            u.role,
            "yes" if u.has_totp else "MISSING",
            "disabled" if u.disabled else "active",
            "yes" if u.is_demo else "",
            u.locked_until or "",
            u.last_login_at or "",
        )
    console.print(table)


@users_app.command("disable")
def users_disable(username: str, db: DbOption = None) -> None:
    """Disable an account: it cannot sign in, and its open sessions end at once."""
    user = _run(db, lambda conn: accounts.set_disabled(conn, username, True, actor=ACTOR))
    console.print(f"Disabled {user.username}; their sessions have ended.")


@users_app.command("enable")
def users_enable(username: str, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    user = _run(db, lambda conn: accounts.set_disabled(conn, username, False, actor=ACTOR))
    console.print(f"Enabled {user.username}.")


@users_app.command("role")
def users_role(
    username: str,
    role: Annotated[str, typer.Argument(help=", ".join(ROLES))],
    db: DbOption = None,
) -> None:
    """Change an account's role; its sessions end, so the new role applies from the next sign-in."""
    user = _run(db, lambda conn: accounts.set_role(conn, username, role, actor=ACTOR))
    console.print(f"{user.username} is now {user.role}; their sessions have ended.")


@users_app.command("reset-password")
def users_reset_password(username: str, password: PasswordOption = "", db: DbOption = None) -> None:
    """Set a new password (ends the account's sessions and lifts a lockout)."""
    _run(db, lambda conn: accounts.set_password(conn, username, password, actor=ACTOR))
    console.print(f"New password set for {accounts.canonical(username)}; their sessions have ended.")


@users_app.command("reset-totp")
def users_reset_totp(username: str, db: DbOption = None) -> None:
    """Give an account a new two-factor secret (the old one stops working; sessions end)."""
    secret = _run(db, lambda conn: accounts.reset_totp(conn, username, actor=ACTOR))
    _print_secret(accounts.canonical(username), secret)


@users_app.command("unlock")
def users_unlock(username: str, db: DbOption = None) -> None:
    """Lift a lockout after failed sign-ins."""
    _run(db, lambda conn: accounts.unlock(conn, username, actor=ACTOR))
    console.print(f"Unlocked {accounts.canonical(username)}.")


@users_app.command("totp-code")
def users_totp_code(username: str, db: DbOption = None) -> None:
    """Print the current two-factor code of a demo account (refused for real accounts)."""
    typer.echo(_run(db, lambda conn: accounts.demo_totp_code(conn, username)))


@keys_app.command("new")
def keys_new(
    out: Annotated[Path, typer.Option("--out", help="Where to write the key (never overwritten).")],
) -> None:
    """Write a fresh data key (mode 0600) for SAFEHARBOR_DATA_KEY_FILE."""
    if not out.parent.is_dir():
        console.print(f"[red]{out.parent} is not a directory[/]")
        raise typer.Exit(1)
    try:
        new_key_file(out)
    except DataKeyError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"Wrote a data key to {out}. Keep it outside the database and its backups, then:")
    console.print(f"  export SAFEHARBOR_DATA_KEY_FILE={out.resolve()}")
    console.print("Lose it and the sealed two-factor secrets cannot be read again.")


@keys_app.command("seal")
def keys_seal(db: DbOption = None) -> None:
    """Encrypt the secrets still stored in the clear with the configured data key."""
    box = SecretBox.from_settings()
    count = _run(db, lambda conn: accounts.seal_plain_secrets(conn, box))
    contacts = _run(db, lambda conn: seal_plain_contacts(conn, box))
    console.print(
        f"Sealed {count} two-factor secrets and {contacts} tips' contact details with the data key."
    )


@keys_app.command("check")
def keys_check(db: DbOption = None) -> None:
    """Check that the configured data key opens every sealed secret in the store."""
    plain = _run(db, accounts.check_data_key)
    contacts = _run(db, check_sealed_contacts)
    sealing = SecretBox.from_settings().sealing
    console.print(
        "Every sealed secret opens with the configured data key."
        if sealing
        else "[yellow]No data key is configured: new secrets are stored unencrypted.[/]"
    )
    if plain:
        console.print(
            f"[yellow]{plain} two-factor secrets are stored unencrypted: run `safeharbor keys seal`.[/]"
        )
    if contacts:
        console.print(
            f"[yellow]{contacts} tips' contact details are stored unencrypted: run `safeharbor keys seal`.[/]"
        )
