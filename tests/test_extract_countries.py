"""Places anywhere: a country for every ad, no US city forced on an ad abroad, area code last.

Invented text; fictional numbers only (555-01xx, the UK's 07700 900xxx, Australia's 0491 570 xxx).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeharbor.extract import extract_ad
from safeharbor.types import Ad

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ABROAD_LOCATIONS = [
    ("London, UK", "GB"),
    ("Manchester, England", "GB"),
    ("Birmingham, UK", "GB"),
    ("Glasgow, Scotland", "GB"),
    ("Melbourne, Australia", "AU"),
    ("Sydney", "AU"),
    ("Perth, Australia", "AU"),
    ("Brisbane, Australia", "AU"),
    ("Toronto, Ontario", "CA"),
    ("Vancouver, Canada", "CA"),
    ("Montreal", "CA"),
    ("Dublin, Ireland", "IE"),
    ("Paris, France", "FR"),
    ("Berlin, Germany", "DE"),
    ("Madrid, Spain", "ES"),
    ("Amsterdam", "NL"),
    ("Mumbai, India", "IN"),
    ("Manila, Philippines", "PH"),
    ("Bangkok, Thailand", "TH"),
    ("Tokyo, Japan", "JP"),
    ("Auckland, New Zealand", "NZ"),
    ("Dubai", "AE"),
    ("Mexico City, Mexico", "MX"),
    ("UK", "GB"),
    ("Australia", "AU"),
    ("Cape Town, South Africa", "ZA"),
    ("Lagos, Nigeria", "NG"),
    ("Rome, Italy", "IT"),
    ("Singapore", "SG"),
    ("Hong Kong", "HK"),
    ("Calgary, Alberta", "CA"),
    ("Leeds, England", "GB"),
]
US_LOCATIONS = [
    ("Dallas, TX", "Dallas"), ("Atlanta, Georgia", "Atlanta"), ("Newark, New Jersey", "Newark"),
    ("Houston", "Houston"), ("Las Vegas, NV", "Las Vegas"), ("Phoenix, Arizona", "Phoenix"),
    ("Chicago, IL", "Chicago"), ("Miami, FL", "Miami"), ("Seattle, WA", "Seattle"), ("Denver", "Denver"),
    ("Portland, OR", "Portland"), ("Boston, MA", "Boston"), ("Orlando, Florida", "Orlando"),
    ("Nashville, TN", "Nashville"), ("Austin, TX", "Austin"), ("Tampa, FL", "Tampa"),
    ("San Diego, CA", "San Diego"), ("Memphis", "Memphis"), ("Birmingham, AL", "Birmingham"),
    ("Manchester, NH", "Manchester"), ("Melbourne, FL", "Melbourne"), ("Paris, TX", "Paris"),
    ("Columbus, Ohio", "Columbus"), ("Detroit, MI", "Detroit"), ("Charlotte, NC", "Charlotte"),
    ("Baltimore, MD", "Baltimore"), ("Omaha, NE", "Omaha"), ("Tucson, AZ", "Tucson"),
    ("Fresno, CA", "Fresno"), ("Tulsa, OK", "Tulsa"),
]  # fmt: skip
TEXT_ABROAD = [f"New in {place} this week, call me" for place in (
    "London", "Sydney", "Melbourne", "Toronto", "Dublin", "Manchester", "Paris", "Berlin", "Tokyo", "Bangkok",
    "Manila", "Mumbai", "Dubai", "Auckland", "Brisbane", "Glasgow", "Vancouver", "Montreal", "Madrid",
    "Amsterdam", "the UK", "Australia", "Canada", "Ireland", "Germany", "Spain", "Japan", "Thailand",
    "New Zealand", "Singapore")]  # fmt: skip


def _extract(body: str, location: str | None = None, title: str | None = None) -> dict[str, object]:
    ad = Ad(ad_key=1, id="a", source="s", posted_at=NOW, body=body, location=location, title=title)
    found = extract_ad(ad)
    for e in found:
        assert ad.field_text(e.field)[e.start : e.end] == e.raw
    city = next((e for e in found if e.kind == "city"), None)
    country = next((e for e in found if e.kind == "country"), None)
    return {
        "city": city.value if city else None,
        "method": city.attrs.get("method") if city else None,
        "basis": city.attrs.get("basis") if city else None,
        "country": country.value if country else None,
    }


@pytest.mark.parametrize("table", [ABROAD_LOCATIONS, US_LOCATIONS, TEXT_ABROAD])
def test_tables_have_30_cases(table: list[object]) -> None:
    assert len(table) >= 30


@pytest.mark.parametrize(("location", "country"), ABROAD_LOCATIONS)
def test_an_ad_abroad_gets_its_country_and_no_us_city(location: str, country: str) -> None:
    got = _extract("Sweet and new, call 214-555-0134", location)  # even with a US number in it
    assert got["city"] is None and got["country"] == country


@pytest.mark.parametrize(("location", "city"), US_LOCATIONS)
def test_us_locations_keep_their_city(location: str, city: str) -> None:
    got = _extract("Sweet and new, text me", location)
    assert got["city"] == city and got["country"] == "US"


@pytest.mark.parametrize("body", TEXT_ABROAD)
def test_a_place_abroad_in_the_text_is_not_read_as_a_us_city(body: str) -> None:
    got = _extract(body + " 214-555-0134")
    assert got["city"] is None and got["country"] not in (None, "US")


def test_area_code_is_a_labelled_last_resort() -> None:
    got = _extract("Sweet and new, call 214-555-0134")
    assert got["method"] == "area_code" and "last resort" in str(got["basis"]) and got["country"] == "US"


def test_area_code_never_overrides_the_stated_state() -> None:
    got = _extract("Sweet and new, call 214-555-0134", "Ohio")  # a Texas area code, posted in Ohio
    assert got["city"] is None or got["method"] != "area_code"


def test_country_unknown_when_nothing_says() -> None:
    assert _extract("Sweet and new, text me")["country"] is None


def test_country_from_a_number_abroad_as_last_resort() -> None:
    got = _extract("Sweet and new, call +44 7700 900123")
    assert got["city"] is None and got["country"] == "GB"
