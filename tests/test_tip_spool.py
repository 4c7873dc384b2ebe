"""A tip survives a storage failure (issue 16, L10), and its contact is sealed at rest (data at rest).

The store is made to fail for real, not mocked: on SQLite another connection holds the write lock
(the app's busy timeout is shortened so the test need not wait 30 seconds); on PostgreSQL the
database is switched to read-only transactions. The reporter must get the usual thank-you page with
a reference, the tip must wait in a 0600 file in a 0700 folder (its contact sealed), and reach the
store on the next tip, when the app starts, or with `safeharbor tips retry`.
"""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from safeharbor.cli import app as cli_app
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.tips import get_tip, list_tips
from safeharbor.tips.spool import pending
from safeharbor.web.app import create_app
from tests.test_public_pages import HOTEL_FORM, good_hotel_tip, token

CANARY = "canary-reporter-5550199@example.org"


@pytest.fixture()
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setenv("SAFEHARBOR_TIP_SPOOL", str(folder))
    monkeypatch.setenv("SAFEHARBOR_DATA_KEY", Fernet.generate_key().decode())
    return folder


def _short_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA busy_timeout=100")


@contextmanager
def store_failing(store: Store) -> Iterator[None]:
    """Make every write to `store` fail for real while inside (reads may still work)."""
    if store.backend.file_path is not None:
        event.listen(store.engine, "connect", _short_busy_timeout)
        store.engine.dispose()
        holder = create_engine(store.url)
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN EXCLUSIVE")  # "database is locked" for everyone else
            try:
                yield
            finally:
                conn.rollback()
        holder.dispose()
        event.remove(store.engine, "connect", _short_busy_timeout)
        store.engine.dispose()
        return
    name = make_url(store.url).database
    admin = create_engine(store.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    store.engine.dispose()
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()
        store.engine.dispose()


def _tip_form(client: TestClient, n: int) -> dict[str, object]:
    form = good_hotel_tip(token(client.get(HOTEL_FORM).text))
    form["what_seen"] = f"{form['what_seen']} (night {n})"
    form["contact"] = CANARY
    return form


def _reference(response: Any) -> str:
    assert response.status_code == 303, response.text[:300]
    match = re.search(r"ref=(T-[0-9A-Z]{4}-[0-9A-Z]{4})", response.headers["location"])
    assert match
    return match.group(1)


def _app(store: Store) -> FastAPI:
    return create_app(store)


def test_tip_sent_while_the_store_fails_is_spooled_sealed_and_stored_on_the_next_tip(
    any_store: Store, spool_dir: Path
) -> None:
    client = TestClient(_app(any_store))
    first = _tip_form(client, 1)
    with store_failing(any_store):
        answer = client.post("/report/hotel", data=first, follow_redirects=False)
        reference = _reference(answer)
        again = _reference(client.post("/report/hotel", data=first, follow_redirects=False))
        thanks = client.get(answer.headers["location"])
    assert again == reference  # a double submit while the store is down is still one tip
    assert thanks.status_code == 200 and reference in thanks.text
    files = pending(spool_dir)
    assert len(files) == 1
    assert stat.S_IMODE(spool_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert CANARY.encode() not in files[0].read_bytes()  # the contact is sealed in the spool too

    second = _reference(client.post("/report/hotel", data=_tip_form(client, 2), follow_redirects=False))
    assert pending(spool_dir) == []  # the next tip emptied the spool into the store
    with any_store.connect() as conn:
        stored = {t.reference: t for t in list_tips(conn, with_matches=False)}
    assert set(stored) == {reference, second}
    assert stored[reference].contact == CANARY and "(night 1)" in stored[reference].what_seen


def test_spooled_tip_is_stored_when_the_app_starts(any_store: Store, spool_dir: Path) -> None:
    client = TestClient(_app(any_store))
    with store_failing(any_store):
        reference = _reference(
            client.post("/report/hotel", data=_tip_form(client, 1), follow_redirects=False)
        )
    assert len(pending(spool_dir)) == 1
    _app(any_store)  # a restart
    assert pending(spool_dir) == []
    with any_store.connect() as conn:
        assert [t.reference for t in list_tips(conn, with_matches=False)] == [reference]


def test_tips_retry_command_empties_the_spool(tmp_path: Path, spool_dir: Path) -> None:
    db = tmp_path / "cli.db"
    store = open_store(str(db))
    client = TestClient(_app(store))
    with store_failing(store):
        reference = _reference(
            client.post("/report/hotel", data=_tip_form(client, 1), follow_redirects=False)
        )
    store.dispose()
    result = CliRunner().invoke(cli_app, ["tips", "retry", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Stored 1 spooled tips" in result.output and reference in result.output
    assert pending(spool_dir) == []


def test_concurrent_retries_in_separate_processes_store_each_tip_once(
    any_store: Store, spool_dir: Path
) -> None:
    client = TestClient(_app(any_store))
    with store_failing(any_store):
        sent = {
            _reference(client.post("/report/hotel", data=_tip_form(client, n), follow_redirects=False))
            for n in range(3)
        }
    assert len(pending(spool_dir)) == 3
    command = [str(Path(sys.executable).with_name("safeharbor")), "tips", "retry", "--db", any_store.url]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(3)
    ]
    outputs = [(run.wait(timeout=120), run.stdout.read() if run.stdout else "") for run in runs]
    assert all(code == 0 for code, _ in outputs), outputs
    assert pending(spool_dir) == []
    with any_store.connect() as conn:
        stored = [t.reference for t in list_tips(conn, with_matches=False)]
    assert sorted(stored) == sorted(sent)  # each spooled tip exactly once


def test_store_and_spool_both_failing_gives_a_calm_page_not_a_bare_500(
    any_store: Store, spool_dir: Path
) -> None:
    spool_dir.parent.mkdir(parents=True, exist_ok=True)
    spool_dir.write_text("not a folder")  # the spool cannot be created either
    client = TestClient(_app(any_store))
    with store_failing(any_store):
        answer = client.post("/report/hotel", data=_tip_form(client, 1), follow_redirects=False)
    assert answer.status_code == 503
    assert "could not save your tip" in answer.text and "1-888-373-7888" in answer.text


def test_contact_is_sealed_at_rest_and_readable_in_the_workspace(any_store: Store, spool_dir: Path) -> None:
    client = TestClient(_app(any_store))
    reference = _reference(client.post("/report/hotel", data=_tip_form(client, 1), follow_redirects=False))
    with any_store.connect() as conn:
        raw = conn.execute(text("SELECT contact FROM tips")).scalar_one()
        tip = list_tips(conn, with_matches=False)[0]
    assert raw.startswith("fernet:") and CANARY not in raw
    assert tip.reference == reference and tip.contact == CANARY
    database = any_store.backend.file_path
    if database is not None:
        with any_store.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        files = [database, database.with_name(database.name + "-wal")]
        assert not any(CANARY.encode() in p.read_bytes() for p in files if p.exists())


def test_migration_seals_contacts_stored_before_and_keys_seal_does_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEHARBOR_TIP_SPOOL", str(tmp_path / "spool"))
    db = tmp_path / "old.db"
    store = open_store(str(db))  # no data key yet: contacts are stored as typed
    client = TestClient(_app(store))
    _reference(client.post("/report/hotel", data=_tip_form(client, 1), follow_redirects=False))
    with store.begin() as conn:
        assert conn.execute(text("SELECT contact FROM tips")).scalar_one() == CANARY
        # As an older store: the sealing migration has not run yet.
        conn.execute(text("DELETE FROM schema_migrations WHERE id = 'tips_0003_sealed_contact'"))
    store.dispose()
    monkeypatch.setenv("SAFEHARBOR_DATA_KEY", Fernet.generate_key().decode())
    store = open_store(str(db))  # the migration runs, now with a key
    with store.connect() as conn:
        assert conn.execute(text("SELECT contact FROM tips")).scalar_one().startswith("fernet:")
        tip_id = list_tips(conn, with_matches=False)[0].id
        tip = get_tip(conn, tip_id, with_matches=False)
        assert tip is not None and tip.contact == CANARY
    store.dispose()
    result = CliRunner().invoke(cli_app, ["keys", "check", "--db", str(db)])
    assert result.exit_code == 0 and "unencrypted" not in result.output, result.output
