"""Tips wired both ways, reasons in words, and text that cannot break a page, in Debian's Chromium.

- the hotel tip shows on the matched network page, on each matched ad's page and on its lead, with
  the match strength and the tip's status;
- lead and ad pages name indicators by title, never by catalogue id; times carry their zone;
- a 20,000-character token in an ad wraps (no horizontal scroll, L1); a right-to-left override in a
  tip is shown as a marked code point and does not reverse the text after it (L2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pyotp
import pytest
from sqlalchemy import select

from safeharbor.score.catalogue import load_catalogue
from safeharbor.storage.schema import ads
from safeharbor.tips import parse_tip_form, submit_tip
from safeharbor.workspace.accounts import DemoAccount, ensure_demo_accounts
from safeharbor.workspace.tiplinks import tips_for_network
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.referral_support import LONG_SOURCE, ReferralWorld, referral_world

pytestmark = pytest.mark.browser
RLO = "\u202e"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReferralWorld, DemoAccount, int]]:
    require_chromium()
    world = referral_world(tmp_path_factory.mktemp("tips-both-ways"))
    form = {
        "what_seen": f"She said her name was {RLO}Lulu and she was new here; the man kept her phone.",
        "city": "Boston",
        "state": "MA",
        "seen_on": "2026-08-21",
    }
    parsed = parse_tip_form(form, variant="public", today=date(2026, 8, 22))
    assert parsed.tip is not None, parsed.errors
    bidi_tip = submit_tip(world.store, parsed.tip).tip_id
    analyst = next(a for a in ensure_demo_accounts(world.store) if a.role == "analyst")
    with live_server(world.store) as base:
        yield base, world, analyst, bidi_tip
    world.store.dispose()


def test_the_tip_is_found_from_the_network_it_matches(
    server: tuple[str, ReferralWorld, DemoAccount, int],
) -> None:
    _base, world, _analyst, _bidi = server
    with world.store.connect() as conn:
        from safeharbor.link.queries import network_record

        record = network_record(conn, world.network_id)
        assert record is not None
        links = tips_for_network(conn, record)
    strong = [link for link in links if link.tip.id == world.tip_id]
    assert strong and strong[0].match.strength == "strong"


def test_tips_both_ways_readable_reasons_and_safe_text(
    server: tuple[str, ReferralWorld, DemoAccount, int],
) -> None:
    from playwright.sync_api import sync_playwright

    base, world, analyst, bidi_tip = server
    ids = [i.id for i in load_catalogue().indicators]
    raw_id = re.compile(r"\b(" + "|".join(map(re.escape, ids)) + r")\b")
    with world.store.connect() as conn:
        long_key = conn.execute(select(ads.c.ad_key).where(ads.c.source == LONG_SOURCE)).scalar_one()
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(base + "/login")
        page.fill("#username", analyst.username)
        page.fill("#password", analyst.password)
        page.fill("#code", pyotp.TOTP(analyst.totp_secret or "").now())
        page.click("button[type=submit]")
        page.wait_for_url(base + "/leads")

        # The network page and each matched ad's page name the tip, its strength and status.
        page.goto(f"{base}/networks/{world.network_id}")
        panel = page.inner_text("#tips-here")
        assert world.reference in panel and "strong" in panel and "New" in panel
        page.screenshot(path=str(ARTIFACTS / "tips-network.png"), full_page=True)
        for key in world.ad_keys:
            page.goto(f"{base}/ads/{key}")
            assert world.reference in page.inner_text("#tips-here")
            flags = page.inner_text("ul.flags")
            assert not raw_id.search(flags), flags
            assert "UTC" in page.inner_text("p.meta")

        # The lead of that network carries the tip; its reasons are titles, not ids.
        page.goto(f"{base}/leads?city=Boston&state=MA")
        row = page.locator("tr.lead", has=page.locator(f"a[href='/networks/{world.network_id}']")).first
        text = row.inner_text()
        assert world.reference in text, text
        assert not raw_id.search(page.inner_text("table")), "raw indicator ids on the lead queue"
        assert "UTC" in text
        page.screenshot(path=str(ARTIFACTS / "tips-leads.png"))

        # L1: a 20,000-character token wraps; the page does not scroll sideways.
        page.goto(f"{base}/ads/{long_key}")
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"the ad page scrolls {wide}px sideways"

        # L2: the override is shown as a marked code point; the words after it read left to right.
        page.goto(f"{base}/tips/{bidi_tip}")
        words = page.locator("#tip-words")
        assert words.locator(".bidi-mark").inner_text() == "[U+202E]"
        assert RLO not in words.inner_text() and "Lulu and she was new here" in words.inner_text()
        page.screenshot(path=str(ARTIFACTS / "tips-bidi.png"))
        browser.close()
    assert not problems, problems
