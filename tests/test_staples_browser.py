"""The analyst's staples in a real browser (Debian's Chromium via Playwright over a real uvicorn server):
watch -> a new matching ad -> analyze -> alert badge and list (issue 15 item 5); one audit row per search.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select

from safeharbor.ingest import ingest_file
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.workspace import accounts
from safeharbor.workspace.tables import audit_log
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.ingest_support import ad, write_jsonl
from tests.test_workspace_support import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, Path]]:
    require_chromium()
    folder = Path(tmp_path_factory.mktemp("staples"))
    store = open_store(str(folder / "store.db"))
    ingest_file(store, write_jsonl(folder / "a.jsonl", [ad(i) for i in range(1, 8)]), workers=1)
    analyze(store)
    with live_server(store) as base:
        yield base, store, folder
    store.dispose()


def sign_in(page: Any, base: str, store: Store, name: str, role: str = "analyst") -> None:
    with store.begin() as conn:
        created = accounts.create_user(conn, name, PASSWORD, role)
    page.goto(base + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.fill("#code", pyotp.TOTP(created.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(base + "/leads")


def _searches(store: Store) -> int:
    with store.connect() as conn:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.action == "search")
        return int(conn.execute(query).scalar_one())


def test_watch_a_phone_then_a_new_ad_raises_an_alert(world: tuple[str, Store, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, store, folder = world
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, base, store, "watcher")
        assert page.locator("#alerts-badge").count() == 0

        page.goto(base + "/ads/2")
        page.click("button.watch-button[data-kind=phone]")
        page.wait_for_url(base + "/ads/2")
        assert "watching" in page.inner_text("#watch-panel")

        new_ad = ad(302, body="Back this week, call 214-555-0102.")
        ingest_file(store, write_jsonl(folder / "b.jsonl", [new_ad]), workers=1)
        analyze(store)

        page.goto(base + "/leads")
        assert page.inner_text("#alerts-badge") == "1"
        page.click("#nav-alerts")
        row = page.locator("tr.alert-row.unread")
        assert (
            row.count() == 1 and "New in town 302" in row.inner_text() and "+12145550102" in row.inner_text()
        )
        page.screenshot(path=str(ARTIFACTS / "workspace-alerts.png"))
        row.locator("button", has_text="Mark read").click()
        page.wait_for_selector("tr.alert-row.read")
        assert page.locator("#alerts-badge").count() == 0

        # One search, one audit row (the form is sent by htmx; nothing else may log it again).
        before = _searches(store)
        page.goto(base + "/search")
        page.fill("#q", "214-555-0102")
        page.press("#q", "Enter")
        page.wait_for_selector("#search-summary")
        page.wait_for_timeout(300)
        assert _searches(store) - before == 1
        browser.close()
    assert not problems, problems


def test_a_disabled_user_cannot_sign_in_and_their_open_session_ends(world: tuple[str, Store, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, store, _ = world
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        victim = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(admin, base, store, "boss", "admin")
        sign_in(victim, base, store, "leaving")
        victim.goto(base + "/ads/1")
        assert victim.locator("#ad-body").count() == 1

        admin.click("a[href='/users']")
        admin.locator("#user-leaving button.disable-user").click()
        admin.wait_for_selector("#users-message")
        assert "Disabled leaving" in admin.inner_text("#users-message")
        assert "disabled" in admin.inner_text("#user-leaving")
        admin.screenshot(path=str(ARTIFACTS / "workspace-users.png"))

        # The open session has ended: the next request goes to the sign-in page.
        victim.reload()
        assert "/login" in victim.url
        assert victim.locator("#ad-body").count() == 0
        # Signing in again is refused, with the one message that never confirms the account exists.
        with store.connect() as conn:
            user = accounts.get_user(conn, "leaving")
            assert user is not None and user.disabled
            secret = accounts.totp_secret_of(conn, user.user_id)
        victim.fill("#username", "leaving")
        victim.fill("#password", PASSWORD)
        victim.fill("#code", pyotp.TOTP(secret).now())
        victim.click("button[type=submit]")
        victim.wait_for_load_state()
        assert "/login" in victim.url and "Wrong username" in victim.content()

        # Back after signing out shows the sign-in page, not a copy of the last workspace page.
        admin.goto(base + "/ads/1")
        admin.click("text=Sign out")
        admin.wait_for_url("**/login")
        admin.go_back()
        admin.wait_for_load_state()
        assert "/login" in admin.url and admin.locator("#ad-body").count() == 0
        browser.close()
