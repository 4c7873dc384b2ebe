"""Unit tests for the email extractor: plain and spelled-out addresses, prose that is no address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeharbor.extract import emails
from safeharbor.extract.emails import find_emails
from safeharbor.types import Span


def test_module_names_itself_and_its_version() -> None:
    assert emails.EXTRACTOR == "emails"
    assert emails.VERSION == "1"


def test_plain_address_span_and_value() -> None:
    text = "email Candy.Rose@Example.COM today"
    assert find_emails(text) == [
        Span(
            start=6,
            end=28,
            raw="Candy.Rose@Example.COM",
            value="candy.rose@example.com",
            attrs={"obfuscated": False},
        )
    ]


@pytest.mark.parametrize(
    ("text", "raw", "value"),
    [
        ("mail candy22 at gmail dot com ok", "candy22 at gmail dot com", "candy22@gmail.com"),
        ("candy22(at)example(dot)com", "candy22(at)example(dot)com", "candy22@example.com"),
        ("candy22 [at] example [dot] com", "candy22 [at] example [dot] com", "candy22@example.com"),
        ("candy22 {at} example {dot} net", "candy22 {at} example {dot} net", "candy22@example.net"),
        ("candy22 <at> example <dot> org", "candy22 <at> example <dot> org", "candy22@example.org"),
        ("candy22 @ example . com", "candy22 @ example . com", "candy22@example.com"),
        ("candy22 AT example DOT com", "candy22 AT example DOT com", "candy22@example.com"),
        ("candy22 at example.com", "candy22 at example.com", "candy22@example.com"),
        ("candy22@example dot com", "candy22@example dot com", "candy22@example.com"),
        ("candy22&#64;example.com", "candy22&#64;example.com", "candy22@example.com"),
        ("candy22\uff20example.com", "candy22\uff20example.com", "candy22@example.com"),
        (
            "candy_22 at mail dot example dot org",
            "candy_22 at mail dot example dot org",
            "candy_22@mail.example.org",
        ),
        ("reach me at candy22 at gmail dot com", "candy22 at gmail dot com", "candy22@gmail.com"),
        ("Email: lexi.rose@example.net, text first", "lexi.rose@example.net", "lexi.rose@example.net"),
        ("lexi@example.org.", "lexi@example.org", "lexi@example.org"),
    ],
)
def test_obfuscated_forms(text: str, raw: str, value: str) -> None:
    (span,) = find_emails(text)
    assert (span.raw, span.value) == (raw, value)
    assert text[span.start : span.end] == span.raw
    assert span.attrs["obfuscated"] is ("@" not in raw or " " in raw)


@pytest.mark.parametrize(
    "text",
    [
        "meet at the hotel",
        "available at 5 pm",
        "I'm at home.Call me",
        "see me at example dot com",  # "me" is prose, not a local part
        "staying at hotels dot com this week",
        "come at 9. com on",
        "in town at Motel.6",
        "follow @candy.rose",  # a handle with a dot, not an address
        "x@y",
        "rates: 2 at 200 dot com",
        "arriving at dallas dot tomorrow",
        "price @ $200",
    ],
)
def test_prose_is_not_an_address(text: str) -> None:
    assert find_emails(text) == []


def test_several_addresses_in_order() -> None:
    text = "a1@example.com or b2 at example dot org, c3(at)example(dot)net"
    assert [s.value for s in find_emails(text)] == ["a1@example.com", "b2@example.org", "c3@example.net"]


def test_helpers_used_by_the_handle_extractor() -> None:
    text = "kik: candy at example dot com"
    assert emails.email_starting_at(text, 5) is not None
    assert emails.email_around_at(text, text.index(" at") + 1) is not None
    assert emails.email_starting_at(text, 0) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 .@()[]-_&#64;tdoATcm")), max_size=60))
def test_any_text_gives_sorted_exact_non_overlapping_spans(text: str) -> None:
    spans = find_emails(text)
    for s in spans:
        assert text[s.start : s.end] == s.raw
        assert s.value == s.value.lower() and s.value.count("@") == 1
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
