"""prices.find_prices: amounts with units, and numbers that are not prices."""

from __future__ import annotations

import pytest

from safeharbor.extract import prices
from safeharbor.extract.prices import find_prices

POSITIVE: list[tuple[str, list[tuple[str, str | None]]]] = [
    ("$200/hr", [("200", "hour")]),
    ("150 hh", [("150", "half_hour")]),
    ("200 per hour", [("200", "hour")]),
    ("$200 an hour", [("200", "hour")]),
    ("$300 overnight", [("300", "overnight")]),
    ("$1,000 overnight", [("1000", "overnight")]),
    ("roses: 200", [("200", None)]),
    ("200 roses", [("200", None)]),
    ("donation 150", [("150", None)]),
    ("$80", [("80", None)]),
    ("200$", [("200", None)]),
    ("$100 qv", [("100", "quarter_hour")]),
    ("100 for 30 min", [("100", "half_hour")]),
    ("$150 half hour", [("150", "half_hour")]),
    ("1hr $200", [("200", "hour")]),
    ("30 min - 100", [("100", "half_hour")]),
    ("$250 1hr", [("250", "hour")]),
    ("$400 session", [("400", "session")]),
    ("hh 150 hr 250", [("150", "half_hour"), ("250", "hour")]),
    ("150hh/250hr", [("150", "half_hour"), ("250", "hour")]),
    ("Rates: 150hh 250hr", [("150", "half_hour"), ("250", "hour")]),
    ("hh: $150, hr: $220, ovn: $900", [("150", "half_hour"), ("220", "hour"), ("900", "overnight")]),
]

NEGATIVE: list[str] = [
    "open 24/7",
    "available 24 hours",
    "available 24hr",
    "5 min away",
    "100% real",
    "open 10-2",
    "214-555-0134",
    "(214) 555 0134",
    "call 214.555.0134",
    "I'm 19 yrs",
    "since 2019",
    "3/15/2026",
    "$20 off",
    "5'6 and 130 lbs",
    "",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_finds_prices(text: str, expected: list[tuple[str, str | None]]) -> None:
    spans = find_prices(text)
    assert [(s.value, s.attrs["unit"]) for s in spans] == expected
    for s in spans:
        assert text[s.start : s.end] == s.raw
        assert s.attrs["currency"] == "USD"


@pytest.mark.parametrize("text", NEGATIVE)
def test_ignores_numbers_that_are_not_prices(text: str) -> None:
    assert find_prices(text) == []


def test_unit_names() -> None:
    assert prices.unit_of("HH") == "half_hour"
    assert prices.unit_of("1 hour") == "hour"
    assert prices.unit_of("all night") == "overnight"
    assert prices.unit_of("QV") == "quarter_hour"
    assert prices.unit_of(None) is None


def test_module_identity() -> None:
    assert prices.EXTRACTOR == "prices"
    assert prices.VERSION == "1"
