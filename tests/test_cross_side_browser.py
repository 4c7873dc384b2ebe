"""From the public hotel-staff form to the analyst's queue, in a real browser.

A housekeeper reports a phone, a city and a date seen at a hotel; an analyst signs in and finds the
tip among the leads, linked to the demo network that advertised that phone.
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from safeharbor.link.queries import list_networks
from safeharbor.storage.reads import extractions_for
from safeharbor.storage.schema import ad_places, ads
from safeharbor.workspace.accounts import ensure_demo_accounts
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.test_workspace_support import demo_store

pytestmark = pytest.mark.browser


def test_hotel_tip_reaches_the_analyst_queue_linked_to_its_network(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    store = demo_store(tmp_path, n_ads=300)
    analyst = next(a for a in ensure_demo_accounts(store) if a.role == "analyst")
    with store.connect() as conn:
        network = list_networks(conn, limit=1, offset=0)[0]
        ad_key = network.ad_keys[0]
        phone = next(e.value for e in extractions_for(conn, [ad_key], ["phone"])[ad_key])
        city, state = conn.execute(
            select(ad_places.c.city, ad_places.c.state).where(ad_places.c.ad_key == ad_key)
        ).one()
        seen_on = conn.execute(select(ads.c.posted_at).where(ads.c.ad_key == ad_key)).scalar_one()[:10]
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    with live_server(store) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

        page.goto(base + "/report/hotel?role=housekeeping")
        page.fill(
            "#what_seen", "A young girl kept in a room for days; adult men visiting; she seemed scared."
        )
        page.fill("#city", city)
        page.select_option("#state", state)
        page.fill("#seen_on", seen_on)
        page.fill("#phones", f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}")
        page.click("button[type=submit]")
        page.wait_for_selector(".reference")
        reference = page.inner_text(".reference")

        page.goto(base + "/login")
        page.fill("#username", analyst.username)
        page.fill("#password", analyst.password)
        page.fill("#code", pyotp.TOTP(analyst.totp_secret or "").now())
        page.click("button[type=submit]")
        page.wait_for_url(base + "/leads")
        strip = page.locator(".tips-strip")
        assert reference in strip.inner_text()
        page.screenshot(path=str(ARTIFACTS / "cross-side-leads-with-tip.png"))
        strip.locator(f"a:has-text('{reference}')").click()
        page.wait_for_selector("text=Matching ads and networks")
        assert page.locator(f"a[href='/networks/{network.id}']").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "cross-side-tip.png"), full_page=True)
        browser.close()
    assert outside == []
