"""Each indicator: matches and non-matches from a table, negative patterns, emoji, spans on the evidence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.indicators import is_obscured_phone, match_ad
from safeharbor.score.model import catalogue_model
from safeharbor.types import Ad, Extraction

CATALOGUE = load_catalogue()
BY_ID = CATALOGUE.by_id()


def ad(body: str, title: str | None = None) -> Ad:
    return Ad(
        ad_key=1, id="t1", source="test", posted_at=datetime(2026, 5, 1, tzinfo=UTC), body=body, title=title
    )


def evidence(indicator: str, body: str, title: str | None = None) -> list[str]:
    found = match_ad(ad(body, title), [], [BY_ID[indicator]])
    return [h.evidence for h in found.get(indicator, [])]


# (indicator, ad text, the evidence it must show — empty when it must not fire)
TABLE: list[tuple[str, str, list[str]]] = [
    ("youth_language", "Sweet and young, ask for Mia", ["young"]),
    ("youth_language", "Petite and fresh face, new to this", ["Petite", "fresh face", "new to this"]),
    ("youth_language", "barely legal college girl", ["barely legal", "college girl"]),
    ("youth_language", "Just turned 18 and ready", ["Just turned 18"]),
    ("youth_language", "Daddy’s girl", ["Daddy’s girl"]),
    ("youth_language", "Young at heart, mature and classy", []),  # negative pattern cancels
    ("youth_language", "fresh towels, clean room", []),  # negative pattern cancels
    ("youth_language", "Lexi, 19 years young, friendly", []),  # an age statement, not youth language
    ("youth_language", "22 yrs young and petite", ["petite"]),
    ("youth_language", "Youngstown visit, refreshing drinks", []),  # whole words only
    ("youth_language", "Mature lady, 38, experienced", []),
    ("youth_coded", "y0ung and fun", ["y0ung"]),
    ("youth_coded", "yung thing, fr3sh", ["yung", "fr3sh"]),
    ("youth_coded", "t33n vibes", ["t33n"]),
    ("youth_coded", "young and fresh", []),  # plain words are youth_language, not coded
    ("youth_emoji", "Hi 🍒🍭 call now", ["🍒", "🍭"]),
    ("youth_emoji", "new girl 🎀", ["🎀"]),
    ("youth_emoji", "Hi 💋✨ call now", []),
    ("trustworthy_framing", "100% real pics, no games", ["100% real", "no games"]),
    ("trustworthy_framing", "Legit and genuine", ["Legit", "genuine"]),
    ("trustworthy_framing", "legitimate business hours", []),
    ("third_person", "Ask for her by name, she is waiting", ["Ask for her", "she is"]),
    ("third_person", "She's sweet; call for her", ["She's"]),
    ("third_person", "ask for rates by text", []),  # negative pattern cancels
    ("third_person", "I am independent", []),
    ("several_persons", "2 girls available, duo specials", ["2 girls", "duo"]),
    ("several_persons", "just me, no one else", []),
    ("third_party_control", "text my manager to book 👑", ["text my manager", "👑"]),
    ("third_party_control", "no management, independent", []),
    ("police_refusal", "No LE. No cops.", ["No LE", "No cops"]),
    ("police_refusal", "LE stay away", ["LE stay away"]),
    ("police_refusal", "no less than an hour", []),
    ("deposit_cash", "Deposit required, cash only", ["Deposit required", "cash only"]),
    ("deposit_cash", "cash app deposit first", ["cash app deposit"]),
    ("deposit_cash", "no deposit needed", []),  # negative pattern cancels
    ("movement_language", "New in town, leaving soon ✈️", ["New in town", "leaving soon", "✈️"]),
    ("movement_language", "Born and raised here", []),
    ("hotel_venue", "Incall at my hotel, text for room", ["hotel", "text for room"]),
    ("hotel_venue", "my own apartment", []),
    (
        "obscured_contact",
        "call two one four five five five zero one",
        ["two one four five five five zero one"],
    ),
    ("obscured_contact", "one or two hours", []),
    # A stated age under 18, in digits or words, in the forms the age extractor knows.
    ("stated_age_under_18", "Hi im 16 yrs old, call me", ["im 16"]),
    ("stated_age_under_18", "Lola ~ age: 15 ~ new", ["age: 15"]),
    ("stated_age_under_18", "I'm just fifteen and sweet", ["I'm just fifteen"]),
    ("stated_age_under_18", "seventeen years old, text only", ["seventeen years"]),
    ("stated_age_under_18", "14 y/o, 13yo, turned 17", ["14 y/o", "13yo", "turned 17"]),
    ("stated_age_under_18", "15 years of experience, 16 years in business", []),
    ("stated_age_under_18", "I'm 15 min away, 17$ off, open 24/7", []),
    ("stated_age_under_18", "Candy, 19 yrs old", []),
    ("stated_age_under_18", "call 214-555-0116 after 13:00", []),
]


@pytest.mark.parametrize(("indicator", "text", "expected"), TABLE)
def test_indicator_table(indicator: str, text: str, expected: list[str]) -> None:
    assert evidence(indicator, text) == expected


def test_every_ad_level_text_indicator_has_table_rows() -> None:
    covered = {row[0] for row in TABLE}
    text_indicators = {i.id for i in CATALOGUE.of_level("ad") if not i.patterns.is_empty()}
    assert text_indicators <= covered


@pytest.mark.parametrize(("indicator", "text", "_"), [r for r in TABLE if r[2]])
def test_spans_point_at_the_evidence(indicator: str, text: str, _: list[str]) -> None:
    the_ad = ad(text, title=f"Title: {text}")
    for hits in match_ad(the_ad, [], [BY_ID[indicator]]).values():
        for hit in hits:
            assert hit.field in ("title", "body")
            assert hit.start is not None and hit.end is not None
            assert the_ad.field_text(hit.field)[hit.start : hit.end] == hit.evidence
    # The title is searched too, and further spans are kept.
    assert any(h.field == "title" for h in match_ad(the_ad, [], [BY_ID[indicator]])[indicator])


def test_emoji_with_or_without_presentation_selector() -> None:
    assert evidence("movement_language", "on my way ✈") == ["✈"]
    assert evidence("movement_language", "on my way ✈️") == ["✈️"]


def _ex(kind: str, raw: str, value: str, body: str) -> Extraction:
    start = body.index(raw)
    return Extraction(1, kind, value, raw, "body", start, start + len(raw), kind, "t")  # type: ignore[arg-type]


def test_stated_age_detector_only_18_19() -> None:
    body = "Candy, 19 years. Call 214-555-0134"
    hits = match_ad(ad(body), [_ex("age", "19", "19", body)], [BY_ID["stated_age_18_19"]])
    assert [h.evidence for h in hits["stated_age_18_19"]] == ["19"]
    body = "Candy, 24 years."
    assert match_ad(ad(body), [_ex("age", "24", "24", body)], [BY_ID["stated_age_18_19"]]) == {}


@pytest.mark.parametrize(
    ("value", "fires"), [("13", True), ("16", True), ("17", True), ("18", False), ("12", False)]
)
def test_stated_age_under_18_detector_uses_extracted_ages(value: str, fires: bool) -> None:
    body = f"Candy, {value}, call 214-555-0134"
    hits = match_ad(ad(body), [_ex("age", value, value, body)], [BY_ID["stated_age_under_18"]])
    assert ("stated_age_under_18" in hits) is fires
    if fires:
        hit = hits["stated_age_under_18"][0]
        assert body[hit.start or 0 : hit.end] == value and hit.note == f"stated age {value}"


def test_a_stated_age_under_18_is_decisive_and_outranks_any_other_evidence() -> None:
    model = catalogue_model(CATALOGUE)
    everything_else = {i.id: 1.0 for i in CATALOGUE.indicators if not i.decisive}
    assert model.logit({"stated_age_under_18": 1.0}) > model.logit(everything_else)
    assert model.logit({"stated_age_under_18": 1.0}) > model.logit({"stated_age_18_19": 1.0})


@pytest.mark.parametrize(
    ("raw", "obscured"),
    [
        ("214-555-0134", False),
        ("(214) 555-0134", False),
        ("+1 214 555 0134", False),
        ("214.555.0134", False),
        ("2145550134", False),
        ("2 1 4 5 5 5 0 1 3 4", True),
        ("two1four 555 o134", True),
        ("２１４-５５５-０１３４", True),
        ("214*555*0134", True),
    ],
)
def test_obscured_phone(raw: str, obscured: bool) -> None:
    assert is_obscured_phone(raw) is obscured


def test_obscured_phone_detector_points_at_the_number() -> None:
    body = "text me at 2 1 4 5 5 5 0 1 3 4 tonight"
    hits = match_ad(
        ad(body), [_ex("phone", "2 1 4 5 5 5 0 1 3 4", "+12145550134", body)], [BY_ID["obscured_contact"]]
    )
    (hit,) = hits["obscured_contact"]
    assert body[hit.start or 0 : hit.end] == "2 1 4 5 5 5 0 1 3 4" and "+12145550134" in hit.note


def test_several_names_detector() -> None:
    body = "Mia and Kiki together"
    exts = [_ex("name", "Mia", "Mia", body), _ex("name", "Kiki", "Kiki", body)]
    hits = match_ad(ad(body), exts, [BY_ID["several_persons"]])
    assert {h.evidence for h in hits["several_persons"]} == {"Mia", "Kiki"}
    assert match_ad(ad(body), exts[:1], [BY_ID["several_persons"]]) == {}
