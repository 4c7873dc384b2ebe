"""Analyst staples in Chromium (issue 15 item 7): the lead queue at 390 px (no horizontal scroll, Sign
out reachable), keyboard shortcuts and the skip link, bulk review with one reason, CSV downloads,
search paging with totals, and the network page's graph legend, zoomed map and dated timeline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from safeharbor.ingest import ingest_file
from safeharbor.link.queries import list_networks
from safeharbor.pipeline import analyze
from safeharbor.storage import Store
from safeharbor.store import open_store
from safeharbor.workspace.tables import audit_log
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.ingest_support import ad, write_jsonl
from tests.test_staples_browser import sign_in

pytestmark = pytest.mark.browser
N_ADS = 230


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    require_chromium()
    folder = Path(tmp_path_factory.mktemp("queue"))
    store = open_store(str(folder / "store.db"))
    cities = ["Dallas, TX", "Austin, TX", "Houston, TX"]
    lines = [
        ad(i, location=cities[i % 3], posted_at=f"2026-{9 + i % 3:02d}-{(i % 28) + 1:02d}T12:00:00Z")
        for i in range(1, N_ADS + 1)
    ]
    ingest_file(store, write_jsonl(folder / "ads.jsonl", lines), workers=1)
    analyze(store)
    with live_server(store) as base:
        yield base, store
    store.dispose()


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def test_lead_queue_on_a_phone_keyboard_and_bulk_review(world: tuple[str, Store]) -> None:
    from playwright.sync_api import sync_playwright

    base, store = world
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, base, store, "phone-analyst")
        assert page.locator("tr.lead").count() > 2
        wide = page.evaluate(
            "Array.from(document.querySelectorAll('main *')).filter(e => e.scrollWidth > e.clientWidth + 1)"
            ".slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)"
        )
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1] == 390, f"the page scrolls sideways at 390 px: {widths} {wide}"
        table = page.locator("table.leads").bounding_box()
        assert table is not None and table["x"] >= 0 and table["x"] + table["width"] <= 390
        sign_out = page.get_by_role("button", name="Sign out")
        box = sign_out.bounding_box()
        assert sign_out.is_visible() and box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(ARTIFACTS / "workspace-leads-390.png"), full_page=True)

        # The skip link is the first thing Tab reaches, and it goes to the page's content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"

        # j/k move through the queue; r marks reviewed; d then a reason and Enter dismisses.
        page.locator("h1").click()
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        first = page.locator("tr.lead").nth(0)
        assert "current" in (first.get_attribute("class") or "")
        page.keyboard.press("r")
        first.locator(".badge-reviewed").wait_for()
        page.keyboard.press("j")
        second = page.locator("tr.lead").nth(1)
        page.keyboard.press("d")
        assert page.evaluate("document.activeElement.classList.contains('reason')")
        page.keyboard.type("posted by a known agency")
        page.keyboard.press("Enter")
        second.locator(".badge-dismissed").wait_for()

        # Bulk: two more leads dismissed with one reason, in one request and one audit row.
        page.reload()
        picks = page.locator('td.pick input[type="checkbox"]')
        refs = [picks.nth(i).get_attribute("value") for i in (0, 1)]
        picks.nth(0).check()
        picks.nth(1).check()
        assert "2 selected" in page.inner_text("#bulk-count")
        page.click("#bulk-dismiss")  # no reason yet: the page asks for one, nothing is sent
        assert "Say why" in page.inner_text("#bulk-count")
        page.fill("#bulk-reason", "duplicate of an older lead")
        with page.expect_navigation():  # the POST redirects back to the queue
            page.click("#bulk-dismiss")
        page.wait_for_load_state()
        values = [
            page.locator('td.pick input[type="checkbox"]').nth(i).get_attribute("value") for i in range(3)
        ]
        assert not set(refs) & set(values)
        with store.connect() as conn:
            row = conn.execute(
                select(audit_log)
                .where(audit_log.c.action == "lead.review_bulk")
                .order_by(audit_log.c.audit_id.desc())
            ).first()
        assert row is not None and row.outcome == "ok" and row.object_id == ",".join(str(r) for r in refs)

        with page.expect_download() as got:
            page.click("#leads-csv")
        text = Path(got.value.path()).read_text(encoding="utf-8")
        assert text.startswith("kind,ref,title,risk") and text.count("\n") > 10

        # "/" goes to search from anywhere.
        page.locator("h1").click()
        page.keyboard.press("/")
        page.wait_for_url("**/search")
        browser.close()
    assert not problems, problems


def test_search_pages_past_100_with_totals_and_csv(world: tuple[str, Store]) -> None:
    from playwright.sync_api import sync_playwright

    base, store = world
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
        sign_in(page, base, store, "search-analyst")
        page.goto(base + "/search")
        page.fill("#q", "town")
        page.press("#q", "Enter")
        page.wait_for_selector("#search-summary")
        assert f"showing 1–100 of {N_ADS}" in page.inner_text("#search-summary")
        page.click("#search-next")
        page.wait_for_selector("#search-summary:has-text('showing 101–200')")
        assert page.locator("tr.hit").count() == 100
        page.click("#search-next")
        page.wait_for_selector(f"#search-summary:has-text('showing 201–{N_ADS} of {N_ADS}')")
        assert page.locator("#search-next").count() == 0
        with page.expect_download() as got:
            page.click("#search-csv")
        lines = Path(got.value.path()).read_text(encoding="utf-8").strip().splitlines()
        assert lines[0].startswith("ad_key,source") and len(lines) == N_ADS + 1
        browser.close()


def test_network_page_legend_zoomed_map_and_dated_timeline(world: tuple[str, Store]) -> None:
    from playwright.sync_api import sync_playwright

    base, store = world
    with store.connect() as conn:
        network = list_networks(conn, limit=1)[0].id
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, store, "map-analyst")
        page.goto(f"{base}/networks/{network}")
        page.wait_for_selector("#map[data-zoomed]", timeout=15000)
        assert float(page.get_attribute("#map", "data-zoomed") or 1) < 0.5  # three Texas cities, not the US
        legend = page.inner_text("#graph-legend")
        assert all(word in legend for word in ("ad", "phone", "shared phone", "same image"))
        ticks = [t or "" for t in page.locator("#timeline text.tick").all_text_contents()]
        assert len(ticks) >= 2 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t) for t in ticks)
        page.screenshot(path=str(ARTIFACTS / "workspace-network-zoomed.png"), full_page=True)
        browser.close()
