"""places.find_place and the gazetteer: location strings, text mentions, area-code fallback, ambiguity."""

from __future__ import annotations

import pytest

from safeharbor.extract import gazetteer, places
from safeharbor.extract.places import find_place

Phone = tuple[str, int, int, str]

LOCATIONS: list[tuple[str, str, str, str]] = [
    # (location field, raw, city, state)
    ("Dallas, TX", "Dallas", "Dallas", "TX"),
    ("dallas", "dallas", "Dallas", "TX"),
    ("DALLAS TX", "DALLAS", "Dallas", "TX"),
    ("TX - Dallas", "Dallas", "Dallas", "TX"),
    ("Dallas/Fort Worth", "Dallas", "Dallas", "TX"),
    ("Fort Worth/Arlington", "Fort Worth", "Fort Worth", "TX"),
    ("Houston area", "Houston", "Houston", "TX"),
    ("Fort Worth", "Fort Worth", "Fort Worth", "TX"),
    ("Ft. Worth, Texas", "Ft. Worth", "Fort Worth", "TX"),
    ("St. Louis", "St. Louis", "St. Louis", "MO"),
    ("saint louis, mo", "saint louis", "St. Louis", "MO"),
    ("N. Las Vegas", "N. Las Vegas", "North Las Vegas", "NV"),
    ("NYC", "NYC", "New York City", "NY"),
    ("New York", "New York", "New York City", "NY"),
    ("Brooklyn, NY", "Brooklyn", "New York City", "NY"),
    ("DFW", "DFW", "Dallas", "TX"),
    ("ATL", "ATL", "Atlanta", "GA"),
    ("Philly", "Philly", "Philadelphia", "PA"),
    ("Nola", "Nola", "New Orleans", "LA"),
    ("LA", "LA", "Los Angeles", "CA"),
    ("Baton Rouge, LA", "Baton Rouge", "Baton Rouge", "LA"),
    ("DC", "DC", "Washington", "DC"),
    ("Washington DC", "Washington DC", "Washington", "DC"),
    ("Seattle, Washington", "Seattle", "Seattle", "WA"),
    ("H-town", "H-town", "Houston", "TX"),
    ("Chi-town", "Chi-town", "Chicago", "IL"),
    ("Sac town", "Sac town", "Sacramento", "CA"),
    ("Twin Cities", "Twin Cities", "Minneapolis", "MN"),
    ("Minneapolis/St Paul", "Minneapolis", "Minneapolis", "MN"),
    ("Kansas City, KS", "Kansas City", "Kansas City", "KS"),
    ("KC", "KC", "Kansas City", "MO"),
    ("Winston Salem", "Winston Salem", "Winston-Salem", "NC"),
    ("Downtown Denver (Cherry Creek)", "Denver", "Denver", "CO"),
]


@pytest.mark.parametrize(("location", "raw", "city", "state"), LOCATIONS)
def test_location_field_forms(location: str, raw: str, city: str, state: str) -> None:
    placed = find_place(location, None, "", [])
    assert placed is not None
    field, span, info = placed
    assert field == "location"
    assert location[span.start : span.end] == span.raw == raw
    assert (span.value, info["city"], info["state"], info["method"]) == (city, city, state, "location_field")
    assert isinstance(info["lat"], float) and isinstance(info["lon"], float)


AMBIGUOUS: list[tuple[str, list[Phone], str]] = [
    ("Springfield", [], "MO"),  # most populous
    ("Springfield, IL", [], "IL"),
    ("Springfield, Massachusetts", [], "MA"),
    ("Springfield", [("+14135550134", 0, 12, "body")], "MA"),  # the phone's area code decides
    ("Portland", [], "OR"),
    ("Portland, ME", [], "ME"),
    ("Columbus", [], "OH"),
    ("Columbus, GA", [], "GA"),
    ("Arlington", [], "TX"),
    ("Arlington", [("+17035550101", 0, 12, "body")], "VA"),
]


@pytest.mark.parametrize(("location", "phones", "state"), AMBIGUOUS)
def test_ambiguous_names_follow_stated_state_then_population(
    location: str, phones: list[Phone], state: str
) -> None:
    placed = find_place(location, None, "214-555-0134 " * 2, phones)
    assert placed is not None
    assert placed[2]["state"] == state


TEXTS: list[tuple[str | None, str, str, str, str]] = [
    # (title, body, field, raw, city)
    ("Visiting Austin this week", "", "title", "Austin", "Austin"),
    (None, "Hi! in town Houston, call me", "body", "Houston", "Houston"),
    ("Dallas incall", "", "title", "Dallas", "Dallas"),
    (None, "New in Houston! next stop Dallas", "body", "Houston", "Houston"),
    (None, "heading to Dallas next week, now in Houston", "body", "Houston", "Houston"),
    (None, "Available in LA tonight", "body", "LA", "Los Angeles"),
    (None, "come see me in springfield, IL", "body", "springfield", "Springfield"),
    (None, "Outcall only, Killeen, TX", "body", "Killeen", "Killeen"),
    ("Sweet and classy", "Upscale incall near Phoenix airport", "body", "Phoenix", "Phoenix"),
    ("Last days in ATL", "", "title", "ATL", "Atlanta"),
]


@pytest.mark.parametrize(("title", "body", "field", "raw", "city"), TEXTS)
def test_place_named_in_title_or_body(title: str | None, body: str, field: str, raw: str, city: str) -> None:
    placed = find_place(None, title, body, [])
    assert placed is not None
    got_field, span, info = placed
    text = title if got_field == "title" else body
    assert text is not None and text[span.start : span.end] == span.raw
    assert (got_field, span.raw, info["city"], info["method"]) == (field, raw, city, "text")


NO_PLACE_IN_TEXT: list[tuple[str | None, str]] = [
    ("Sweet Austin", "I'm Madison, ask for Charlotte"),  # working names, no place cue
    (None, "la la la, mobile friendly, orange dress"),
    (None, "I'm Paris and I love Phoenix"),
    ("Texas", "100% real"),
]


@pytest.mark.parametrize(("title", "body"), NO_PLACE_IN_TEXT)
def test_names_and_words_are_not_places(title: str | None, body: str) -> None:
    assert find_place(None, title, body, []) is None


def test_location_field_wins_over_text_and_phone() -> None:
    body = "Visiting Houston! call 312-555-0101"
    placed = find_place("Dallas, TX", "Austin incall", body, [("+13125550101", 23, 35, "body")])
    assert placed is not None and placed[0] == "location" and placed[1].value == "Dallas"


def test_area_code_fallback_points_at_the_phone() -> None:
    body = "Sweet and fun. Call 214-555-0134 or 713.555.0199"
    phones: list[Phone] = [("+12145550134", 20, 32, "body"), ("+17135550199", 36, 48, "body")]
    placed = find_place("", "Hello gentlemen", body, phones)
    assert placed is not None
    field, span, info = placed
    assert (field, span.raw, span.value, info["state"], info["method"]) == (
        "body", "214-555-0134", "Dallas", "TX", "area_code",
    )  # fmt: skip
    assert body[span.start : span.end] == span.raw


def test_no_place_at_all() -> None:
    assert find_place(None, None, "Sweet and fun", []) is None
    assert find_place("Texas", None, "Sweet and fun", [("+448005550134", 0, 5, "body")]) is None


def test_demo_city_forms_resolve() -> None:
    """Every way the demo corpus writes a location resolves to its truth city."""
    from safeharbor.demo.vocab import CITIES, STATE_NAMES

    wrong = []
    for c in CITIES:
        forms = [c.name, f"{c.name}, {c.state}", f"{c.state} - {c.name}", c.name.lower(),
                 f"{c.name}, {STATE_NAMES[c.state]}", *c.aliases]  # fmt: skip
        for form in forms:
            placed = find_place(form, None, "", [])
            if placed is None or (placed[2]["city"], placed[2]["state"]) != (c.name, c.state):
                wrong.append((form, placed and placed[2]["city"]))
        for code in c.area_codes:
            city = gazetteer.area_code_city(code)
            if city is None or city.state != c.state:
                wrong.append((code, city))
    assert wrong == []


def test_every_area_code_names_a_gazetteer_city() -> None:
    table = gazetteer.gazetteer().area_codes
    assert len(table) > 300
    for code, (name, state) in table.items():
        city = gazetteer.area_code_city(code)
        assert city is not None and (city.name, city.state) == (name, state), code


def test_gazetteer_helpers() -> None:
    dallas = gazetteer.lookup("dallas")
    houston = gazetteer.lookup("Houston", "Texas")
    assert dallas is not None and houston is not None
    assert gazetteer.city_by_key(dallas.key) == dallas == gazetteer.city_by_key("Dallas|TX")
    assert gazetteer.city_by_key("Dallas, ZZ") is None
    assert 355 < gazetteer.distance_km(dallas, houston) < 370
    assert gazetteer.distance_km(dallas, dallas) == 0
    assert gazetteer.distance_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.2, abs=0.1)
    assert gazetteer.state_code("new york") == "NY" and gazetteer.state_code("tx") == "TX"
    assert gazetteer.state_code("Narnia") is None
    assert gazetteer.lookup("Springfield", "IL").state == "IL"  # type: ignore[union-attr]
    assert gazetteer.lookup("Nowhereville") is None


def test_module_identity() -> None:
    assert places.EXTRACTOR == "places"
    assert places.VERSION == "2"
