"""The CLI, tested in-process (Typer's CliRunner) against real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeharbor.cli import app
from tests.ingest_support import ad, write_jsonl
from tests.test_pipeline import AD_FIELDS

runner = CliRunner()


def test_help_lists_the_pipeline_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo-data", "ingest", "analyze", "export", "stats", "demo"):
        assert command in result.output


def test_ingest_analyze_export_stats(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    path = write_jsonl(
        tmp_path / "ads.jsonl", [ad(1), ad(2, body="Ask for Jade, 19yo. text 2one4 555 O1O2"), "{bad"]
    )
    result = runner.invoke(app, ["ingest", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 new ads" in result.output and "1 lines set aside" in result.output

    result = runner.invoke(app, ["analyze", "--db", db])
    assert result.exit_code == 0, result.output
    assert "Extraction: 2 ads" in result.output

    out = tmp_path / "ads-export.jsonl"
    result = runner.invoke(app, ["export", "ads", "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records["ad-1"]["phones"] == ["+12145550101"]
    assert records["ad-2"]["phones"] == ["+12145550102"]
    assert set(records["ad-1"]) >= AD_FIELDS
    assert records["ad-1"]["city"] == "Dallas" and records["ad-1"]["state"] == "TX"

    result = runner.invoke(app, ["stats", "--db", db, "--quarantine"])
    assert result.exit_code == 0 and "not valid JSON" in result.output
    result = runner.invoke(app, ["stats", "--db", db])
    assert result.exit_code == 0 and "2 (2 versions)" in result.output


def test_ingest_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "no such file" in result.output
