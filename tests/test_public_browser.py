"""The public side in Chromium: pages load only from 127.0.0.1, pass axe-core, quick exit, the tip form.

A real uvicorn server on a free port over a SQLite file; Debian's Chromium driven by Playwright.
axe-core is vendored (scripts/vendor-public-js.sh) and served to the page from the test's own origin,
so the pages' Content-Security-Policy stays on while it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeharbor.store import Store, open_store
from safeharbor.tips import count_tips, list_tips
from safeharbor.web.public.pages import learn_pages
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium

pytestmark = pytest.mark.browser
playwright_sync = pytest.importorskip("playwright.sync_api")

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PAGES = ["/", *[f"/learn/{p.slug}" for p in learn_pages()], "/hotels", "/get-help", "/privacy", "/sources",
         "/share", "/report", "/report/hotel"]  # fmt: skip
NEUTRAL = "https://www.weather.gov/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = open_store(str(tmp_path_factory.mktemp("browser") / "public.db"))
    with live_server(store) as base:
        yield base, store
    store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_chromium()
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _context(browser, base: str, outside: list[str], problems: list[str]):  # type: ignore[no-untyped-def]
    """A context where every request is recorded, anything not from `base` is blocked (and noted),
    the neutral quick-exit site answers from a stub, and axe-core is served from `base`."""
    context = browser.new_context(viewport={"width": 390, "height": 844})

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith(NEUTRAL):
            route.fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>")
        elif url == f"{base}/__test__/axe.min.js":
            route.fulfill(status=200, content_type="application/javascript", body=AXE.read_text())
        elif url.startswith(base + "/"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", handle)
    context.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return context


def _axe_serious(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(url=f"{base}/__test__/axe.min.js")
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations.map(v => "
        "({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['targets'][:3]}" for v in violations
            if v["impact"] in ("serious", "critical")]  # fmt: skip


def test_every_page_renders_locally_and_passes_axe(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    outside: list[str] = []
    problems: list[str] = []
    context = _context(browser, base, outside, problems)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    failures: list[str] = []
    for path in PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert page.locator("#quick-exit").is_visible(), path
        assert page.locator("h1").count() == 1
        failures += [f"{path}: {v}" for v in _axe_serious(page, base)]
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"public-{name}.png"), full_page=True)
    assert context.cookies() == []
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert failures == []


def test_quick_exit_leaves_and_replaces_the_history_entry(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    outside: list[str] = []
    context = _context(browser, base, outside, [])
    page = context.new_page()
    page.goto(base + "/")
    page.goto(base + "/learn/what-to-do")
    length = page.evaluate("history.length")
    page.click("#quick-exit")
    page.wait_for_url(NEUTRAL + "**")
    assert page.evaluate("history.length") == length  # replaced, not added
    page.go_back()
    assert page.url == base + "/"  # Back skips the page that was open
    page.goto(base + "/report")
    page.fill("#what_seen", "half-typed words")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL + "**")
    context.close()
    assert outside == []


def _count(store: Store) -> int:
    with store.connect() as conn:
        return count_tips(conn)


def test_hotel_form_errors_keep_input_and_double_submit_makes_one_tip(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, store = server
    before = _count(store)
    outside: list[str] = []
    context = _context(browser, base, outside, [])
    page = context.new_page()
    page.goto(base + "/report/hotel?role=housekeeping")
    assert page.is_checked("#role-housekeeping")
    page.check("#sign-dnd_refuse")
    page.fill("#what_seen", "too short")
    page.fill("#city", "Dallas")
    page.select_option("#state", "TX")
    page.fill("#phones", "214-555-0134, 555")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.locator("#what_seen-error").is_visible() and page.locator("#phones-error").is_visible()
    assert page.locator("#seen_on-error").is_visible()
    assert page.input_value("#what_seen") == "too short" and page.input_value("#city") == "Dallas"
    assert page.is_checked("#sign-dnd_refuse") and page.input_value("#state") == "TX"
    assert page.get_attribute("#phones", "aria-invalid") == "true"
    page.fill("#what_seen", "A girl of about 15 was kept in room 214 for three nights; many visitors came.")
    page.fill("#phones", "214-555-0134")
    page.fill("#seen_on", "2026-05-01")
    page.fill("#room", "214")
    page.dblclick("button[type=submit]")
    page.wait_for_selector(".reference")
    assert re.fullmatch(r"T-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text(".reference"))
    page.screenshot(path=str(ARTIFACTS / "public-tip-sent.png"), full_page=True)
    assert context.cookies() == []
    context.close()
    assert _count(store) == before + 1
    with store.connect() as conn:
        newest = list_tips(conn, limit=1, with_matches=False)[0]
    assert newest.role == "housekeeping" and newest.phones == ("+12145550134",) and newest.room == "214"
    assert outside == []


def test_share_summary_prints_on_one_page(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    context = _context(browser, base, [], [])
    page = context.new_page()
    page.goto(base + "/share")
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter")
    context.close()
    (ARTIFACTS / "public-share.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
