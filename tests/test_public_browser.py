"""The public side in Chromium: pages load only from 127.0.0.1, pass axe-core, help in the first screen,
quick exit that Back cannot undo, the young person's way in, English and Spanish, the tip form.

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
PAGES = ["/", "/for-you", *[f"/learn/{p.slug}" for p in learn_pages()], "/hotels", "/get-help", "/privacy",
         "/sources", "/share", "/report", "/report/hotel", "/report/hotel?role=security",
         "/report/sent?ref=T-2345-6789&form=public"]  # fmt: skip
NEUTRAL = "https://www.weather.gov/"
BEFORE = "https://www.example.org/"  # where the reader was before coming to the site
PHONE = re.compile(r"\b1-\d{3}-\d{3}-\d{4}\b|\b233733\b|\b911\b")
PHONE_SIZE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


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


def _context(browser, base: str, outside: list[str], problems: list[str], viewport=PHONE_SIZE, **options):  # type: ignore[no-untyped-def]
    """A context where every request is recorded, anything not from `base` is blocked (and noted),
    the neutral quick-exit site and the page before the visit answer from stubs, and axe-core is served
    from `base`."""
    context = browser.new_context(viewport=viewport, **options)

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith(NEUTRAL):
            route.fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>")
        elif url.startswith(BEFORE):
            route.fulfill(status=200, content_type="text/html", body="<title>Before</title><h1>Before</h1>")
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
    for english in PAGES:
        numbers: list[list[str]] = []
        for path in (english, "/es" + english):
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            assert page.locator("#quick-exit").is_visible(), path
            assert page.locator("h1").count() == 1
            assert page.get_attribute("html", "lang") == ("es" if path.startswith("/es/") else "en")
            numbers.append(sorted(PHONE.findall(page.inner_text("body"))))
            failures += [f"{path}: {v}" for v in _axe_serious(page, base)]
            name = path.strip("/").replace("/", "-").split("?")[0] or "home"
            page.screenshot(path=str(ARTIFACTS / f"public-{name}.png"), full_page=True)
        assert numbers[0] == numbers[1], f"{english}: the Spanish page's numbers differ"
    assert context.cookies() == []
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert failures == []


def _visible_in_first_screen(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    if not box or not size or not page.locator(selector).first.is_visible():
        return False
    inside_height = box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
    return bool(inside_height and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


HELP = ('a[href="tel:+18883737888"]', 'a[href="sms:233733"]', 'a[href="tel:911"]', "#quick-exit")


SCREENS = [{"width": 320, "height": 568}, PHONE_SIZE, {"width": 430, "height": 932}, DESKTOP]


@pytest.mark.parametrize("viewport", SCREENS, ids=lambda v: f"{v['width']}px")
def test_help_is_in_the_first_screen_and_stays_there(server, browser, viewport) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    context = _context(browser, base, [], [], viewport=viewport)
    page = context.new_page()
    missing: list[str] = []
    for path in [*PAGES, *("/es" + p for p in PAGES)]:
        page.goto(base + path)
        missing += [f"{path}: {s}" for s in HELP if not _visible_in_first_screen(page, s)]
        page.mouse.wheel(0, 1500)  # the bar stays in reach after scrolling down
        page.wait_for_timeout(50)
        missing += [f"{path} (scrolled): {s}" for s in HELP if not _visible_in_first_screen(page, s)]
    page.goto(base + "/")
    assert _visible_in_first_screen(page, ".youth-path"), (
        "the young person's way in is below the first screen"
    )
    page.screenshot(path=str(ARTIFACTS / f"public-first-screen-{viewport['width']}.png"))
    context.close()
    assert missing == []


@pytest.mark.parametrize("viewport", [PHONE_SIZE, DESKTOP], ids=["390px", "1366px"])
def test_the_young_persons_page_is_one_tap_from_home(server, browser, viewport) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    context = _context(browser, base, [], [], viewport=viewport)
    page = context.new_page()
    for home, youth in (("/", "/for-you"), ("/es/", "/es/for-you")):
        page.goto(base + home)
        page.click(".youth-path")
        page.wait_for_url(base + youth)
        assert _visible_in_first_screen(page, '.big-actions a[href="tel:+18883737888"]')
        assert _visible_in_first_screen(page, '.big-actions a[href^="sms:233733"]')
    page.screenshot(path=str(ARTIFACTS / f"public-for-you-{viewport['width']}.png"), full_page=True)
    context.close()


def _back_never_shows_the_site(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Press Back until there is nothing left; every page shown on the way (none may be ours)."""
    shown = []
    for _ in range(10):
        if page.go_back() is None:
            break
        shown.append(page.url)
    return shown


@pytest.mark.parametrize("viewport", [PHONE_SIZE, DESKTOP], ids=["390px", "1366px"])
def test_quick_exit_then_back_never_shows_the_site(server, browser, viewport) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    outside: list[str] = []
    context = _context(browser, base, outside, [], viewport=viewport)
    page = context.new_page()
    page.goto(BEFORE)
    page.goto(base + "/")
    page.click(".nav-list a[href='/learn/what-to-do']")  # Home -> What to do
    page.wait_for_url(base + "/learn/what-to-do")
    page.click(".lang-switch")  # to Spanish, in place
    page.wait_for_url(base + "/es/learn/what-to-do")
    length = page.evaluate("history.length")
    page.click("#quick-exit")
    page.wait_for_url(NEUTRAL + "**")
    assert page.evaluate("history.length") == length  # replaced, not added
    shown = _back_never_shows_the_site(page, base)
    assert shown and shown[0] == BEFORE and not [u for u in shown if u.startswith(base)], shown

    # The hotel form: job step, a mistake, the tip sent, then Esc. Back still goes to where they were.
    page.goto(BEFORE)
    page.goto(base + "/report/hotel")
    page.check("#role-housekeeping")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/report/hotel?role=housekeeping")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    page.fill(
        "#what_seen", "A girl of about 15 kept in a room for days; she looked scared of the man with her."
    )
    page.fill("#city", "Dallas")
    page.select_option("#state", "TX")
    page.fill("#seen_on", "2026-05-02")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/report/sent?**")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL + "**")
    shown = _back_never_shows_the_site(page, base)
    assert shown and shown[0] == BEFORE and not [u for u in shown if u.startswith(base)], shown
    context.close()
    assert outside == []


def test_quick_exit_works_without_javascript(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    context = _context(browser, base, [], [], java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/report")
    page.click("#quick-exit")
    page.wait_for_url(NEUTRAL + "**")
    context.close()


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
    assert page.locator("input[name=role]").input_value() == "housekeeping"
    page.check("#sign-dnd_refuse")
    page.fill("#what_seen", "too short")
    page.fill("#city", "Dallas")
    page.select_option("#state", "TX")
    page.click("#identify summary")
    page.fill("#phones", "214-555-0134, 555")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    page.wait_for_function("document.activeElement.id === 'error-summary'", timeout=5000)  # focus moves there
    assert page.get_attribute("#error-summary", "role") == "alert"  # and it is announced
    assert page.locator("#what_seen-error").is_visible() and page.locator("#phones-error").is_visible()
    assert page.locator("#seen_on-error").is_visible()
    assert page.input_value("#what_seen") == "too short" and page.input_value("#city") == "Dallas"
    assert page.is_checked("#sign-dnd_refuse") and page.input_value("#state") == "TX"
    assert page.get_attribute("#phones", "aria-invalid") == "true"
    page.fill("#what_seen", "A girl of about 15 was kept in room 214 for three nights; many visitors came.")
    page.fill("#phones", "two one four, five five five, zero one three four")
    page.fill("#seen_on", "2026-05-01")
    page.fill("#room", "214")
    page.dblclick("button[type=submit]")
    page.wait_for_url(base + "/report/sent?**")  # POST-redirect-GET: reloading asks nothing
    page.wait_for_selector(".reference")
    page.reload()
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


@pytest.mark.parametrize("lang", ["", "/es"])
def test_hotel_form_for_one_role_is_short_on_a_phone(server, browser, lang: str) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    context = _context(browser, base, [], [])
    page = context.new_page()
    heights = {}
    for role in ("front_desk", "housekeeping", "security", "food_service", "other"):
        page.goto(f"{base}{lang}/report/hotel?role={role}")
        heights[role] = page.evaluate(
            "document.querySelector('form.tip-form').getBoundingClientRect().height"
        )
    page.screenshot(path=str(ARTIFACTS / f"public-hotel-form{lang.replace('/', '-')}.png"), full_page=True)
    context.close()
    assert max(heights.values()) < 2000, heights


def test_without_javascript_the_form_steps_and_errors_still_work(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, store = server
    before = _count(store)
    context = _context(browser, base, [], [], java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/es/report/hotel")
    page.check("#role-security")
    page.click("button[type=submit]")  # the job step is a plain GET form
    page.wait_for_url(base + "/es/report/hotel?role=security")
    assert page.locator("#sign-room_traffic").count() == 1 and page.locator("#sign-dnd_refuse").count() == 0
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    page.wait_for_selector("#error-summary:focus", timeout=5000)  # autofocus, no script needed
    page.fill(
        "#what_seen", "Un adulto vigilaba a una chica de unos 14 años en el estacionamiento toda la noche."
    )
    page.fill("#city", "Houston")
    page.select_option("#state", "TX")
    page.fill("#seen_on", "2026-05-03")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/es/report/sent?**")  # a GET page: Back and reload never re-send
    assert "Su número de referencia" in page.inner_text("main")
    context.close()
    assert _count(store) == before + 1
