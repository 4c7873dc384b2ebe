"""Phone numbers in ad text: de-obfuscated to E.164, each traceable to its exact written form.

Ads hide numbers from filters: digits as words ("two one four"), look-alike letters ("O1" for "01"),
emoji, HTML or odd separators between groups, keycap / full-width / circled digits. The method:

1. A compiled regex matches *runs* where a cheap pre-scan (digit clusters, digit words) says one
   may begin: digit-like units (digits in any form, digit words, look-alike letters) joined by short
   gaps (whitespace, symbols, HTML tags and entities, "dash"/"dot"/"then"). Most runs in an ad are
   prices or ages and are dropped by length alone.
2. A run is cut into *groups* (units with nothing between them); a phone number is a window of whole
   consecutive groups holding 10 digits (or 11 starting with a country code 1). Groups are never split,
   so a long digit run (an id, a timestamp) never yields a number.
3. Windows must validate with `phonenumbers`. Windows shaped like a phone number (3-3-4, 1-3-3-4, one
   block, digit by digit, or blocks cut by one separator and spelled out by another) win over other
   shapes; those are kept only when hidden (spelled digits, look-alikes) or when plain digits use one
   separator throughout ("8-185-550-185"). That keeps a date or a price list next to a number from
   swallowing part of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from safeharbor.extract.textnorm import (
    CIRCLED_DIGIT,
    HTML_ENTITY,
    HTML_TAG,
    KEYCAP_TAIL,
    NOT_AFTER_LETTER,
    NOT_BEFORE_LETTER,
    SYMBOL_RUN,
)
from safeharbor.types import Span

EXTRACTOR = "phones"
VERSION = "1"

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# Letters written for digits. Lower-case "s" is left out: it follows digits in ordinary prose ("20s").
_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "S": "5"}

_WORD = r"(?i:zero|one|two|three|four|five|six|seven|eight|nine|oh)"
_LOOK = "[" + "".join(_LOOKALIKES) + "]"
# Words spelled only with look-alike letters; never a group of digits at the edge of a number.
_LOOKALIKE_WORDS = frozenset({"lil", "oil", "ill", "lol", "loo", "sol", "soil", "silo", "solo", "soli"})
# Letters only count as digits when the whole letter run spells digits ("2one4", "O1three4"), never
# inside a word ("phone", "someone").
_ALPHA_CHUNK = rf"{NOT_AFTER_LETTER}(?:{_WORD}|{_LOOK})+{NOT_BEFORE_LETTER}"
_UNIT = rf"(?:\d{KEYCAP_TAIL}?|{CIRCLED_DIGIT}|{_ALPHA_CHUNK})"
_CONNECTOR = rf"{NOT_AFTER_LETTER}(?i:then|dash|dot|hyphen){NOT_BEFORE_LETTER}"
_GAP_TOKEN = rf"(?:\s+|{HTML_TAG}|{HTML_ENTITY}|{SYMBOL_RUN}|{_CONNECTOR}|[<&])"
# A run: units joined directly or by 1-8 gap tokens. The gap is possessive: if no unit follows it,
# the run ends before the gap instead of backtracking into it.
_RUN_RE = re.compile(rf"{_UNIT}(?:(?:{_GAP_TOKEN}){{1,8}}+{_UNIT}|{_UNIT})*")
# Where runs can begin. Scanning for these with plain string searches and a single-class regex, then
# matching _RUN_RE only there, is ~3x faster than letting _RUN_RE search every position itself.
_DIGIT_CLUSTER_RE = re.compile(r"[\d" + CIRCLED_DIGIT[1:-1] + "]+")
# Units of a run; markup is matched (and skipped) so digits inside "&#8226;" or a tag are not read.
_UNIT_TOKEN_RE = re.compile(
    rf"(?P<markup>{HTML_TAG}|{HTML_ENTITY})|(?P<keycap>\d{KEYCAP_TAIL})|(?P<ascii>[0-9]+)|(?P<unicode>\d)|(?P<circled>{CIRCLED_DIGIT})"
    rf"|(?P<chunk>{_ALPHA_CHUNK})"
)
_CHUNK_PART_RE = re.compile(rf"(?P<word>{_WORD})|(?P<look>{_LOOK})")
_LINE_BREAK_TAG_RE = re.compile(r"<(?:br|p|/p|div|/div|li|/li)\b", re.IGNORECASE)
_TAG_NAME_RE = re.compile(r"<\s*/?\s*([A-Za-z]+)[^<>]*>")
_LIST_BREAK_CHARS = frozenset("\n\r/,;")
_MARKUP_RE = re.compile(rf"{HTML_TAG}|{HTML_ENTITY}")
_CONNECTOR_RE = re.compile(_CONNECTOR)
# Written the way phone numbers are ordinarily written (not obfuscated).
_PLAIN_RE = re.compile(r"(?:\+?1[-. ]?)?(?:\(\d{3}\)[-. ]?|\d{3}[-. ]?)\d{3}[-. ]?\d{4}", re.ASCII)
_MIN_RUN_CHARS = 10  # every unit is at least one character wide


@dataclass(slots=True)
class _Group:
    """Units with nothing between them, e.g. "2one4"; groups are never split."""

    start: int
    end: int
    digits: str
    kinds: set[str]  # "ascii", "unicode", "keycap", "circled", "word", "look"
    gap_before: str  # the text between the previous group and this one


@lru_cache(maxsize=65536)
def _is_valid_nanp(national: str) -> bool:
    """True when +1 national is a valid NANP (US, CA, ...) number by phonenumbers' metadata.

    All 555-0100..0199 numbers of assigned area codes validate with phonenumbers 9.x (checked over
    ~250 area codes), so no exception is needed for the fictional block used in tests. Numbers repeat
    across reposted ads, hence the cache; the US check first is exact and ~3x cheaper than the full one.
    """
    if national[0] in "01" or national[3] in "01":
        return False
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
    return phonenumbers.is_valid_number_for_region(number, "US") or phonenumbers.is_valid_number(number)


@lru_cache(maxsize=1024)
def _chunk_digits(chunk: str) -> tuple[str, frozenset[str]]:
    digits, kinds = [], set()
    for m in _CHUNK_PART_RE.finditer(chunk):
        if m.lastgroup == "word":
            digits.append(_DIGIT_WORDS[m.group().lower()])
            kinds.add("word")
        else:
            digits.append(_LOOKALIKES[m.group()])
            kinds.add("look")
    return "".join(digits), frozenset(kinds)


def _groups(text: str, start: int, end: int) -> list[_Group]:
    """Cut a run into groups; anything between two units (a gap) ends a group."""
    groups: list[_Group] = []
    previous_end = start
    current: _Group | None = None
    for m in _UNIT_TOKEN_RE.finditer(text, start, end):
        kind = m.lastgroup
        if kind == "markup":
            continue
        token = m.group()
        if kind == "ascii":
            digits, kinds = token, frozenset({"ascii"})
        elif kind == "chunk":
            digits, kinds = _chunk_digits(token)
        else:
            digits, kinds = str(unicodedata.digit(token[0])), frozenset({kind or "unicode"})
        if current is not None and m.start() == previous_end:
            current.end = m.end()
            current.digits += digits
            current.kinds |= kinds
        else:
            current = _Group(m.start(), m.end(), digits, set(kinds), text[previous_end : m.start()])
            groups.append(current)
        previous_end = m.end()
    return groups


def _run_starts(text: str) -> list[int]:
    """Positions where a run may begin: digit clusters and digit words, each widened to the left
    over look-alike letters glued to it ("O1three4")."""
    starts = [m.start() for m in _DIGIT_CLUSTER_RE.finditer(text)]
    lowered = text.lower()
    for word in _DIGIT_WORDS:
        at = lowered.find(word)
        while at != -1:
            if at == 0 or not lowered[at - 1].isalpha():  # not inside a word ("phone")
                starts.append(at)
            at = lowered.find(word, at + len(word))
    return sorted(starts)


def _shape_is_phone(groups: list[_Group], country_code: bool) -> bool:
    """True for 3-3-4 style cuts (with optional leading 1), a single block, or digit-by-digit.

    With two kinds of separator, one may split the blocks and the other the digits inside them
    ("5 1 3-555-0 1 0 8", "+14 6 9 | 5-5-5 | 0-1-8-4"): cutting only at one kind must give the shape.
    """
    if all(len(g.digits) == 1 for g in groups):
        return True
    cuts_by_gap: dict[str, set[int]] = {}
    position = 0
    for g, following in zip(groups, groups[1:], strict=False):
        position += len(g.digits)
        cuts_by_gap.setdefault(following.gap_before, set()).add(position - 1 if country_code else position)
    phone_cuts = {0, 3, 6} if country_code else {3, 6}  # 0: the country code stands alone
    all_cuts = set().union(*cuts_by_gap.values())
    if all_cuts <= phone_cuts:
        return True
    major = next((cuts for cuts in cuts_by_gap.values() if cuts - {0} == {3, 6}), None)
    if len(cuts_by_gap) < 2 or major is None:
        return False
    # The other separators may only spell a block out digit by digit ("0 1 0 8"); digits cut at the
    # wrong places ("4.AAA.BBB.CCC | D", a price beside a street number) are not one phone number.
    bounds = major | {-1 if country_code else 0, 10}
    position = -1 if country_code else 0
    for k, g in enumerate(groups):
        end = position + len(g.digits)
        alone = position in bounds and end in bounds
        if not alone and len(g.digits) > 1 and not (k == 0 and country_code and len(g.digits) == 2):
            return False
        position = end
    return True


@dataclass(slots=True)
class _Window:
    first: int  # index of first group
    last: int  # index of last group (inclusive)
    national: str
    phone_shaped: bool
    widest_gap: int  # characters in the widest separator inside the window


def _leading_one_is_country_code(text: str, groups: list[_Group], i: int, j: int) -> bool:
    """Whether the 1 opening an 11-digit window is a country code: "+1...", "1-214...", "1214 555...",
    "12145550134"; not the 1 of "120/220", a look-alike "I", or a prose "one" before digits."""
    g = groups[i]
    if not (g.digits == "1" or len(g.digits) == 4 or i == j or (g.start and text[g.start - 1] in "+＋")):
        return False
    first_unit = _CHUNK_PART_RE.match(text, g.start)
    if first_unit is not None and first_unit.lastgroup == "look":
        return False
    return not (g.kinds == {"word"} and i + 1 < len(groups) and "word" not in groups[i + 1].kinds)


def _can_be_edge(text: str, group: _Group) -> bool:
    """Look-alike letters alone ("I", "lil", "oil") do not start or end a number; "OIoO" may."""
    if group.kinds != {"look"}:
        return True
    letters = text[group.start : group.end]
    return len(letters) >= 3 and letters.lower() not in _LOOKALIKE_WORDS


def _joins_separate_plain_numbers(window: list[_Group]) -> bool:
    """Plain digits cut by different separators where one is a line break, a comma or a slash:
    "rates: 250/300<br>3988 Elm St" is a price pair and a street number, not a phone."""
    if len(window) < 2 or any(g.kinds != {"ascii"} for g in window):
        return False
    gaps = [g.gap_before for g in window[1:]]
    if len({_TAG_NAME_RE.sub(r"<\1>", gap) for gap in gaps}) == 1:
        return False  # one separator throughout ("<br>" and "<br/>" are the same)
    for gap in gaps:
        if _LINE_BREAK_TAG_RE.search(gap) or not _LIST_BREAK_CHARS.isdisjoint(_MARKUP_RE.sub("", gap)):
            return True
    return False


def _other_cut_is_plausible(window: list[_Group]) -> bool:
    """Windows not cut like a phone number: accept hidden ones (spelled digits, look-alikes, odd
    digit forms); plain digits need one separator throughout and 2-5 groups of at most 4 digits
    ("8-185-550-185", "21 45 55 01 34"), so counting, dates and price lists stay out."""
    if any(g.kinds != {"ascii"} for g in window):
        return True
    gaps = {g.gap_before for g in window[1:]}
    return len(gaps) == 1 and len(window) <= 5 and all(len(g.digits) <= 4 for g in window)


def _windows(text: str, groups: list[_Group]) -> list[_Window]:
    found: list[_Window] = []
    for i, first in enumerate(groups):
        if not _can_be_edge(text, first):
            continue
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j].digits
            if len(digits) > 11:
                break
            if len(digits) < 10 or not _can_be_edge(text, groups[j]):
                continue
            if len(digits) == 10:
                national, country_code = digits, False
            elif digits[0] == "1" and _leading_one_is_country_code(text, groups, i, j):
                national, country_code = digits[1:], True
            else:
                continue
            window = groups[i : j + 1]
            if _joins_separate_plain_numbers(window):
                continue
            shaped = _shape_is_phone(window, country_code)
            if (shaped or _other_cut_is_plausible(window)) and _is_valid_nanp(national):
                widest = max((len(g.gap_before) for g in window[1:]), default=0)
                found.append(_Window(i, j, national, shaped, widest))
    return found


def _pick(windows: list[_Window]) -> list[_Window]:
    """Non-overlapping windows: phone-shaped first, then the most tightly written ("$250 | 480five 5
    50 one 0 6" is 480-555-0106, not 250-480-5550), then leftmost."""
    chosen: list[_Window] = []
    for w in sorted(windows, key=lambda w: (not w.phone_shaped, w.widest_gap, w.first)):
        if all(w.last < c.first or w.first > c.last for c in chosen):
            chosen.append(w)
    chosen.sort(key=lambda w: w.first)
    return chosen


def _style(raw: str, groups: list[_Group]) -> str:
    """A short name for how the number was written; "plain" means not obfuscated."""
    kinds = set().union(*(g.kinds for g in groups))
    gaps = "".join(g.gap_before for g in groups[1:])
    if "keycap" in kinds:
        return "keycap"
    if kinds & {"unicode", "circled"}:
        return "unicode_digits"
    if kinds == {"word"}:
        return "words"
    if "word" in kinds:
        return "mixed_words"
    if "look" in kinds:
        return "lookalike"
    if _MARKUP_RE.search(gaps):
        return "html"
    if any(not ch.isascii() for ch in gaps):
        return "symbols"
    if _CONNECTOR_RE.search(gaps):
        return "words_between"
    if _PLAIN_RE.fullmatch(raw):
        return "plain"
    if len(groups) >= 7 and all(len(g.digits) == 1 for g in groups):
        return "spaced"
    return "separators"


# (start, end, e164, confidence, style) of a number, offsets into the text given to `_run_numbers`.
_Found = tuple[int, int, str, float, str]


@lru_cache(maxsize=16384)
def _run_numbers(text: str, start: int) -> tuple[_Found, ...]:
    """The numbers in one run: `text` is the run with the character before it (if any), `start` where
    the run begins in it (0 or 1).

    Nothing outside the run but that one character is ever read (an opening "(" or "+", a country
    code's "+"), so the result depends on these two arguments only and is cached: networks repost the
    same number, written the same way, across many ads (about half the runs of a demo corpus repeat).
    """
    groups = _groups(text, start, len(text))
    found: list[_Found] = []
    for w in _pick(_windows(text, groups)):
        window = groups[w.first : w.last + 1]
        first, end = window[0].start, window[-1].end
        if len(window[0].digits) == 3 and len(window) > 1 and window[1].gap_before.startswith(")"):
            if first > 0 and text[first - 1] in "(（":
                first -= 1  # "(214)" keeps its opening parenthesis
        elif first > 0 and text[first - 1] in "+＋" and window[0].digits[0] == "1":
            first -= 1  # "+1"
        style = _style(text[first:end], window)
        found.append((first, end, "+1" + w.national, 1.0 if w.phone_shaped else 0.8, style))
    return tuple(found)


def find_phones(text: str) -> list[Span]:
    """Every phone number in `text`, in text order; value is E.164 (+12145550134)."""
    spans: list[Span] = []
    covered = 0
    for position in _run_starts(text):
        if position < covered:
            continue
        widened = position
        while widened > covered and text[widened - 1] in _LOOKALIKES:
            widened -= 1
        run = _RUN_RE.match(text, widened) or (_RUN_RE.match(text, position) if widened != position else None)
        if run is None:
            continue
        run_start, covered = run.span()
        if covered - run_start < _MIN_RUN_CHARS:
            continue
        offset = run_start - 1 if run_start else 0
        for start, end, value, confidence, style in _run_numbers(text[offset:covered], run_start - offset):
            start += offset
            end += offset
            spans.append(
                Span(
                    start,
                    end,
                    text[start:end],
                    value,
                    confidence,
                    {"obfuscated": style != "plain", "style": style},
                )
            )
    return spans
