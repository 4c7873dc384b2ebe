"""Hotel tip -> case -> referral, in Debian's Chromium over a real server.

An analyst reads a front-desk tip in words (no form codes), triages it, opens a case from it, attaches
the network by the id its page shows (any case), is refused bad and duplicate attachments on a readable
page that keeps what was typed, adds a note, and exports the referral as PDF and JSON: the PDF's text
holds the tip's apparent age and room and every evidence string (emoji, full-width digits) as written;
the JSON validates against the schema in the repo and carries the audit chain's head.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pyotp
import pytest
from pypdf import PdfReader

from safeharbor.workspace.accounts import DemoAccount, ensure_demo_accounts
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from tests.referral_support import EMOJI, ROOM, WIDE_PHONE, ReferralWorld, referral_world

pytestmark = pytest.mark.browser
SCHEMA = Path(__file__).parents[1] / "src/safeharbor/workspace/referral.schema.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReferralWorld, DemoAccount]]:
    require_chromium()
    world = referral_world(tmp_path_factory.mktemp("referral-browser"))
    analyst = next(a for a in ensure_demo_accounts(world.store) if a.role == "analyst")
    with live_server(world.store) as base:
        yield base, world, analyst
    world.store.dispose()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_hotel_tip_to_case_to_referral(server: tuple[str, ReferralWorld, DemoAccount]) -> None:
    from playwright.sync_api import sync_playwright

    base, world, analyst = server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(base) else problems.append("off-site " + r.url))

        page.goto(base + "/login")
        page.fill("#username", analyst.username)
        page.fill("#password", analyst.password)
        page.fill("#code", pyotp.TOTP(analyst.totp_secret or "").now())
        page.click("button[type=submit]")
        page.wait_for_url(base + "/leads")

        # The tip in words, then triaged: who and when are shown.
        page.goto(f"{base}/tips/{world.tip_id}")
        body = page.inner_text("main")
        assert "12 to 14" in page.inner_text("#tip-age") and "Front desk" in body
        assert "night by night" in page.inner_text("#tip-signs")
        assert "EDT" in page.inner_text("#tip-seen") and "America/New_York" in page.inner_text("#tip-seen")
        assert not re.search(r"\b(front_desk|12_14|cash_daily)\b", body)
        page.select_option("#tip-status-select", "triaged")
        page.click("#tip-status-form button")
        page.wait_for_selector("#tip-status:has-text('Triaged')")
        assert analyst.username in page.inner_text("#tip-history")

        # A case from the tip; the tip moves to "in a case".
        page.click("#open-case-from-tip")
        page.wait_for_url("**/cases/*")
        case_url = page.url
        assert world.reference in page.inner_text("#case-items")
        assert "12 to 14" in page.inner_text("#case-tips")

        # The network by its id as shown, in lower case: attached under its real id.
        page.select_option("#attach-type", "network")
        page.fill("#attach-ref", world.network_id.lower())
        page.click("#attach-form button")
        page.wait_for_selector(f"#case-items a:has-text('{world.network_id}')")

        # Bad and duplicate attachments: refused on the case page, with what was typed kept.
        for item_type, ref, says in (
            ("network", "26", "N-000026"),
            ("tip", world.reference, "already attached"),
            ("ad", "nosuchboard:x1", "no ad"),
        ):
            page.select_option("#attach-type", item_type)
            page.fill("#attach-ref", ref)
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.click("#attach-form button")
            assert answer.value.status == 422
            page.wait_for_selector("#case-error")
            assert says in page.inner_text("#case-error")
            assert page.input_value("#attach-ref") == ref
            assert page.locator("#attach-type").input_value() == item_type
        page.screenshot(path=str(ARTIFACTS / "referral-case-refused.png"), full_page=True)

        page.goto(case_url)
        page.fill("#note-body", "Front desk called twice; same phone as the ads.")
        page.click("text=Add note")
        page.wait_for_selector("text=Front desk called twice")

        with page.expect_download() as pdf_download:
            page.click("#export-referral")
        pdf = Path(pdf_download.value.path()).read_bytes()
        page.select_option("#referral-format", "json")
        with page.expect_download() as json_download:
            page.click("#export-referral")
        report = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))

        # A case that does not exist: a readable workspace page, not a JSON body.
        page.goto(base + "/cases/999999")
        assert "There is no case 999999" in page.inner_text("main")
        assert page.locator("nav").count() == 1
        browser.close()
    assert not problems, problems

    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    r = report["report"]
    assert [t["reference"] for t in r["tips"]["items"]] == [world.reference]
    assert r["networks"][0]["networkId"] == world.network_id
    assert re.fullmatch(r"[0-9a-f]{64}", r["auditChain"]["rowHash"]) and r["auditChain"]["seq"] > 0
    text = _squash("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    evidence = [f["evidence"] for f in r["indicatorsOfPossibleMinor"]["flags"]]
    evidence += [f["evidence"] for f in r["indicatorsOfPossibleMinor"]["networkWide"]]
    assert [e for e in evidence if _squash(e) not in text] == []
    for needed in ("12 to 14", f"Room: {ROOM}", WIDE_PHONE, EMOJI, "Front desk called twice"):
        assert _squash(needed) in text, needed
