"""The tip form's rules one by one (tips/form.py): where a sighting was, which problem is shown first,
and how a date, a time and phone numbers are read. The whole form is covered in test_tips_domain.py."""

from __future__ import annotations

from datetime import date

import pytest

from safeharbor.tips import parse_tip_form
from safeharbor.tips.signs import Variant

TODAY = date(2026, 5, 10)
SEEN = "A young girl was brought to room 12 by an older man, many visitors through the night."


def form(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"role": "housekeeping", "what_seen": SEEN, "city": "Dallas", "state": "TX",
                               "seen_on": "2026-05-08"}  # fmt: skip
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("variant", "overrides", "errors"),
    [
        ("hotel", {"city": "", "state": ""}, ["city", "state"]),
        ("hotel", {"state": ""}, ["state"]),
        ("hotel", {"place": "Example Inn", "city": ""}, ["city"]),
        ("public", {"role": "", "state": ""}, ["city", "state"]),  # a city needs its state
        ("public", {"role": "", "city": "", "state": "", "place": "Example Inn"}, []),
        ("public", {"role": "", "city": "", "state": "", "online": "@someone_example"}, []),
        ("public", {"role": "", "city": "", "state": ""}, ["city"]),
        ("public", {"role": "", "city": "x" * 121, "state": ""}, ["city", "state"]),
    ],
)
def test_where_a_sighting_was(variant: Variant, overrides: dict[str, object], errors: list[str]) -> None:
    result = parse_tip_form(form(**overrides), variant=variant, today=TODAY)
    assert list(result.errors) == errors


def test_the_first_problem_with_a_field_is_the_one_shown() -> None:
    result = parse_tip_form(form(city="x" * 121, state=""), variant="hotel", today=TODAY)
    assert "120" in result.errors["city"]  # too long, not "which city"
    result = parse_tip_form(form(what_seen="y" * 4001), variant="hotel", today=TODAY)
    assert "4000" in result.errors["what_seen"]
    result = parse_tip_form(form(phones="9" * 301), variant="hotel", today=TODAY)
    assert "300" in result.errors["phones"]


def test_problems_come_in_form_order() -> None:
    result = parse_tip_form(
        form(
            role="",
            what_seen="",
            signs=["x"],
            apparent_age="x",
            state="ZZ",
            seen_on="",
            seen_time="x",
            phones="12345",
        ),  # fmt: skip
        variant="hotel",
        today=TODAY,
    )
    assert list(result.errors) == [
        "role", "what_seen", "signs", "apparent_age", "state", "seen_on", "seen_time", "phones",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "time", "ok"),
    [("9:05", "09:05", True), ("23:59", "23:59", True), ("00:00", "00:00", True), ("", None, True),
     ("24:00", None, False), ("9:5", None, False), ("noon", None, False)],
)  # fmt: skip
def test_time_seen(typed: str, time: str | None, ok: bool) -> None:
    result = parse_tip_form(form(seen_time=typed), variant="hotel", today=TODAY)
    assert result.ok is ok
    assert result.tip is None or result.tip.seen_time == time


@pytest.mark.parametrize(
    ("typed", "ok"),
    [("2026-05-11", True), ("2026-05-12", False), ("2021-05-11", True), ("2021-05-10", False),
     ("2026-02-30", False)],
)  # fmt: skip
def test_day_seen_is_at_most_a_day_ahead_and_five_years_back(typed: str, ok: bool) -> None:
    assert parse_tip_form(form(seen_on=typed), variant="hotel", today=TODAY).ok is ok


def test_empty_optional_fields_are_none_and_state_is_upper_case() -> None:
    result = parse_tip_form(form(state="tx", city="  Fort   Worth "), variant="hotel", today=TODAY)
    assert result.tip is not None
    assert (result.tip.where.city, result.tip.where.state) == ("Fort Worth", "TX")
    assert (result.tip.room, result.tip.vehicle, result.tip.contact, result.tip.seen_time) == (None,) * 4
    assert result.values["state"] == "TX"
