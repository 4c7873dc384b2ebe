"""ages.find_ages: table of stated ages and of numbers that only look like ages."""

from __future__ import annotations

import pytest

from safeharbor.extract import ages
from safeharbor.extract.ages import find_ages

POSITIVE: list[tuple[str, list[str]]] = [
    ("19 yrs", ["19"]),
    ("19yo", ["19"]),
    ("19 y/o", ["19"]),
    ("19 y.o. and sweet", ["19"]),
    ("age 19", ["19"]),
    ("Age: 19", ["19"]),
    ("AGE - 22", ["22"]),
    ("aged 24", ["24"]),
    ("I'm 19", ["19"]),
    ("I\u2019m 20 and new in town", ["20"]),
    ("im 23 and fun", ["23"]),
    ("I am 21", ["21"]),
    ("nineteen years old", ["19"]),
    ("twenty-one yrs", ["21"]),
    ("I am twenty two", ["22"]),
    ("Age: eighteen", ["18"]),
    ("19 years young", ["19"]),
    ("Candy (19) new in town", ["19"]),
    ("just turned 19", ["19"]),
    ("21yrs old", ["21"]),
    ("a 20-year-old sweetheart", ["20"]),
    ("<b>19</b> yrs old", ["19"]),
    ("Sweet Mia - 22 - Dallas", ["22"]),
    ("New in town | 21", ["21"]),
    ("Kiki 19yo and Lola 23 yrs", ["19", "23"]),
    ("I'm 17", ["17"]),
    ("age 15", ["15"]),
    ("45 years old and classy", ["45"]),
    ("Crystal 18, sweet & classy", ["18"]),
    ("Zoe 18 here, laid back", ["18"]),
    ("Fun Aurora 31", ["31"]),
    ("Goldie (20) here", ["20"]),
    ("Goldie nineteen, charming", ["19"]),
    ("Welcome\n\nI'm Misty age 18, charming", ["18"]),
]

NEGATIVE: list[str] = [
    "open 24/7",
    "available 24 hours",
    "5 min away",
    "$200",
    "open 10-2",
    "100% real",
    "214-555-0134",
    "call (214) 555-0134 now",
    "since 2019",
    "5'6 and 130 lbs",
    "12/19/2025",
    "20 years of experience",
    "10 years in business",
    "I'm 5'4 and 34dd",
    "I'm 100% real",
    "I'm 30 min away",
    "age 75",
    "150 hh 250 hr",
    "open 9:30 to 11",
    "Suite 20, Main St",
    "Open 10am-10pm",
    "",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_finds_stated_ages(text: str, expected: list[str]) -> None:
    spans = find_ages(text)
    assert [s.value for s in spans] == expected
    for s in spans:
        assert text[s.start : s.end] == s.raw
        assert s.attrs["form"]


@pytest.mark.parametrize("text", NEGATIVE)
def test_ignores_numbers_that_are_not_ages(text: str) -> None:
    assert find_ages(text) == []


def test_spans_are_in_text_order_and_do_not_overlap() -> None:
    text = "Age: 19 (19) nineteen years old, just turned 19 - 19yo"
    spans = find_ages(text)
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    assert {s.value for s in spans} == {"19"}


def test_module_identity() -> None:
    assert ages.EXTRACTOR == "ages"
    assert ages.VERSION == "2"
