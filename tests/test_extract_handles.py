"""Unit tests for the handle extractor: @handles, platform labels, bare names, emails excluded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeharbor.extract import handles
from safeharbor.extract.handles import find_handles
from safeharbor.types import Span


def found(text: str) -> list[tuple[str, str, str | None]]:
    return [(s.raw, s.value, s.attrs["platform"]) for s in find_handles(text)]


def test_module_names_itself_and_its_version() -> None:
    assert handles.EXTRACTOR == "handles"
    assert handles.VERSION == "2"


def test_labelled_handle_span_value_and_platform() -> None:
    text = "IG: @Candy_Rose22 for pics"
    assert find_handles(text) == [
        Span(start=4, end=17, raw="@Candy_Rose22", value="@Candy_Rose22", attrs={"platform": "instagram"})
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IG: @candy_rose", ("@candy_rose", "@candy_rose", "instagram")),
        ("insta @candy.rose", ("@candy.rose", "@candy.rose", "instagram")),
        ("Instagram - candy.rose", ("candy.rose", "@candy.rose", "instagram")),
        ("snap - candyrose", ("candyrose", "@candyrose", "snapchat")),
        ("sc: candyrose", ("candyrose", "@candyrose", "snapchat")),
        ("SC: CandyRose", ("CandyRose", "@CandyRose", "snapchat")),
        ("Snapchat candy_x", ("candy_x", "@candy_x", "snapchat")),
        ("snap me at CandyRose22", ("CandyRose22", "@CandyRose22", "snapchat")),
        ("kik me candyrose", ("candyrose", "@candyrose", "kik")),
        ("telegram @candyrose", ("@candyrose", "@candyrose", "telegram")),
        ("tg: @cnd_rose", ("@cnd_rose", "@cnd_rose", "telegram")),
        ("twitter: @CandyRose", ("@CandyRose", "@CandyRose", "twitter")),
        ("WhatsApp: candyrose", ("candyrose", "@candyrose", "whatsapp")),
        ("OF: candyxo", ("candyxo", "@candyxo", "onlyfans")),
        ("onlyfans.com/ no, onlyfans @candyxo", ("@candyxo", "@candyxo", "onlyfans")),
        ("find me @candy_rose on IG", ("@candy_rose", "@candy_rose", "instagram")),
        ("@candy_rose (snap)", ("@candy_rose", "@candy_rose", "snapchat")),
        ("follow @Candy.Rose.", ("@Candy.Rose", "@Candy.Rose", None)),
        ("hit up @candyrose＿ ok", ("@candyrose", "@candyrose", None)),
    ],
)
def test_handle_forms(text: str, expected: tuple[str, str, str | None]) -> None:
    assert found(text) == [expected]
    for s in find_handles(text):
        assert text[s.start : s.end] == s.raw


@pytest.mark.parametrize(
    "text",
    [
        "email candy@example.com",
        "candy @example.com",  # the domain of a spaced-out address
        "snap: candy at example dot com",  # the local part of an address
        "kik: candy(at)example(dot)com",
        "whatsapp 214-555-0134",  # a phone, not a handle
        "available @9pm for $200",
        "@200 special",
        "meet @ the hotel",
        "queen of hearts",
        "QUEEN OF HEARTS",  # "OF" without ":" is not OnlyFans
        "sc candy",  # short labels need ":" or "-"
        "snap me now",
        "WhatsApp me",
        "big night tonight, discreet screening",
        "",
    ],
)
def test_not_handles(text: str) -> None:
    assert find_handles(text) == []


def test_several_handles_in_text_order_without_duplicates() -> None:
    text = "IG: @candy_rose | snap: candysnap | @candy_rose"
    assert found(text) == [
        ("@candy_rose", "@candy_rose", "instagram"),
        ("candysnap", "@candysnap", "snapchat"),
        ("@candy_rose", "@candy_rose", None),
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"ab1 _.@:-IGsnapkicom", "snap", "IG", " at ", " dot ", "OF"]), max_size=30
    ).map("".join)
)
def test_any_text_gives_sorted_exact_non_overlapping_spans(text: str) -> None:
    spans = find_handles(text)
    for s in spans:
        assert text[s.start : s.end] == s.raw
        assert s.value.startswith("@") and s.value[1:] == s.raw.lstrip("@\uff20")
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
