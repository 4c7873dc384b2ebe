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
    assert prices.VERSION == "2"


# Tables per failure pattern (invented text): (text, [(amount, minutes, unit as written)]).
AMOUNTS = [60, 80, 100, 120, 150, 160, 180, 200, 220, 250, 300, 350]
ABBREVIATIONS = {"HH": 30, "hh": 30, "Hh": 30, "QV": 15, "Qv": 15, "qv": 15, "H": 60, "hr": 60}


def _glued() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """Units glued or dashed onto the amount: "HH120", "Qv-60", "120hh"."""
    cases = []
    for k, (unit, minutes) in enumerate(ABBREVIATIONS.items()):
        for j, form in enumerate(["{u}{a}", "{u}-{a}", "{a}{u}", "{a}-{u}"]):
            amount = AMOUNTS[(k + j) % len(AMOUNTS)]
            written = form.format(u=unit, a=amount)
            cases.append((f"Specials today {written} incall only", [(amount, minutes, unit)]))
    return cases


def _after_colon_or_dot() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """Amounts right after ":" or ".": "hh:150", "HH.120", "Rates:200"."""
    cases = []
    for k, amount in enumerate(AMOUNTS * 3):
        unit, minutes = [("hh", 30), ("hr", 60), ("qv", 15)][k % 3]
        sep = [":", ".", ": ", "."][k % 4]
        cases.append((f"New girl {unit}{sep}{amount} ask about specials", [(amount, minutes, unit)]))
    return cases


def _spellings() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """Unit spellings: hhr, hf, ss, fh, qq, hr., hour, half hour."""
    spellings = {"hhr": 30, "hf": 30, "ss": None, "fh": 60, "qq": 15, "hr": 60, "hour": 60, "half hour": 30}
    cases = []
    for k, (unit, minutes) in enumerate(spellings.items()):
        for j in range(4):
            amount = AMOUNTS[(k * 3 + j) % len(AMOUNTS)]
            text = [f"{amount} {unit}", f"${amount}/{unit}", f"{unit} {amount}", f"${amount} per {unit}."][j]
            cases.append((f"Sweet & fun :) {text} call first", [(amount, minutes, unit)]))
    return cases


def _small_amounts() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """Amounts under 40 that a rate unit makes a price: "$30 qv", "25 qq", "qv 35"."""
    cases = []
    for k in range(32):
        amount = 20 + k % 20
        unit, minutes = [("qv", 15), ("qq", 15), ("QV", 15), ("hh", 30)][k % 4]
        text = [f"${amount} {unit}", f"{amount} {unit}", f"{unit} {amount}", f"{unit}-{amount}"][k // 8 % 4]
        cases.append((f"Quick stop {text} only", [(amount, minutes, unit)]))
    return cases


def _unit_after_money() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """A unit after "roses" or "$": "150 roses/hr", "$150 an hour", "200$ per hour"."""
    forms = [
        "{a} roses/hr",
        "{a} roses per hour",
        "${a} an hour",
        "${a} per hour",
        "{a}$ /hr",
        "{a} roses hh",
    ]
    cases = []
    for k in range(36):
        amount = AMOUNTS[k % len(AMOUNTS)]
        form = forms[k % len(forms)]
        written = "hh" if form.endswith("hh") else ("hr" if form.endswith("hr") else "hour")
        minutes = 30 if written == "hh" else 60
        cases.append((f"Donations: {form.format(a=amount)}, no rush", [(amount, minutes, written)]))
    return cases


def _durations() -> list[tuple[str, list[tuple[int, int | None, str]]]]:
    """Multi-hour, 45/90-minute and overnight: "2hrs 380", "45min $120", "$900 overnight"."""
    durations = {"45min": 45, "45 min": 45, "90 min": 90, "90mins": 90, "2hrs": 120, "2 hours": 120,
                 "3hrs": 180, "1.5 hours": 90, "overnight": None, "1hr": 60}  # fmt: skip
    cases = []
    for k, (written, minutes) in enumerate(durations.items()):
        for j in range(3):
            amount = AMOUNTS[(k + j * 4) % len(AMOUNTS)] * (3 if minutes is None or minutes > 60 else 1)
            text = [f"{written} {amount}", f"{written} ${amount}", f"${amount} {written}"][j]
            cases.append((f"Extended dates welcome, {text}", [(amount, minutes, written)]))
    return cases


PATTERNS = {
    "glued": _glued(),
    "after_colon_or_dot": _after_colon_or_dot(),
    "spellings": _spellings(),
    "small_amounts": _small_amounts(),
    "unit_after_money": _unit_after_money(),
    "durations": _durations(),
}


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_each_price_pattern_table_has_30_cases_and_passes(pattern: str) -> None:
    cases = PATTERNS[pattern]
    assert len(cases) >= 30
    for text, expected in cases:
        spans = find_prices(text)
        got = [(int(s.value), s.attrs["minutes"], s.attrs["unit_text"]) for s in spans]
        assert got == expected, text
        for s in spans:
            assert text[s.start : s.end] == s.raw


@pytest.mark.parametrize(
    "text",
    ["available 24hr", "open 24 hours", "5 min away", "I-35 exit 20", "code abc123", "$20 off today",
     "30 min drive from downtown", "2 hrs from the city", "call after 9:30"],
)  # fmt: skip
def test_durations_and_codes_alone_are_not_prices(text: str) -> None:
    assert find_prices(text) == []
