"""Phone numbers as ads abroad and hidden US ads write them: one table per failure pattern, 30+ cases each.

All text is invented. Numbers are fictional: 555-01xx in the US and Canada; the UK's drama ranges
(07700 900xxx, 020 7946 0xxx, 0113 496 0xxx, 0161 496 0xxx); Australia's fiction ranges (0491 570 xxx
numbers, (0X) 5550 xxxx); elsewhere only the example numbers libphonenumber's metadata ships
(sequential digits such as India's 81234 56789), never a person's number.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeharbor.extract import extract_ad
from safeharbor.extract.phones import find_phones, normalise
from safeharbor.extract.places import find_place
from safeharbor.tips.form import parse_phones
from safeharbor.types import Ad, Span
from safeharbor.workspace.search import normalise_phone
from tests.test_extract_phone_cases import CASES as US_CASES

GB_MOBILE = [f"7700 900{n:03d}" for n in range(100, 1000, 53)]  # "7700 900100", ...
GB_LONDON = [f"20 7946 0{n:03d}" for n in range(100, 1000, 111)]
GB_LEEDS = [f"113 496 0{n:03d}" for n in range(120, 1000, 170)]
AU_MOBILE = ["491 570 006", "491 570 110", "491 570 156", "491 570 157", "491 570 158", "491 570 159",
             "491 570 313", "491 570 737"]  # fmt: skip
AU_LAND = [f"{a} 5550 01{n:02d}" for a in "2378" for n in (12, 34, 56, 78)]
EXAMPLES = {  # libphonenumber's own example numbers: (country code, national digits grouped)
    "IN": ("91", "81234 56789"),
    "FR": ("33", "6 12 34 56 78"),
    "DE": ("49", "1512 3456789"),
    "JP": ("81", "90 1234 5678"),
    "PH": ("63", "905 123 4567"),
    "IE": ("353", "85 012 3456"),
}
AREAS = [
    "214",
    "469",
    "713",
    "832",
    "404",
    "305",
    "702",
    "312",
    "415",
    "602",
    "206",
    "503",
    "617",
    "212",
    "303",
    "615",
    "504",
    "313",
    "612",
    "816",
    "919",
    "704",
    "407",
    "813",
    "210",
    "512",
]
WORD = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SOUND = {"4": ["for", "four", "fore"], "2": ["to", "too", "two"]}
TEEN = {"10": "ten", "11": "eleven", "12": "twelve", "13": "thirteen", "14": "fourteen", "15": "fifteen",
        "16": "sixteen", "17": "seventeen", "18": "eighteen", "19": "nineteen"}  # fmt: skip
TEMPLATES = [
    "Sweet and new, call {p} for info",
    "{p} text only",
    "Hi guys, I'm Rosa! Reach me at {p} anytime",
    "Available today ~ {p} ~ no private numbers",
    "Contact: {p}. Thank you",
    "Outcall only {p} (ask for Jade)",
]


def _e164_gb(national: str) -> str:
    return "+44" + national.replace(" ", "")


def _plus_cases() -> list[tuple[str, str]]:
    """ "+CC" forms: "+44 7700 900123", "+44 (0)7700 900123", "+61 491 570 156", "0044 ..."."""
    cases: list[tuple[str, str]] = []
    for k, national in enumerate(GB_MOBILE + GB_LONDON):
        form = ["+44 {n}", "+44{c}", "+44-{d}", "+44 (0){n}", "0044 {n}", "+44.{p}"][k % 6]
        written = form.format(n=national, c=national.replace(" ", ""), d=national.replace(" ", "-"),
                              p=national.replace(" ", "."))  # fmt: skip
        cases.append((TEMPLATES[k % len(TEMPLATES)].format(p=written), _e164_gb(national)))
    for k, national in enumerate(AU_MOBILE + AU_LAND):
        written = ["+61 {n}", "+61{c}", "+61-{d}"][k % 3].format(
            n=national, c=national.replace(" ", ""), d=national.replace(" ", "-")
        )
        cases.append(
            (TEMPLATES[(k + 1) % len(TEMPLATES)].format(p=written), "+61" + national.replace(" ", ""))
        )
    for k, (cc, national) in enumerate(EXAMPLES.values()):
        cases.append(
            (TEMPLATES[k % len(TEMPLATES)].format(p=f"+{cc} {national}"), f"+{cc}{national.replace(' ', '')}")
        )
    return cases


def _national_cases() -> list[tuple[str, str | None, str]]:
    """(text, location field, E.164): a trunk 0 read in the country the ad is placed in."""
    cases: list[tuple[str, str | None, str]] = []
    gb_places = ["London", "Manchester, UK", "Leeds, England", "Glasgow, Scotland", "Birmingham, UK"]
    for k, national in enumerate(GB_MOBILE + GB_LEEDS):
        written = ["0{n}", "0{c}", "0{d}"][k % 3].format(
            n=national, c=national.replace(" ", ""), d=national.replace(" ", "-")
        )
        cases.append((TEMPLATES[k % len(TEMPLATES)].format(p=written), gb_places[k % 5], _e164_gb(national)))
    au_places = ["Melbourne", "Sydney, Australia", "Brisbane QLD Australia", "Perth", "Australia"]
    for k, national in enumerate(AU_LAND + AU_MOBILE):
        area, rest = national.split(" ", 1)
        written = ["0{n}", "(0{a}) {r}", "0{c}"][k % 3].format(
            n=national, a=area, r=rest, c=national.replace(" ", "")
        )
        cases.append(
            (
                TEMPLATES[k % len(TEMPLATES)].format(p=written),
                au_places[k % 5],
                "+61" + national.replace(" ", ""),
            )
        )
    return cases


def _text_hint_cases() -> list[tuple[str, str]]:
    """No location field: the text names the country or a big city abroad."""
    cases = []
    for k, national in enumerate(GB_MOBILE[:10] + GB_LONDON[:5]):
        words = ["in London this week", "UK based", "visiting Manchester", "England only", "London girl"][
            k % 5
        ]
        cases.append((f"New {words}! Call 0{national}", _e164_gb(national)))
    for k, national in enumerate(AU_MOBILE + AU_LAND[:7]):
        words = ["Sydney", "in Melbourne", "Aussie girl", "Brisbane", "Australia"][k % 5]
        cases.append((f"{words} - ring 0{national} x", "+61" + national.replace(" ", "")))
    return cases


def _separator_cases() -> list[tuple[str, str]]:
    """A "+CC" number cut by ";", "|", "," or emoji: never read as a +1 number."""
    seps = [";", " ; ", "|", ",", " • ", "/", "..", "~", "💋", "*"]
    cases = []
    numbers = [("91", "81234", "56789"), ("44", "7700", "900456"), ("61", "491570", "156"),
               ("33", "612", "345678"), ("44", "20", "79460321")]  # fmt: skip
    for k in range(40):
        cc, a, b = numbers[k % len(numbers)]
        sep = seps[k % len(seps)]
        cases.append((f"whatsapp +{cc}{sep}{a}{sep}{b} any time", f"+{cc}{a}{b}"))
    return cases


def _sound_cases() -> list[tuple[str, str]]:
    """Digits spelled by sound: "for" = 4, "to"/"too" = 2, mixed with digit words and digits."""
    cases = []
    k = 0
    for area in AREAS:
        if not set(area) & {"2", "4"}:
            continue
        for variant in range(3):
            line = f"01{(k * 7) % 100:02d}"

            def say(d: str, i: int, variant: int = variant) -> str:
                return SOUND[d][(i + variant) % 3] if d in SOUND else WORD[int(d)]

            spoken_area = " ".join(say(d, i) for i, d in enumerate(area))
            tail = [" ".join(WORD[int(d)] for d in "555" + line), f"555 {line}", f"five five five-{line}"][
                variant
            ]
            text = [
                f"call {spoken_area}, {tail} ok",
                f"Txt me: {spoken_area} {tail}",
                f"{spoken_area} ~ {tail}",
            ][k % 3]
            cases.append((text, f"+1{area}555{line}"))
            k += 1
    return cases


def _teen_cases() -> list[tuple[str, str]]:
    """Teen words ("seventeen") for two digits, blocks cut by "$" or other symbols."""
    areas = ["214", "713", "817", "915", "512", "619", "210", "718", "816", "412", "415", "313", "314",
             "316", "317", "319", "414", "417", "419", "515", "517", "518", "614", "615", "616", "617",
             "618", "716", "717", "719", "810", "812"]  # fmt: skip
    cases = []
    for k, area in enumerate(areas):
        line = f"01{10 + k % 10}"
        spoken_area = f"{WORD[int(area[0])]} {TEEN[area[1:]]}"
        spoken_line = f"zero one {TEEN[line[2:]]}" if k % 2 else line
        sep = ["$", " $ ", "$$", "💲"][k % 4]
        cases.append((f"Hit me up {spoken_area}{sep}555{sep}{spoken_line} !!", f"+1{area}555{line}"))
    return cases


def _three_four_three_cases() -> list[tuple[str, str]]:
    """3-4-3 grouping with two different separators: "214 5550-134"."""
    pairs = [(" ", "-"), ("-", " "), (".", " "), (" ", "."), ("-", "."), (".", "-")]
    cases = []
    for k, area in enumerate(AREAS + AREAS[:6]):
        line = f"01{(k * 3) % 100:02d}"
        first, second = pairs[k % len(pairs)]
        number = f"{area}{first}555{line[0]}{second}{line[1:]}"
        cases.append((TEMPLATES[k % len(TEMPLATES)].format(p=number), f"+1{area}555{line}"))
    return cases


def _ambiguous_cases() -> list[tuple[str, str]]:
    """A national form and nothing in the ad that says which country: kept, not guessed."""
    cases = []
    for k, national in enumerate(GB_MOBILE[:12] + AU_LAND + AU_MOBILE[:6]):
        cases.append(
            (TEMPLATES[k % len(TEMPLATES)].format(p="0" + national), "0" + national.replace(" ", ""))
        )
    return cases


PLUS = _plus_cases()
NATIONAL = _national_cases()
TEXT_HINT = _text_hint_cases()
SEPARATED = _separator_cases()
SOUNDS = _sound_cases()
TEENS = _teen_cases()
THREE_FOUR_THREE = _three_four_three_cases()
AMBIGUOUS = _ambiguous_cases()
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _values(text: str, regions: tuple[str, ...] = ()) -> list[str]:
    spans = find_phones(text, regions)
    for s in spans:
        assert text[s.start : s.end] == s.raw
    return [s.value for s in spans]


@pytest.mark.parametrize(
    "table", [PLUS, NATIONAL, TEXT_HINT, SEPARATED, SOUNDS, TEENS, THREE_FOUR_THREE, AMBIGUOUS]
)
def test_each_pattern_has_at_least_30_cases(table: list[object]) -> None:
    assert len(table) >= 30


@pytest.mark.parametrize(("text", "expected"), PLUS + TEXT_HINT + SEPARATED)
def test_numbers_abroad_get_their_own_country_code(text: str, expected: str) -> None:
    assert _values(text) == [expected]


@pytest.mark.parametrize(("text", "location", "expected"), NATIONAL)
def test_a_trunk_zero_is_read_in_the_country_the_ad_is_placed_in(
    text: str, location: str, expected: str
) -> None:
    ad = Ad(ad_key=1, id="a", source="s", posted_at=NOW, body=text, location=location)
    found = [e for e in extract_ad(ad) if e.kind == "phone"]
    assert [e.value for e in found] == [expected]
    assert found[0].attrs["country"] == ("GB" if expected.startswith("+44") else "AU")
    assert found[0].confidence >= 0.9


@pytest.mark.parametrize(("text", "expected"), SOUNDS + TEENS + THREE_FOUR_THREE)
def test_hidden_us_numbers(text: str, expected: str) -> None:
    assert _values(text) == [expected]


@pytest.mark.parametrize(("text", "digits"), AMBIGUOUS)
def test_a_national_form_without_a_country_is_kept_as_ambiguous(text: str, digits: str) -> None:
    (span,) = find_phones(text)
    assert span.value == digits and not span.value.startswith("+")
    assert span.confidence <= 0.3
    assert span.attrs["ambiguous"] == "country" and len(span.attrs["regions"]) >= 1 and span.attrs["reason"]


def test_no_number_abroad_is_ever_read_as_plus_one() -> None:
    for text, _ in PLUS + TEXT_HINT + SEPARATED + AMBIGUOUS:
        assert not any(v.startswith("+1") for v in _values(text)), text
    for text, _, _ in NATIONAL:
        assert not any(v.startswith("+1") for v in _values(text, ("GB", "AU"))), text


@pytest.mark.parametrize(
    "text",
    [
        "seven for two days only, five star service",  # sound words in prose
        "Come to me for fun, open 10 to 2, 7 days",
        "2 for 1 special to 4pm, too good",
        "In town 01/05 to 05/05, rates 0 deposit",
        "Posted 05 01 2026 at 10 30",
        "Room 0 12 34, floor 2",
    ],
)
def test_sound_words_and_zeros_in_prose_are_not_numbers(text: str) -> None:
    assert _values(text) == []


def _consistency_table() -> list[tuple[str, str, str | None]]:
    table: list[tuple[str, str, str | None]] = [(text, expected, None) for _, text, expected in US_CASES]
    table += [(text, expected, None) for text, expected in PLUS + SOUNDS + TEENS + THREE_FOUR_THREE]
    table += [
        (text, expected, "GB" if expected.startswith("+44") else "AU") for text, _, expected in NATIONAL
    ]
    return table


def test_search_tips_and_the_extractor_agree_on_the_whole_phone_table() -> None:
    """One normaliser: a number typed into search or a tip matches the number extracted from the ad."""
    for text, expected, region in _consistency_table():
        extracted = [s.value for s in find_phones(text, (region,) if region else ())]
        assert extracted == [expected], text
        assert normalise(text, region) == expected, text
        if region is None:
            assert normalise_phone(text) == expected, text
            found, _ = parse_phones(text)
            assert expected in found, text


def test_normalise_reads_plain_and_international_queries() -> None:
    assert normalise("214.555.0134") == "+12145550134"
    assert normalise("+44 7700 900123") == "+447700900123"
    assert normalise("07700 900123", "GB") == "+447700900123"
    assert normalise("07700 900123") is None  # no country: not guessed
    assert normalise("hello") is None


def test_places_never_read_an_area_code_from_a_number_abroad() -> None:
    phones: list[Span] = find_phones("call +44 7700 900123")
    refs = [(s.value, s.start, s.end, "body") for s in phones]
    assert find_place(None, None, "call +44 7700 900123", refs) is None
