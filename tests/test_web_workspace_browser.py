"""The workspace in a real browser (Debian's Chromium via Playwright) over a real uvicorn server.

Signs in with TOTP, works a lead into a case, exports a referral, searches a phone written in
words, and opens a network to see the graph and the map render. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from safeharbor.link.queries import list_networks
from safeharbor.storage import Store
from safeharbor.storage.schema import extractions
from safeharbor.workspace.accounts import DemoAccount, ensure_demo_accounts
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.test_workspace_support import demo_store

pytestmark = pytest.mark.browser
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ARGS = CHROMIUM_ARGS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, list[DemoAccount]]]:
    require_chromium()
    store = demo_store(Path(tmp_path_factory.mktemp("browser")), n_ads=300)
    demo = ensure_demo_accounts(store)
    with live_server(store) as base:
        yield base, store, demo
    store.dispose()


def _phone_in_words(store: Store) -> str:
    with store.connect() as conn:
        e164 = conn.execute(
            select(extractions.c.value).where(extractions.c.kind == "phone").limit(1)
        ).scalar_one()
    return " ".join(DIGIT_WORDS[int(d)] for d in e164.removeprefix("+1"))


def test_analyst_day_in_the_browser(server: tuple[str, Store, list[DemoAccount]]) -> None:
    from playwright.sync_api import sync_playwright

    base, store, demo = server
    analyst = next(d for d in demo if d.role == "analyst")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"{page.url}: {m.text} {m.location}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "request", lambda r: problems.append("off-site " + r.url) if not r.url.startswith(base) else None
        )

        # Sign in with password and TOTP.
        page.goto(base + "/leads")
        assert "/login" in page.url
        page.fill("#username", analyst.username)
        page.fill("#password", analyst.password)
        assert analyst.totp_secret
        page.fill("#code", pyotp.TOTP(analyst.totp_secret).now())
        page.click("button[type=submit]")
        page.wait_for_url(base + "/leads")
        assert page.locator("tr.lead").count() > 0
        assert "distinct ads" in page.locator("tr.lead .ranked-by").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "workspace-leads.png"), full_page=False)

        # Search a phone written with words.
        spoken = _phone_in_words(store)
        page.goto(base + "/search")
        page.fill("#q", spoken)
        page.press("#q", "Enter")
        page.wait_for_selector("#search-summary")
        summary = page.inner_text("#search-summary")
        assert "phone" in summary and not summary.startswith("0 ")
        page.screenshot(path=str(ARTIFACTS / "workspace-search-phone-words.png"))

        # Work a lead into a case: open the first hit's ad, open a case, add a note, export a referral.
        page.click("tr.hit a")
        page.wait_for_selector("#ad-body")
        assert page.locator("#ad-body mark").count() > 0
        page.screenshot(path=str(ARTIFACTS / "workspace-ad.png"), full_page=True)
        page.click("#open-case")
        page.wait_for_url("**/cases/*")
        page.fill("#note-body", "Phone matches a hotel tip; checking the circuit.")
        page.click("text=Add note")
        page.wait_for_selector("text=Phone matches a hotel tip")
        page.select_option("#status-select", "referred")
        page.click("#save-status")
        page.wait_for_selector("#case-status:has-text('referred')")
        with page.expect_download() as download_info:
            page.click("#export-referral")
        pdf = Path(download_info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        page.reload()
        assert page.locator("#exports tbody tr").first.inner_text().count("NCMEC") == 1
        page.screenshot(path=str(ARTIFACTS / "workspace-case.png"), full_page=True)

        # A network: graph and map render.
        with store.connect() as conn:
            nets = list_networks(conn, limit=5)
        if nets:
            page.goto(f"{base}/networks/{nets[0].id}")
            page.wait_for_selector("#graph[data-rendered]", timeout=15000)
            page.wait_for_selector("#map[data-rendered]", timeout=15000)
            assert int(page.get_attribute("#graph", "data-rendered") or 0) > 1
            assert page.locator("#map path.state").count() >= 48
            page.wait_for_selector("#templates", timeout=15000)  # the templates panel, loaded after the page
            # the persons panel: each person with the person model's score and what weighed most
            assert page.locator("section.persons tbody tr").count() >= 1
            assert " of " in page.locator("section.persons tbody tr").first.inner_text()
            page.click("#why-form button") if page.locator("#why-form").count() else page.click(
                "text=Explain"
            )
            page.wait_for_selector("#why-result")
            page.screenshot(path=str(ARTIFACTS / "workspace-network.png"), full_page=True)
        browser.close()
    assert not problems, problems
