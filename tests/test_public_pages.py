"""The public side over HTTP (FastAPI TestClient): pages, privacy headers, and the tip form end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safeharbor.store import open_store
from safeharbor.tips import count_tips, list_tips
from safeharbor.web.app import create_app
from safeharbor.web.public.pages import learn_pages

PUBLIC_PAGES = [
    "/", *[f"/learn/{p.slug}" for p in learn_pages()], "/hotels", "/get-help", "/privacy", "/sources",
    "/share", "/report", "/report/hotel", "/report/hotel?role=security",
]  # fmt: skip
BANNED = ("child prostitute", "underage sex worker", "teen escort", "child porn star")


@pytest.fixture()
def app_and_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(str(tmp_path / "public.db"))
    app = create_app(store)
    yield app, store
    store.dispose()


@pytest.fixture()
def client(app_and_store) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_and_store[0])


def token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def good_hotel_tip(form_token: str) -> dict[str, object]:
    return {
        "form_token": form_token,
        "role": "front_desk",
        "what_seen": "An older man paid cash for room 112 nightly; a girl of about 14 never spoke",
        "signs": ["cash_daily", "checked_in_by_adult"],
        "city": "Dallas",
        "state": "TX",
        "seen_on": "2026-05-01",
        "phones": "214-555-0134",
        "room": "112",
    }


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_renders_safely(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert 'id="quick-exit"' in html and 'href="https://www.weather.gov/"' in html
    assert "1-888-373-7888" in html and "911" in html
    assert "What to do next" in html
    assert html.count("<h1") == 1 and '<html lang="en">' in html
    # Nothing loaded from anywhere else, and nothing inline that the CSP would block.
    assert not re.search(r'<(script|img|iframe|link)[^>]+(src|href)="(https?:)?//', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\sstyle=|<style", html)
    lowered = html.lower()
    for term in BANNED:  # victim-centred words: a banned term may only appear quoted, as a term to avoid
        for m in re.finditer(re.escape(term), lowered):
            before = lowered[: m.start()]
            assert before.endswith(("&quot;", "&#34;", "“", '"')), f"{term!r} used unquoted on {path}"


def test_every_learn_page_names_sources(client: TestClient) -> None:
    for page in learn_pages():
        html = client.get(f"/learn/{page.slug}").text
        assert 'id="sources-heading"' in html, page.slug
    sources = client.get("/sources").text
    for name in ("18 U.S.C. § 1591", "Palermo", "Rights of the Child", "Luxembourg", "NCMEC", "Polaris"):
        assert name in sources


def test_static_files_and_unknown_page(client: TestClient) -> None:
    for name in ("public.css", "print.css", "quick-exit.js"):
        assert client.get(f"/static/public/{name}").status_code == 200
    assert "location.replace" in client.get("/static/public/quick-exit.js").text
    assert client.get("/learn/no-such-page").status_code == 404


def test_hotel_tip_is_stored_once_and_reporter_is_told_what_happens(
    client: TestClient, app_and_store
) -> None:  # type: ignore[no-untyped-def]
    _, store = app_and_store
    form = good_hotel_tip(token(client.get("/report/hotel").text))
    first = client.post("/report/hotel", data=form)
    assert first.status_code == 200, first.text
    assert "set-cookie" not in first.headers
    reference = re.search(r'class="reference">(T-[A-Z0-9-]+)<', first.text)
    assert reference and "What happens next" in first.text and "911" in first.text
    again = client.post("/report/hotel", data=form)  # a double submit: same form token
    assert again.status_code == 200 and reference.group(1) in again.text and "already been sent" in again.text
    with store.connect() as conn:
        assert count_tips(conn) == 1
        (tip,) = list_tips(conn, with_matches=False)
    assert tip.variant == "hotel" and tip.role == "front_desk" and tip.phones == ("+12145550134",)
    assert tip.signs == ("cash_daily", "checked_in_by_adult") and tip.room == "112"


def test_bad_input_shows_messages_next_to_fields_and_keeps_values(client: TestClient, app_and_store) -> None:  # type: ignore[no-untyped-def]
    form = good_hotel_tip(token(client.get("/report/hotel").text))
    form.update(
        {"what_seen": "short", "phones": "12345", "seen_on": "2999-01-01", "vehicle": "blue van, TX ABC"}
    )
    response = client.post("/report/hotel", data=form)
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html
    for field in ("what_seen", "phones", "seen_on"):
        assert f'id="{field}-error"' in html
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html) or re.search(
            rf'<textarea id="{field}"[^>]*aria-invalid="true"', html
        )
    assert ">short</textarea>" in html and 'value="blue van, TX ABC"' in html and 'value="12345"' in html
    assert 'id="role-front_desk" name="role" value="front_desk" checked' in html
    assert 'value="cash_daily" checked' in html and '<option value="TX" selected>' in html
    with app_and_store[1].connect() as conn:
        assert count_tips(conn) == 0


def test_forged_token_and_files_are_refused(client: TestClient, app_and_store) -> None:  # type: ignore[no-untyped-def]
    form = good_hotel_tip("forged.token.value")
    response = client.post("/report/hotel", data=form)
    assert response.status_code == 400 and "press Send again" in response.text
    assert "room 112 nightly" in response.text  # what was typed is kept
    public_token = token(client.get("/report").text)
    response = client.post("/report/hotel", data=good_hotel_tip(public_token))  # token of another form
    assert response.status_code == 400
    files = {"photo": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")}
    form = good_hotel_tip(token(client.get("/report/hotel").text))
    response = client.post("/report/hotel", data=form, files=files)
    assert response.status_code == 422 and "do not accept photos" in response.text
    big = good_hotel_tip(token(client.get("/report/hotel").text)) | {"what_seen": "x" * 70_000}
    assert client.post("/report/hotel", data=big).status_code == 413
    with app_and_store[1].connect() as conn:
        assert count_tips(conn) == 0


def test_tip_endpoint_is_rate_limited_without_storing_the_address(
    client: TestClient, app_and_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app, store = app_and_store
    limit = app.state.tip_rate_limiter.per_client
    for _ in range(limit):
        assert (
            client.post(
                "/report/hotel", data=good_hotel_tip(token(client.get("/report/hotel").text))
            ).status_code
            == 200
        )
    blocked = client.post("/report/hotel", data=good_hotel_tip(token(client.get("/report/hotel").text)))
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "1-888-373-7888" in blocked.text and "room 112 nightly" in blocked.text
    with store.connect() as conn:
        assert count_tips(conn) == limit
    store.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("public.db*"))
    assert b"testclient" not in raw  # the TestClient's client address never reaches the database


def test_share_page_has_plain_link_and_print_styles(client: TestClient) -> None:
    html = client.get("/share").text
    assert 'value="http://testserver/"' in html and "one-pager" in html
    assert 'media="print"' in html
    assert ".one-pager" in client.get("/static/public/print.css").text


def test_unknown_public_address_gets_a_readable_page_and_api_stays_json(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from safeharbor.store import open_store
    from safeharbor.web.app import create_app

    client = TestClient(create_app(open_store(str(tmp_path / "nf.db"))))
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and "Page not found" in page.text and "Quick exit" in page.text
    assert "set-cookie" not in page.headers
    api = client.get("/api/nothing-here", headers={"accept": "application/json"})
    assert api.status_code in (401, 403, 404) and api.headers["content-type"].startswith("application/json")
