"""Handles and ages: one table per failure pattern of real ads, 30+ invented cases each.

Every text is invented for these tests; names are made up and no text comes from a real ad.
"""

from __future__ import annotations

import pytest

from safeharbor.extract.ages import find_ages
from safeharbor.extract.handles import find_handles

NAMES = ["candyrose", "velvet_sky", "lily520", "mia.moon", "roxy_88", "starlight7", "honeybee22", "jade_lux",
         "coco.b", "amberglow", "kiki_x", "luna2026"]  # fmt: skip
PLATFORM_WORDS = {
    "wechat": ["WeChat", "wechat", "We Chat", "WECHAT", "weixin", "wx"],
    "telegram": ["Telegram", "telegram", "TG", "tele"],
    "whatsapp": ["WhatsApp", "whatsapp", "WA", "Whats App"],
    "kik": ["Kik", "KIK", "kik"],
    "snapchat": ["Snapchat", "snap", "SC"],
    "instagram": ["Instagram", "insta", "IG"],
}
LINKS = {"t.me": "telegram", "instagram.com": "instagram", "onlyfans.com": "onlyfans", "fans.ly": "onlyfans",
         "kik.me": "kik", "snapchat.com/add": "snapchat"}  # fmt: skip
PROSE = ["later", "now", "tonight", "anytime", "babe", "for pics", "if you want", "first", "today", "asap"]


def _labelled() -> list[tuple[str, str, str]]:
    cases = []
    k = 0
    for platform, words in PLATFORM_WORDS.items():
        for word in words * 2:
            name = NAMES[k % len(NAMES)]
            sep = [": ", " - ", " ID: ", ": @", " = "][k % 5]
            cases.append((f"Message me on {word}{sep}{name} for more", "@" + name, platform))
            k += 1
    return cases


def _links() -> list[tuple[str, str, str]]:
    cases = []
    for k in range(36):
        site = list(LINKS)[k % len(LINKS)]
        name = NAMES[k % len(NAMES)]
        prefix = ["", "https://", "www.", "https://www."][k % 4]
        cases.append((f"See my page {prefix}{site}/{name} xoxo", "@" + name, LINKS[site]))
    return cases


def _prose_after_platform() -> list[str]:
    cases = []
    words = [w for ws in PLATFORM_WORDS.values() for w in ws if len(w) > 3]
    for k in range(40):
        word = words[k % len(words)]
        cases.append(f"{word} me {PROSE[k % len(PROSE)]} and we can talk")
    return cases


LABELLED = _labelled()
LINKED = _links()
PROSE_CASES = _prose_after_platform()


@pytest.mark.parametrize("table", [LABELLED, LINKED, PROSE_CASES])
def test_handle_tables_have_30_cases(table: list[object]) -> None:
    assert len(table) >= 30


@pytest.mark.parametrize(("text", "value", "platform"), LABELLED + LINKED)
def test_handles_with_their_platform(text: str, value: str, platform: str) -> None:
    spans = find_handles(text)
    assert [(s.value, s.attrs["platform"]) for s in spans] == [(value, platform)]
    assert all(text[s.start : s.end] == s.raw for s in spans)


@pytest.mark.parametrize("text", PROSE_CASES)
def test_a_word_of_prose_after_a_platform_word_is_no_handle(text: str) -> None:
    assert find_handles(text) == []


# Ages: (text, [(value, form or None)]).
MONTHS = ["January", "March", "June", "July", "August", "October", "December", "May", "April", "Sept"]


def _dates() -> list[str]:
    return [f"Updated {MONTHS[k % 10]} {18 + k % 11}, {2014 + k % 12} by admin" for k in range(32)]


def _profile_tables() -> list[str]:
    labels = ["Shoe size", "Weight", "Dress size", "Height (in)", "Waist", "Hips", "Bust", "Cup"]
    out = []
    for k in range(32):
        end = "\r\n" if k % 2 else "\n"
        out.append(f"Hair: brown{end}{labels[k % 8]}{end}{20 + k}{end}Eyes: green")
    return out


def _ranges() -> list[tuple[str, int, int]]:
    out = []
    for k in range(32):
        low, high = 18 + k % 8, 28 + k % 15
        text = [f"Ages {low}-{high} welcome", f"Age {low}-{high}", f"girls {low}-{high} available",
                f"ages {low} to {high}"][k % 4]  # fmt: skip
        out.append((text, low, high))
    return out


def _title_segments() -> list[tuple[str, str]]:
    names = ["Lexi", "Rosa", "Mia", "Jade", "Coco", "Luna", "Kiki", "Amber"]
    tails = ["Ready now", "New in town", "Sweet and fun", "Call me", "Available today", "Just visiting"]
    return [(f"Sweet {names[k % 8]} - {19 + k % 30} {tails[k % 6]}", str(19 + k % 30)) for k in range(32)]


def _crlf() -> list[tuple[str, str]]:
    return [(f"Hi there\r\nNew | {20 + k}\r\nI'm Rosa {21 + k}\r\nbye", str(20 + k)) for k in range(32)]


WORDS_UNDER_18 = {13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen", 17: "seventeen"}


def _stated_under_18() -> list[tuple[str, int]]:
    out = []
    for k in range(40):
        age = 13 + k % 5
        spoken = WORDS_UNDER_18[age]
        text = [
            f"I'm {age} yrs old",
            f"age: {age}",
            f"{age} y/o new here",
            f"I am {spoken} years old",
            f"Age {spoken}",
            f"just turned {age}",
            f"{spoken} yrs young",
            f"I'm {age}",
        ][k % 8]
        out.append((text, age))
    return out


def _counts_under_18() -> list[str]:
    out = []
    for k in range(32):
        n = 13 + k % 5
        out.append(
            [
                f"Mia {n}, new",
                f"Kiki ({n}) here",
                f"New | {n}",
                f"Only {n} min away",
                f"{n} years of experience",
                f"Room {n}",
                f"{n} photos",
                f"open till {n}:00",
            ][k % 8]
        )
    return out


DATES, TABLES, RANGES = _dates(), _profile_tables(), _ranges()
SEGMENTS, CRLF, UNDER_18, COUNTS = _title_segments(), _crlf(), _stated_under_18(), _counts_under_18()


@pytest.mark.parametrize("table", [DATES, TABLES, RANGES, SEGMENTS, CRLF, UNDER_18, COUNTS])
def test_age_tables_have_30_cases(table: list[object]) -> None:
    assert len(table) >= 30


@pytest.mark.parametrize("text", DATES + TABLES + COUNTS)
def test_dates_measures_and_counts_are_not_ages(text: str) -> None:
    assert find_ages(text) == [], text


@pytest.mark.parametrize(("text", "low", "high"), RANGES)
def test_ranges_are_kept_as_ranges(text: str, low: int, high: int) -> None:
    (span,) = find_ages(text)
    assert span.attrs == {"form": "range", "low": low, "high": high}
    assert text[span.start : span.end] == span.raw


@pytest.mark.parametrize(("text", "value"), SEGMENTS + CRLF)
def test_title_segments_and_crlf_lines(text: str, value: str) -> None:
    assert value in [s.value for s in find_ages(text)]


@pytest.mark.parametrize(("text", "age"), UNDER_18)
def test_stated_ages_under_18_are_extracted_with_their_span(text: str, age: int) -> None:
    (span,) = find_ages(text)
    assert span.value == str(age) and text[span.start : span.end] == span.raw
    assert span.attrs["form"] in {"years", "age", "im", "turned", "words"}
