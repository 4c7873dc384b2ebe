"""Accounts for an organisation in the workspace (issue 15 item 6, issue 16 M3) and the audit page's
date filter and CSV download: one audit row per action, refused actions logged as refused."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.web.app import create_app
from safeharbor.workspace import accounts
from safeharbor.workspace.tables import audit_log
from tests.ingest_support import ad, write_jsonl
from tests.test_workspace_support import PASSWORD, Account, client_as, csrf_of, make_account, sign_in


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Store]:
    from safeharbor.ingest import ingest_file
    from safeharbor.pipeline import analyze

    store = open_store(str(tmp_path / "store.db"))
    ingest_file(store, write_jsonl(tmp_path / "a.jsonl", [ad(i) for i in range(1, 5)]), workers=1)
    analyze(store)
    yield store
    store.dispose()


def _last_rows(store: Store, n: int) -> list[tuple[str | None, str, str | None, str]]:
    with store.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.audit_id.desc()).limit(n)).all()
    return [(r.user, r.action, r.object_id, r.outcome) for r in rows]


def test_admin_manages_accounts_from_the_users_page(world: Store) -> None:
    admin = client_as(world, "admin")
    token = csrf_of(admin)
    page = admin.post(
        "/users", data={"username": "Nia", "role": "analyst", "password": PASSWORD, "csrf_token": token}
    )
    assert page.status_code == 200 and "Added nia (analyst)" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret, "the new account's second factor is shown once"
    assert _last_rows(world, 1)[0][1:] == ("user.add", "nia", "ok")

    weak = admin.post(
        "/users", data={"username": "bob", "role": "analyst", "password": "aaaaaaaaaa", "csrf_token": token}
    )
    assert weak.status_code == 422 and 'value="bob"' in weak.text and "aaaaaaaaaa" not in weak.text
    assert _last_rows(world, 1)[0][1:] == ("user.add", "bob", "refused")

    nia = TestClient(create_app(world))
    assert sign_in(nia, Account("nia", PASSWORD, "analyst", secret.group(1))) == 303
    assert nia.get("/leads", follow_redirects=False).status_code == 200

    before = len(_last_rows(world, 10_000))
    done = admin.post("/users/nia/disable", data={"csrf_token": token})
    assert done.status_code == 200 and "their sessions have ended" in done.text
    assert len(_last_rows(world, 10_000)) - before == 1  # one row for the action
    assert _last_rows(world, 1)[0][1:] == ("user.disable", "nia", "ok")
    ended = nia.get("/leads", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert sign_in(nia, Account("nia", PASSWORD, "analyst", secret.group(1))) == 401

    assert "Enabled nia" in admin.post("/users/nia/enable", data={"csrf_token": token}).text
    assert (
        "nia is now reviewer"
        in admin.post("/users/nia/role", data={"role": "reviewer", "csrf_token": token}).text
    )
    bad_role = admin.post("/users/nia/role", data={"role": "owner", "csrf_token": token})
    assert bad_role.status_code == 422 and _last_rows(world, 1)[0][3] == "refused"
    assert (
        "New password set"
        in admin.post(
            "/users/nia/password", data={"password": "another fine passphrase", "csrf_token": token}
        ).text
    )
    fresh = admin.post("/users/nia/totp", data={"csrf_token": token})
    assert "New second factor for nia" in fresh.text and 'id="totp-secret"' in fresh.text
    with world.connect() as conn:
        nia_now = accounts.get_user(conn, "nia")
    assert nia_now is not None and nia_now.role == "reviewer" and not nia_now.disabled


def test_the_last_admin_cannot_lock_everyone_out(world: Store) -> None:
    admin = client_as(world, "admin")
    with world.connect() as conn:
        me = [u.username for u in accounts.list_users(conn) if u.role == "admin"][0]
    refused = admin.post(f"/users/{me}/disable", data={"csrf_token": csrf_of(admin)})
    assert refused.status_code == 422 and "last enabled admin" in refused.text
    assert _last_rows(world, 1)[0] == (me, "user.disable", me, "refused")


def test_only_admins_see_the_users_page(world: Store) -> None:
    analyst = client_as(world, "analyst")
    assert analyst.get("/users").status_code == 403
    assert 'href="/users"' not in analyst.get("/leads").text
    assert 'href="/users"' in client_as(world, "admin").get("/leads").text


def test_dismissing_without_a_reason_is_logged_as_refused(world: Store) -> None:
    client = client_as(world, "reviewer")
    token = csrf_of(client)
    form = {"lead_type": "ad", "lead_ref": "1", "status": "dismissed", "reason": " ", "csrf_token": token}
    htmx = client.post("/leads/review", data=form, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "say why" in htmx.text
    assert _last_rows(world, 1)[0][1:] == ("lead.review", "ad:1", "refused")
    plain = client.post("/leads/review", data=form)
    assert plain.status_code == 422
    assert _last_rows(world, 1)[0][1:] == ("lead.review", "ad:1", "refused")


def test_audit_page_filters_by_date_and_downloads_csv(world: Store) -> None:
    admin = client_as(world, "admin")
    today = _last_rows(world, 1)
    assert today
    page = admin.get("/audit?since=2000-01-01&until=2000-01-31")
    assert page.status_code == 200 and "No entries match" in page.text
    page = admin.get("/audit?since=2000-01-01&action=login")
    assert "Showing 1–" in page.text and "of " in page.text
    assert "Not a date" in admin.get("/audit?since=yesterday").text
    download = admin.get("/audit/export.csv?action=login&outcome=ok")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert rows and {r["action"] for r in rows} == {"login"} and {r["outcome"] for r in rows} == {"ok"}
    assert "row_hash" in rows[0]
    assert _last_rows(world, 1)[0][1] == "audit.export"
    empty = admin.get("/audit/export.csv?since=2000-01-01&until=2000-01-02")
    assert empty.text.strip().count("\n") == 0  # the header alone


def test_every_role_needs_a_second_factor(world: Store) -> None:
    for role in ("admin", "analyst", "reviewer"):
        account = make_account(world, role)
        assert account.totp_secret
        client = TestClient(create_app(world))
        assert sign_in(client, account, code="") == 401
        assert sign_in(client, account, code=pyotp.TOTP(account.totp_secret).now()) == 303
