"""Unit tests for the phone extractor: interface, spans, choices between competing readings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeharbor.extract import phones
from safeharbor.extract.phones import find_phones
from safeharbor.types import Span


def values(text: str) -> list[str]:
    return [s.value for s in find_phones(text)]


def test_module_names_itself_and_its_version() -> None:
    assert phones.EXTRACTOR == "phones"
    assert phones.VERSION == "2"


def test_plain_number_gives_e164_value_exact_span_and_attrs() -> None:
    text = "Call Candy 214-555-0134 now"
    assert find_phones(text) == [
        Span(
            start=11,
            end=23,
            raw="214-555-0134",
            value="+12145550134",
            attrs={"obfuscated": False, "style": "plain"},
        )
    ]


def test_several_numbers_come_back_in_text_order_without_overlap() -> None:
    text = "cell: 469-555-0199 / 214.555.0134, or text two one four five five five zero one three five"
    spans = find_phones(text)
    assert [s.value for s in spans] == ["+14695550199", "+12145550134", "+12145550135"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert all(text[s.start : s.end] == s.raw for s in spans)


def test_same_number_twice_is_reported_at_each_place() -> None:
    spans = find_phones("214-555-0134 ... call 214-555-0134")
    assert [s.start for s in spans] == [0, 22]


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("call (214) 555-0134", "(214) 555-0134"),
        ("call +1 214 555 0134!", "+1 214 555 0134"),
        ("tel:+12145550134", "+12145550134"),
        ("1-214-555-0134 anytime", "1-214-555-0134"),
        ("(214) 555-0134)", "(214) 555-0134"),
    ],
)
def test_span_keeps_parenthesis_and_plus_prefix(text: str, raw: str) -> None:
    (span,) = find_phones(text)
    assert span.raw == raw
    assert span.value == "+12145550134"


@pytest.mark.parametrize(
    "text",
    [
        "I 214 555 0134",  # the pronoun is not a look-alike 1
        "one 214 555 0134",  # nor is the word "one" before digits
        "05/01/2026 214-555-0134",  # a date must not swallow the area code
        "age 21 2145550134",
        "75201 214 555 0134",
        "$200 214-555-0134 24/7",
        "rates: 250/300<br><br>214 555 0134",
    ],
)
def test_neighbouring_numbers_do_not_change_the_phone(text: str) -> None:
    (span,) = find_phones(text)
    assert span.value == "+12145550134"
    assert span.raw.startswith("214") and span.raw.endswith("0134")


def test_regrouped_number_next_to_another_is_read_by_its_own_separator() -> None:
    text = "📱4.435.550.127 | 2nd line 4105550174"
    assert values(text) == ["+14435550127", "+14105550174"]


def test_tightly_written_reading_beats_one_that_borrows_a_price() -> None:
    assert values("Donation $250 | ☎️ 480five 5 50 one 0 6") == ["+14805550106"]


def test_number_that_fails_validation_is_dropped() -> None:
    assert values("call 123-456-7890") == []  # area code 123 does not exist
    assert values("call 214-055-0134") == []  # exchange cannot start with 0


def test_canadian_numbers_validate() -> None:
    assert values("Toronto 416-555-0134") == ["+14165550134"]


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("214-555-0134", "plain"),
        ("214 . 555 . 0134", "separators"),
        ("2 1 4 5 5 5 0 1 3 4", "spaced"),
        ("two one four five five five oh one three four", "words"),
        ("2one4 555 O1three4", "mixed_words"),
        ("2l4 555 Ol34", "lookalike"),
        ("214💋555💋0134", "symbols"),
        (
            "2\ufe0f\u20e31\ufe0f\u20e34\ufe0f\u20e35\ufe0f\u20e35\ufe0f\u20e35\ufe0f\u20e30\ufe0f\u20e31\ufe0f\u20e33\ufe0f\u20e34\ufe0f\u20e3",
            "keycap",
        ),
        ("２１４５５５０１３４", "unicode_digits"),
        ("214<b>555</b>0134", "html"),
        ("214 then 555 then 0134", "words_between"),
    ],
)
def test_style_names_how_the_number_was_hidden(text: str, style: str) -> None:
    (span,) = find_phones(text)
    assert span.attrs == {"obfuscated": style != "plain", "style": style}
    assert span.value == "+12145550134"


def test_digits_inside_html_entities_are_not_read() -> None:
    assert values("214&#8226;555&#8226;0134") == ["+12145550134"]


def test_words_inside_other_words_are_not_digits() -> None:
    assert values("phone someone, done: 214 555 0134") == ["+12145550134"]
    assert values("phone someone tone bone zone") == []


def test_empty_and_digit_free_text() -> None:
    assert find_phones("") == []
    assert find_phones("New in town, sweet and friendly, text me") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 -.()+Oolone<b>&;💋\ufe0f\u20e3２")), max_size=60))
def test_any_text_gives_sorted_exact_non_overlapping_spans(text: str) -> None:
    spans = find_phones(text)
    for s in spans:
        assert text[s.start : s.end] == s.raw
        if s.attrs.get("ambiguous") == "country":  # a national form, its country unknown
            assert s.value.isdigit() and s.value.startswith("0") and s.confidence <= 0.3
        else:
            assert s.value.startswith("+") and s.value[1:].isdigit()
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
