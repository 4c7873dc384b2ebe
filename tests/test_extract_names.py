"""names.find_names: working names from each phrasing, and ordinary words that must not be names."""

from __future__ import annotations

import pytest

from safeharbor.extract import names
from safeharbor.extract.names import find_names

POSITIVE: list[tuple[str, list[str], str]] = [
    ("I'm Candy", ["Candy"], "im"),
    ("Hi guys, I am Mia", ["Mia"], "im"),
    ("my name is Jade", ["Jade"], "my_name_is"),
    ("my name is jade", ["Jade"], "my_name_is"),
    ("Name: Roxy", ["Roxy"], "my_name_is"),
    ("ask for Bella", ["Bella"], "ask_for"),
    ("ASK FOR HONEY", ["Honey"], "ask_for"),
    ("call Lexi", ["Lexi"], "call"),
    ("Candy here", ["Candy"], "here"),
    ("Hey guys Kiki here!! \U0001f48b", ["Kiki"], "here"),
    ("- Mia & Jade -", ["Mia", "Jade"], "duo"),
    ("\U0001f48b Lola and Nova \U0001f48b", ["Lola", "Nova"], "duo"),
    ("see you soon\nxoxo Mia", ["Mia"], "signature"),
    ("kisses, Summer \U0001f495", ["Summer"], "signature"),
    ("call me now ~ Destiny", ["Destiny"], "signature"),
    ("they call me Peaches", ["Peaches"], "call_me"),
    ("I'M CANDY", ["Candy"], "im"),
    ("I'm Austin", ["Austin"], "im"),  # a city name, but a strong pattern
    ("Crystal 18 yrs, stunning", ["Crystal"], "name_age"),
    ("two of us: Yasmin age 19", ["Yasmin"], "name_age"),
    ("Hi fellas<br><br>Chanel, friendly &amp; discreet", ["Chanel"], "intro"),
    ("Good evening\nOlivia \u2726 charming \u2726 exotic", ["Olivia"], "intro"),
    ("ask about my friend: Ruby", ["Ruby"], "friend"),
    ("\U0001f48b Crystal \U0001f48b", ["Crystal"], "title"),
    ("Lacey ~ serious inquiries only", ["Lacey"], "title"),
    ("Sweet Hazel \u2728", ["Hazel"], "title"),
]

NEGATIVE: list[str] = [
    "I'm new",
    "I'm available",
    "I'm here",
    "I'm Latina",
    "I'm in Dallas",
    "I'm so sweet",
    "ask for details",
    "call now",
    "Call Me",
    "Call or text",
    "call 214-555-0134",
    "Click here",
    "New here",
    "Available here",
    "- Dallas",
    "Houston here",
    "- Dallas & Houston -",
    "honey, I'm waiting",
    "Name: call me",
    "Suite 20, Main St",
    "\u2728\u2728 NO RUSH \u2728\u2728",
    "Golden Spa - open late",
    "",
]


@pytest.mark.parametrize(("text", "expected", "pattern"), POSITIVE)
def test_finds_working_names(text: str, expected: list[str], pattern: str) -> None:
    spans = find_names(text)
    assert [s.value for s in spans] == expected
    for s in spans:
        assert text[s.start : s.end] == s.raw
        assert s.attrs["pattern"] == pattern


@pytest.mark.parametrize("text", NEGATIVE)
def test_ignores_common_words(text: str) -> None:
    assert find_names(text) == []


def test_names_in_a_longer_ad_in_text_order() -> None:
    text = "Hey gentlemen! I'm Candy, 21 yrs. Ask for Jade too. Call 214-555-0134\nxoxo Candy"
    spans = find_names(text)
    assert [s.value for s in spans] == ["Candy", "Jade", "Candy"]
    assert all(text[s.start : s.end] == s.raw for s in spans)


def test_module_identity() -> None:
    assert names.EXTRACTOR == "names"
    assert names.VERSION == "1"
