"""TOTP secrets sealed with a data key kept outside the database (issue 16: M11)."""

from __future__ import annotations

import stat
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.storage.sealing import DataKeyError, new_key_file
from safeharbor.store import open_store
from safeharbor.workspace import accounts, signin
from safeharbor.workspace.tables import users

runner = CliRunner()
PW = "a long enough password"


def test_secrets_are_sealed_and_refused_clearly_without_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = new_key_file(tmp_path / "data.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    monkeypatch.setenv("SAFEHARBOR_DATA_KEY_FILE", str(key_file))
    db = str(tmp_path / "store.db")
    store = open_store(db)
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
        stored = conn.execute(select(users.c.totp_secret)).scalar_one()
    assert stored.startswith("fernet:") and secret not in stored
    assert db and secret.encode() not in Path(db).read_bytes()
    assert signin.authenticate(store, "ana", PW, pyotp.TOTP(secret).now()).ok
    monkeypatch.delenv("SAFEHARBOR_DATA_KEY_FILE")
    with store.connect() as conn, pytest.raises(DataKeyError, match="no data key is configured"):
        accounts.check_data_key(conn)
    monkeypatch.setenv("SAFEHARBOR_DATA_KEY", new_key_file(tmp_path / "other.key").read_text().strip())
    with store.connect() as conn, pytest.raises(DataKeyError, match="does not open"):
        accounts.check_data_key(conn)
    monkeypatch.delenv("SAFEHARBOR_DATA_KEY")
    refused = runner.invoke(app, ["serve", "--db", db, "--port", "1"])
    assert refused.exit_code == 1 and "no data key is configured" in " ".join(refused.output.split())
    store.dispose()


def test_plain_secrets_are_sealed_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "store.db")
    store = open_store(db)
    with store.begin() as conn:
        secret = accounts.create_user(conn, "ana", PW, "analyst").totp_secret
    assert runner.invoke(app, ["keys", "check", "--db", db]).output.count("unencrypted") == 2
    monkeypatch.setenv("SAFEHARBOR_DATA_KEY_FILE", str(new_key_file(tmp_path / "data.key")))
    result = runner.invoke(app, ["keys", "seal", "--db", db])
    assert result.exit_code == 0 and "Sealed 1" in result.output
    with store.connect() as conn:
        assert conn.execute(select(users.c.totp_secret)).scalar_one().startswith("fernet:")
    assert signin.authenticate(store, "ana", PW, pyotp.TOTP(secret).now()).ok
    store.dispose()
