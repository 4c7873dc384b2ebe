"""`safeharbor users ...`: the account commands an administrator uses (issue 15 item 6, issue 16 M3)."""

from __future__ import annotations

from pathlib import Path

import pyotp
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.store import open_store
from safeharbor.workspace import signin
from safeharbor.workspace.audit import list_entries

runner = CliRunner()
PW = "a long enough password"


def test_users_commands_change_accounts_and_end_sessions(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert "Added admin1" in run("users", "add", "Admin1", "--role", "admin", "--password", PW)
    added = run("users", "add", "ana", "--role", "reviewer", "--password", PW)
    secret = added.split("(shown once): ")[1].split()[0]
    weak = runner.invoke(app, ["users", "add", "bob", "--password", "aaaaaaaaaa", "--db", db])
    assert weak.exit_code == 1 and "too easy to guess" in weak.output
    twin = runner.invoke(app, ["users", "add", "ＡＤＭＩＮ１", "--password", PW, "--db", db])
    assert twin.exit_code == 1 and "already exists" in twin.output
    store = open_store(db)
    login = signin.authenticate(store, "ana", PW, pyotp.TOTP(secret).now())
    assert login.ok and login.session_id
    assert "sessions have ended" in run("users", "disable", "ana")
    with store.begin() as conn:
        assert signin.resume_session(conn, login.session_id) is None
    assert "disabled" in run("users", "list")
    run("users", "enable", "ana")
    assert "ana is now analyst" in run("users", "role", "ana", "analyst")
    assert "New password set" in run(
        "users", "reset-password", "ana", "--password", "another fine passphrase"
    )
    assert "shown once" in run("users", "reset-totp", "ana")
    last = runner.invoke(app, ["users", "disable", "admin1", "--db", db])
    assert last.exit_code == 1 and "last enabled admin" in last.output
    with store.connect() as conn:
        actions = {e.action for e in list_entries(conn) if e.user == "cli"}
    assert {
        "user.add",
        "user.disable",
        "user.enable",
        "user.role",
        "user.reset_password",
        "user.reset_totp",
    } <= actions
    store.dispose()
