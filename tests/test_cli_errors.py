"""A CLI that explains instead of crashing: each bad path, URL, port and file gives one line (in-process)."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeharbor.cli import app
from tests.ingest_support import ad, write_jsonl

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "300"})
    return result.exit_code, result.output


def one_line_error(output: str, *needles: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in lines[0], output


@pytest.fixture
def loaded_db(tmp_path: Path) -> str:
    db = str(tmp_path / "ok.db")
    code, output = run("ingest", str(write_jsonl(tmp_path / "ads.jsonl", [ad(1), ad(2)])), "--db", db)
    assert code == 0, output
    return db


def test_db_at_a_directory_a_missing_folder_or_a_wrong_file(tmp_path: Path) -> None:
    code, out = run("stats", "--db", str(tmp_path))
    assert code == 2
    one_line_error(out, "is a directory")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    code, out = run("stats", "--db", str(notes))
    assert code == 2
    one_line_error(out, "not a SQLite database")
    code, out = run(
        "ingest", str(write_jsonl(tmp_path / "a.jsonl", [ad(1)])), "--db", "/nonexistent/dir/x.db"
    )
    assert code == 2
    one_line_error(out, "/nonexistent/dir", "does not exist")
    assert not Path("/nonexistent").exists()


def test_a_mistyped_store_is_not_created_by_commands_that_read(tmp_path: Path, loaded_db: str) -> None:
    typo = loaded_db.replace("ok.db", "okk.db")
    for command in (["stats"], ["export", "ads", "--out", str(tmp_path / "x.jsonl")], ["leads"], ["analyze"]):
        code, out = run(*command, "--db", typo)
        assert code == 2, (command, out)
        one_line_error(out, "no store at", "okk.db")
    assert not Path(typo).exists()


def test_a_new_store_is_announced_and_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "new.db"
    db.parent.mkdir()
    code, out = run("ingest", str(write_jsonl(tmp_path / "a.jsonl", [ad(1)])), "--db", str(db))
    assert code == 0, out
    assert f"Created a new store at {db}" in out
    for path in db.parent.iterdir():  # the store and its -wal/-shm, while they exist
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    code, out = run("ingest", str(tmp_path / "a.jsonl"), "--db", str(db))
    assert "Created a new store" not in out


def test_default_store_folder_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAFEHARBOR_DB", raising=False)
    code, out = run("ingest", str(write_jsonl(tmp_path / "a.jsonl", [ad(1)])))
    assert code == 0, out
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "safeharbor.db").stat().st_mode) == 0o600


def test_database_urls_that_cannot_work(tmp_path: Path) -> None:
    code, out = run("stats", "--db", "mysql://u@localhost/x")
    assert code == 2
    one_line_error(out, "unsupported database URL scheme 'mysql'")
    code, out = run("stats", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert code == 2
    one_line_error(out, "database error")


def test_ingest_refuses_directories_utf16_and_headerless_csv_before_storing(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, out = run("ingest", str(tmp_path), "--db", db)
    assert code == 2
    one_line_error(out, "is a directory")
    utf16 = tmp_path / "u16.jsonl"
    utf16.write_bytes((json.dumps(ad(1)) + "\n").encode("utf-16"))
    code, out = run("ingest", str(utf16), "--db", db)
    assert code == 2
    one_line_error(out, "UTF-16", "iconv")
    assert "\x00" not in out  # the file's NUL bytes never reach the terminal
    headerless = tmp_path / "ads.csv"
    headerless.write_text("a1,example-board,2026-10-01T00:00:00Z,hello\n")
    code, out = run("ingest", str(headerless), "--db", db)
    assert code == 2
    one_line_error(out, "not a header row")
    assert not Path(db).exists()  # nothing was readable, so no store was made


def test_quarantine_listing_shows_control_characters_escaped(tmp_path: Path) -> None:
    db = str(tmp_path / "q.db")
    path = write_jsonl(tmp_path / "a.jsonl", [b'{"id": \x1b[31m "\x00', ad(2)])
    code, out = run("ingest", str(path), "--db", db)
    assert code == 0, out
    code, out = run("stats", "--quarantine", "--db", db)
    assert code == 0
    assert "\x1b" not in out and "\x00" not in out
    assert "\\x1b" in out


def test_train_from_a_missing_file(loaded_db: str, tmp_path: Path) -> None:
    code, out = run("train", "--from", str(tmp_path / "missing.jsonl"), "--db", loaded_db)
    assert code == 2
    one_line_error(out, "missing.jsonl")


@pytest.mark.parametrize("port", ["99999", "0", "-1", "abc", "80.5"])
def test_serve_on_an_impossible_port(port: str) -> None:
    code, out = run("serve", "--port", port)
    assert code == 2
    one_line_error(out, f"--port {port}", "1 to 65535")


def test_serve_on_a_bad_host_or_a_taken_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "serve.db")
    code, out = run("serve", "--host", "no such host.invalid", "--db", db)
    assert code == 2
    one_line_error(out, "--host no such host.invalid", "can resolve")
    monkeypatch.setenv("SAFEHARBOR_SECRET_KEY", "a test secret")
    code, out = run("serve", "--host", "192.0.2.1", "--db", db)  # TEST-NET: no interface here has it
    assert code == 2
    one_line_error(out, "cannot listen on 192.0.2.1:8000", "does not belong to this machine")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out = run("serve", "--port", str(port), "--db", db)
    assert code == 2
    one_line_error(out, f"127.0.0.1:{port}", "already in use")
    assert not Path(db).exists()  # refused before any store was opened


def test_export_never_creates_folders(loaded_db: str) -> None:
    code, out = run("export", "ads", "--out", "/nonexistent/dir/x.jsonl", "--db", loaded_db)
    assert code == 2
    one_line_error(out, "/nonexistent/dir", "does not exist")
    assert not os.path.exists("/nonexistent")
