"""English and Spanish kept in step: the same pages, the same numbers, the same links; plain words for
the young person's page (a readability score, not a guess).

The Spanish was written by the project and awaits review by a native speaker (docs/public-side.md);
these tests keep the two page sets from drifting apart, not the quality of the translation.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from pathlib import Path

import pytest
import textstat
import yaml
from fastapi.testclient import TestClient

from safeharbor.store import open_store
from safeharbor.tips.messages import MESSAGES
from safeharbor.tips.signs import APPARENT_AGES, ROLES, SIGNS
from safeharbor.web.app import create_app
from safeharbor.web.public.pages import CONTENT_DIR, learn_pages, pages
from tests.test_public_pages import PUBLIC_PAGES

STRINGS = Path(__file__).resolve().parent.parent / "src/safeharbor/web/public/strings"
PHONE = re.compile(r"\b1-\d{3}-\d{3}-\d{4}\b|\b233733\b|\b911\b")
NUMBER = re.compile(r"(?<![\w-])\d{3,}(?![\w-])")
BANNED_ES = ("prostituta infantil", "prostitución infantil", "niña prostituta", "escort adolescente")
MAX_GRADE = 8.0  # the young person's page: Flesch-Kincaid grade 8 or below
MIN_EASE_ES = 70.0  # Fernández-Huerta 70+ ("bastante fácil", about a 7th-grade reader)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(open_store(str(tmp_path_factory.mktemp("lang") / "lang.db"))))


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _links(html: str) -> Counter[str]:
    """Every link and form target on a page, with the Spanish prefix taken off ours."""
    found = re.findall(r'\b(?:href|action)="([^"]+)"', html)
    return Counter(re.sub(r"^/es(/|$)", r"/", link) for link in found)


def test_the_template_words_have_the_same_keys_in_both_languages() -> None:
    en = yaml.safe_load((STRINGS / "en.yaml").read_text(encoding="utf-8"))
    es = yaml.safe_load((STRINGS / "es.yaml").read_text(encoding="utf-8"))
    assert set(en) == set(es)
    for key, value in en.items():
        if isinstance(value, list):
            assert len(es[key]) == len(value), key
        elif isinstance(value, dict) and value:
            assert set(es[key]) == set(value), key
    assert set(es["signs"]) == set(SIGNS) and set(es["roles"]) == set(ROLES)
    assert set(es["ages"]) == set(APPARENT_AGES)
    assert set(MESSAGES["es"]) == set(MESSAGES["en"])


def test_every_content_page_has_a_spanish_twin_with_the_same_shape() -> None:
    english, spanish = pages("en"), pages("es")
    assert list(english) == list(spanish)  # same slugs, same reading order
    assert [p.slug for p in learn_pages("en")] == [p.slug for p in learn_pages("es")]
    for slug, page in english.items():
        twin = spanish[slug]
        assert twin.title != page.title, f"{slug} is not translated"
        assert [s.key for s in twin.sources] == [s.key for s in page.sources], slug
        assert [s["href"] for s in twin.next_steps] == [s["href"] for s in page.next_steps], slug
    assert sorted(p.name for p in (CONTENT_DIR / "es").glob("*.md")) == sorted(
        p.name for p in CONTENT_DIR.glob("*.md")
    )


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_spanish_twin_has_the_same_numbers_and_links(client: TestClient, path: str) -> None:
    en = client.get(path)
    es = client.get("/es" + path)
    assert en.status_code == es.status_code == 200
    assert '<html lang="es">' in es.text and f'hreflang="en" href="{escape(path)}"' in es.text
    assert f'hreflang="es" href="/es{escape(path)}"' in en.text
    # The same phone numbers, as often, and the same other numbers (years, statutes) in the page's words.
    assert Counter(PHONE.findall(es.text)) == Counter(PHONE.findall(en.text))
    assert sorted(set(NUMBER.findall(_main(es.text)))) == sorted(set(NUMBER.findall(_main(en.text))))
    # The same links, each in the page's own language (only the links to the English twin are not).
    assert _links(es.text) == _links(en.text)
    to_english = re.findall(r'(?<!hreflang="en" )\b(?:href|action)="/(?!es/|static/|/)[^"]*"', es.text)
    assert to_english == [], to_english
    lowered = es.text.lower()
    for term in BANNED_ES:  # a term to avoid may only appear quoted, as a term to avoid
        for m in re.finditer(re.escape(term), lowered):
            assert lowered[: m.start()].endswith(("&quot;", "&#34;", "“", '"')), f"{term!r} on /es{path}"


def _words(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).strip()


def test_the_young_persons_page_is_written_in_plain_words() -> None:
    english = pages("en")["for-you"]
    spanish = pages("es")["for-you"]
    grade = textstat.flesch_kincaid_grade(f"{english.summary} {_words(english.html)}")
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade}"
    textstat.set_lang("es")
    try:
        ease = textstat.fernandez_huerta(f"{spanish.summary} {_words(spanish.html)}")
    finally:
        textstat.set_lang("en_US")
    assert ease >= MIN_EASE_ES, f"Fernández-Huerta {ease}"


def test_the_young_person_is_sent_to_the_hotline_not_to_us(client: TestClient) -> None:
    home = client.get("/").text
    youth = re.search(r'<a class="youth-path" href="/for-you">(.*?)</a>', home, re.S)
    assert youth and "Are you under 18 and need help?" in youth.group(1)
    assert "You are not in trouble." in youth.group(1)
    assert "¿Tienes menos de 18 años" in client.get("/es/").text
    for path in ("/for-you", "/es/for-you"):
        html = _main(client.get(path).text)
        assert 'href="tel:+18883737888"' in html and 'href="sms:233733?&amp;body=HELP"' in html
        assert 'href="tel:911"' in html
        assert "<form" not in html  # nothing here sends a message to this site
    page = _main(client.get("/for-you").text)
    assert "What happens when you call" in page and "not your fault" in page
    assert "/for-you" in _main(client.get("/report").text)  # the tip form points a young person there
