"""One settings object: read once, handed to the CLI and the web app; `serve` guards the secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from safeharbor.cli import app, web_cmds
from safeharbor.settings import Settings
from safeharbor.tips.tokens import FormTokens
from safeharbor.web.app import create_app

runner = CliRunner()


def test_settings_come_from_the_environment_given() -> None:
    settings = Settings.from_env(
        {
            "SAFEHARBOR_DB": "sqlite:///x.db",
            "SAFEHARBOR_SECRET_KEY": "s3cret",
            "SAFEHARBOR_CATALOGUE": "c.yaml",
        }
    )
    assert settings == Settings(db_url="sqlite:///x.db", secret_key="s3cret", catalogue=Path("c.yaml"))
    assert Settings.from_env({}) == Settings()


def test_the_web_app_signs_forms_with_the_configured_secret(tmp_path: Path) -> None:
    settings = Settings(secret_key="a-fixed-secret")
    first = create_app(db=str(tmp_path / "a.db"), settings=settings)
    second = create_app(db=str(tmp_path / "a.db"), settings=settings)
    token = first.state.public_form_tokens.issue("hotel")
    assert second.state.public_form_tokens.check(token, "hotel")  # survives a "restart"
    assert FormTokens.from_settings(Settings()).secret != FormTokens.from_settings(Settings()).secret


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_hosts(host: str) -> None:
    assert web_cmds.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.org", "::"])
def test_hosts_beyond_this_machine(host: str) -> None:
    assert not web_cmds.is_loopback(host)


def test_serve_refuses_a_public_host_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(web_cmds.uvicorn, "run", lambda *a, **kw: started.append(kw))
    monkeypatch.delenv("SAFEHARBOR_SECRET_KEY", raising=False)
    db = str(tmp_path / "s.db")
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--db", db])
    assert refused.exit_code == 2 and "SAFEHARBOR_SECRET_KEY" in refused.output
    assert started == []
    local = runner.invoke(app, ["serve", "--db", db])
    assert local.exit_code == 0 and "random secret" in local.output
    assert started[-1]["host"] == "127.0.0.1" and started[-1]["access_log"] is False
    monkeypatch.setenv("SAFEHARBOR_SECRET_KEY", "a-fixed-secret")
    public = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--db", db, "--access-log"])
    assert public.exit_code == 0 and "random secret" not in public.output
    assert started[-1]["host"] == "0.0.0.0" and started[-1]["access_log"] is True
