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
4. Numbers abroad: a window after "+CC" (or "00CC") is parsed in that country, never as +1 (not even
   the digits after it); a national form with a trunk 0 ("07700 900123", "(03) 5550 0123") is read in
   the country the ad gives (location field, address, country words, big cities, another number's
   +CC; see `countries`), and without one it is kept with its national digits, confidence 0.3 and
   attrs saying why ("ambiguous": "country", "regions": where it would be valid, "reason").
5. Words for digits by sound ("for" = 4, "to"/"too" = 2) and teens ("seventeen" = 17) count inside a
   number spelled out in words; alone in prose ("2 for 1", "10 to 2") they are words.

`normalise(text, region_hint)` is the one phone normaliser: search and tips call it, so a number
typed there gets the E.164 the extractor gives the ad.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from safeharbor.extract import countries, numbering
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
VERSION = "2"

_DIGIT_WORDS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
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
# Words a run may start with (teens that begin with a digit word are found through it).
_SCAN_WORDS = ("zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve", "thirteen", "fifteen")  # fmt: skip
# Words that stand for a digit by sound ("seven for too" is 7-4-2). They are ordinary words too, so
# they count only inside numbers spelled out with at least _MIN_WORDS_WITH_SOUNDS digit words.
_SOUND_WORDS = {"fore": "4", "for": "4", "too": "2", "to": "2"}
_MIN_WORDS_WITH_SOUNDS = 3
# Letters written for digits. Lower-case "s" is left out: it follows digits in ordinary prose ("20s").
_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "S": "5"}

_WORD = (
    r"(?i:thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|eleven|twelve|ten|"
    r"zero|one|two|three|four|five|six|seven|eight|nine|oh)"
)
_SOUND = r"(?i:fore|for|too|to)"
_LOOK = "[" + "".join(_LOOKALIKES) + "]"
# Words spelled only with look-alike letters; never a group of digits at the edge of a number.
_LOOKALIKE_WORDS = frozenset({"lil", "oil", "ill", "lol", "loo", "sol", "soil", "silo", "solo", "soli"})
# Letters only count as digits when the whole letter run spells digits ("2one4", "O1three4"), never
# inside a word ("phone", "someone").
_ALPHA_CHUNK = rf"{NOT_AFTER_LETTER}(?:{_WORD}|{_SOUND}|{_LOOK})+{NOT_BEFORE_LETTER}"
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
_CHUNK_PART_RE = re.compile(rf"(?P<word>{_WORD})|(?P<sound>{_SOUND})|(?P<look>{_LOOK})")
# A sound word starts a run only when a digit or digit word follows it ("for one five ...").
_SOUND_START_RE = re.compile(
    rf"{NOT_AFTER_LETTER}{_SOUND}(?=(?:[\W_]{{1,4}})(?:\d|{_WORD}{NOT_BEFORE_LETTER}))"
)
_LINE_BREAK_TAG_RE = re.compile(r"<(?:br|p|/p|div|/div|li|/li)\b", re.IGNORECASE)
_TAG_NAME_RE = re.compile(r"<\s*/?\s*([A-Za-z]+)[^<>]*>")
_LIST_BREAK_CHARS = frozenset("\n\r/,;")
_MARKUP_RE = re.compile(rf"{HTML_TAG}|{HTML_ENTITY}")
_CONNECTOR_RE = re.compile(_CONNECTOR)
# Written the way phone numbers are ordinarily written (not obfuscated).
_PLAIN_RE = re.compile(r"(?:\+?1[-. ]?)?(?:\(\d{3}\)[-. ]?|\d{3}[-. ]?)\d{3}[-. ]?\d{4}", re.ASCII)
# Numbers abroad as their own country writes them: "+44 7700 900123", "07700-900-123", "(03) 5550 0123".
_PLAIN_ABROAD_RE = re.compile(
    r"(?:\+|00)?\(?\d+\)?(?:(?P<sep>[ .-])\(?\d+\)?)?(?:(?P=sep)\(?\d+\)?)*", re.ASCII
)
_MIN_RUN_CHARS = 10  # every unit is at least one character wide


@dataclass(slots=True)
class _Group:
    """Units with nothing between them, e.g. "2one4"; groups are never split."""

    start: int
    end: int
    digits: str
    kinds: set[str]  # "ascii", "unicode", "keycap", "circled", "word", "sound", "look"
    gap_before: str  # the text between the previous group and this one
    words: int = 0  # digit words in the group ("2one4" has one)
    sounds: int = 0  # words standing for a digit by sound ("for", "too")


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
def _chunk_digits(chunk: str) -> tuple[str, frozenset[str], int, int]:
    digits, kinds, words, sounds = [], set(), 0, 0
    for m in _CHUNK_PART_RE.finditer(chunk):
        if m.lastgroup == "word":
            digits.append(_DIGIT_WORDS[m.group().lower()])
            kinds.add("word")
            words += 1
        elif m.lastgroup == "sound":
            digits.append(_SOUND_WORDS[m.group().lower()])
            kinds.add("sound")
            sounds += 1
        else:
            digits.append(_LOOKALIKES[m.group()])
            kinds.add("look")
    return "".join(digits), frozenset(kinds), words, sounds


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
        words = sounds = 0
        if kind == "ascii":
            digits, kinds = token, frozenset({"ascii"})
        elif kind == "chunk":
            digits, kinds, words, sounds = _chunk_digits(token)
        else:
            digits, kinds = str(unicodedata.digit(token[0])), frozenset({kind or "unicode"})
        if current is not None and m.start() == previous_end:
            current.end = m.end()
            current.digits += digits
            current.kinds |= kinds
            current.words += words
            current.sounds += sounds
        else:
            current = _Group(
                m.start(), m.end(), digits, set(kinds), text[previous_end : m.start()], words, sounds
            )
            groups.append(current)
        previous_end = m.end()
    return groups


def _run_starts(text: str) -> list[int]:
    """Positions where a run may begin: digit clusters and digit words, each widened to the left
    over look-alike letters glued to it ("O1three4")."""
    starts = [m.start() for m in _DIGIT_CLUSTER_RE.finditer(text)]
    digit_count = len(starts)
    lowered = text.lower()
    for word in _SCAN_WORDS:
        at = lowered.find(word)
        while at != -1:
            if at == 0 or not lowered[at - 1].isalpha():  # not inside a word ("phone")
                starts.append(at)
            at = lowered.find(word, at + len(word))
    if len(starts) > digit_count:  # a sound word counts only beside spelled digits
        starts.extend(m.start() for m in _SOUND_START_RE.finditer(text))
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
    value: str  # E.164, or the national digits of a number whose country is unknown
    phone_shaped: bool
    widest_gap: int  # characters in the widest separator inside the window
    rank: int = 0  # 0 NANP or "+CC", 1 national form in the ad's country, 2 country unknown
    confidence: float = 1.0
    note: tuple[tuple[str, object], ...] = ()  # extra attrs (country, ambiguity and its reason)


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
    if len(window) == 3 and [len(g.digits) for g in window] == [3, 4, 3]:
        return all(len(gap.strip()) <= 1 for gap in gaps)  # "214 5550-134": 3-4-3, any two separators
    return len(gaps) == 1 and len(window) <= 5 and all(len(g.digits) <= 4 for g in window)


def _sounds_ok(window: list[_Group]) -> bool:
    """Words standing for digits by sound ("for", "too") only inside a number spelled out in words."""
    if not any("sound" in g.kinds for g in window):
        return True
    words = sum(g.words for g in window)
    return words >= 1 and words + sum(g.sounds for g in window) >= _MIN_WORDS_WITH_SOUNDS


def _after_foreign_code(text: str, groups: list[_Group], i: int) -> bool:
    """Group i follows "+CC" (CC not 1) within a few digits: it belongs to a number abroad, never +1."""
    digits = 0
    for k in range(i - 1, max(-1, i - 3), -1):
        digits += len(groups[k].digits)
        if digits > 5:
            return False
        g = groups[k]
        if g.start and text[g.start - 1] in "+\uff0b" and not g.digits.startswith("1"):
            return True
    return False


def _plain_groups_ok(window: list[_Group]) -> bool:
    """A number abroad written in plain digits: at most 6 groups and no list break between them."""
    if _joins_separate_plain_numbers(window):
        return False
    return len(window) <= 6 or all(len(g.digits) == 1 for g in window)


def _abroad(
    text: str, window: list[_Group], i: int, j: int, digits: str, regions: tuple[str, ...]
) -> _Window | None:
    """A window read as a number outside the NANP: "+44 7700 900123", "0044...", or a national form
    with a trunk 0 ("03 5550 0123") in the country the ad gives (or, with none, kept as ambiguous)."""
    first = window[0]
    widest = max((len(g.gap_before) for g in window[1:]), default=0)
    plus = first.start > 0 and text[first.start - 1] in "+\uff0b"
    if plus or digits.startswith("00"):
        e164 = numbering.international(digits if plus else digits[2:])
        return _Window(i, j, e164, True, widest) if e164 else None
    if digits[0] != "0" or not 9 <= len(digits) <= 12:
        return None
    for region in regions:
        e164 = numbering.in_region(digits, region)
        if e164 is not None:
            return _Window(i, j, e164, True, widest, 1, 0.9, (("country", region),))
    if not 2 <= len(window) <= 5 or len(set(digits)) < 4:
        return None  # one long block ("0100000000") is an id more often than a number abroad
    candidates = numbering.regions_where_valid(digits) if len(digits) >= 10 else ()
    if not candidates:
        return None
    reason = "a national number (trunk 0) and the ad names no country"
    note = (("ambiguous", "country"), ("regions", candidates), ("reason", reason))
    return _Window(i, j, digits, True, widest, 2, 0.3, note)


def _nanp(text: str, groups: list[_Group], i: int, j: int, digits: str) -> _Window | None:
    if len(digits) == 10:
        national, country_code = digits, False
    elif len(digits) == 11 and digits[0] == "1" and _leading_one_is_country_code(text, groups, i, j):
        national, country_code = digits[1:], True
    else:
        return None
    window = groups[i : j + 1]
    if _joins_separate_plain_numbers(window):
        return None
    shaped = _shape_is_phone(window, country_code)
    if (shaped or _other_cut_is_plausible(window)) and _is_valid_nanp(national):
        widest = max((len(g.gap_before) for g in window[1:]), default=0)
        return _Window(i, j, "+1" + national, shaped, widest, 0, 1.0 if shaped else 0.8)
    return None


def _windows(text: str, groups: list[_Group], regions: tuple[str, ...]) -> list[_Window]:
    found: list[_Window] = []
    for i, first in enumerate(groups):
        if not _can_be_edge(text, first):
            continue
        foreign = _after_foreign_code(text, groups, i)
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j].digits
            if len(digits) > 15:
                break
            if len(digits) < 9 or not _can_be_edge(text, groups[j]):
                continue
            window = groups[i : j + 1]
            if not _sounds_ok(window):
                continue
            if digits[0] == "0" or (first.start and text[first.start - 1] in "+\uff0b" and digits[0] != "1"):
                if _plain_groups_ok(window) and (w := _abroad(text, window, i, j, digits, regions)):
                    found.append(w)
            elif not foreign and len(digits) <= 11 and (w := _nanp(text, groups, i, j, digits)):
                found.append(w)
            elif not foreign and regions and len(digits) <= 11 and _plain_groups_ok(window):
                e164 = numbering.in_region(digits, regions[0])  # "7700 900123" in an ad placed in the UK
                if e164 is not None:
                    widest = max((len(g.gap_before) for g in window[1:]), default=0)
                    found.append(_Window(i, j, e164, True, widest, 1, 0.8, (("country", regions[0]),)))
    return found


def _pick(windows: list[_Window]) -> list[_Window]:
    """Non-overlapping windows: NANP and "+CC" numbers before national forms, phone-shaped first,
    then the most tightly written ("$250 | 480five 5 50 one 0 6" is 480-555-0106, not 250-480-5550),
    then leftmost, then longest."""
    chosen: list[_Window] = []
    for w in sorted(windows, key=lambda w: (w.rank, not w.phone_shaped, w.widest_gap, w.first, -w.last)):
        if all(w.last < c.first or w.first > c.last for c in chosen):
            chosen.append(w)
    chosen.sort(key=lambda w: w.first)
    return chosen


def _style(raw: str, groups: list[_Group], value: str) -> str:
    """A short name for how the number was written; "plain" means not obfuscated."""
    kinds = set().union(*(g.kinds for g in groups))
    gaps = "".join(g.gap_before for g in groups[1:])
    if "keycap" in kinds:
        return "keycap"
    if kinds & {"unicode", "circled"}:
        return "unicode_digits"
    if kinds <= {"word", "sound"}:
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
    if _PLAIN_RE.fullmatch(raw) or (
        not value.startswith("+1") and len(groups) <= 5 and _PLAIN_ABROAD_RE.fullmatch(raw)
    ):
        return "plain"
    if len(groups) >= 7 and all(len(g.digits) == 1 for g in groups):
        return "spaced"
    return "separators"


# (start, end, value, confidence, style, extra attrs) of a number, offsets into the text given to
# `_run_numbers`.
_Found = tuple[int, int, str, float, str, tuple[tuple[str, object], ...]]


@lru_cache(maxsize=16384)
def _run_numbers(text: str, start: int, regions: tuple[str, ...]) -> tuple[_Found, ...]:
    """The numbers in one run: `text` is the run with the character before it (if any), `start` where
    the run begins in it (0 or 1), `regions` the countries the ad names (for national forms).

    Nothing outside the run but that one character is ever read (an opening "(" or "+", a country
    code's "+"), so the result depends on these arguments only and is cached: networks repost the
    same number, written the same way, across many ads (about half the runs of a demo corpus repeat).
    """
    groups = _groups(text, start, len(text))
    found: list[_Found] = []
    for w in _pick(_windows(text, groups, regions)):
        window = groups[w.first : w.last + 1]
        first, end = window[0].start, window[-1].end
        if len(window[0].digits) == 3 and len(window) > 1 and window[1].gap_before.startswith(")"):
            if first > 0 and text[first - 1] in "(\uff08":
                first -= 1  # "(214)" keeps its opening parenthesis
        elif first > 0 and text[first - 1] in "+\uff0b" and window[0].digits[0] != "0":
            first -= 1  # "+1", "+44"
        style = _style(text[first:end], window, w.value)
        found.append((first, end, w.value, w.confidence, style, w.note))
    return tuple(found)


# A digit run that starts with a trunk 0 and goes on for 8+ digits: only then are country hints needed.
_TRUNK_RE = re.compile(r"(?<![\w+\uff0b\-./])\(?0\d[\d \-.()]{7,16}\d")
_COUNTRY_CODE_RE = re.compile(r"[+\uff0b]\s?([2-9]\d{0,2})")


def _text_regions(text: str) -> tuple[str, ...]:
    """Countries the text itself names: country words and big cities abroad, then "+CC" prefixes."""
    found = list(countries.text_countries(text))
    for m in _COUNTRY_CODE_RE.finditer(text):
        for size in (1, 2, 3):
            region = phonenumbers.region_code_for_country_code(int(m.group(1)[:size]))
            if region != "ZZ":
                if region not in found:
                    found.append(region)
                break
    return tuple(found)


def find_phones(text: str, regions: tuple[str, ...] = ()) -> list[Span]:
    """Every phone number in `text`, in text order; value is E.164 (+12145550134).

    `regions` are the countries the ad gives outside this text (location field, address), strongest
    first; the text's own country words and "+CC" prefixes are added after them. They are needed
    only for national forms ("07700 900123"); a national form in no known country keeps its digits as
    value, with confidence 0.3 and attrs {"ambiguous": "country", "regions": [...], "reason": ...}.
    """
    spans: list[Span] = []
    covered = 0
    if _TRUNK_RE.search(text):
        regions = tuple(dict.fromkeys(regions + _text_regions(text)))
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
        for start, end, value, confidence, style, note in _run_numbers(
            text[offset:covered], run_start - offset, regions
        ):
            start += offset
            end += offset
            attrs: dict[str, object] = {"obfuscated": style != "plain", "style": style}
            attrs.update((k, list(v) if isinstance(v, tuple) else v) for k, v in note)
            spans.append(Span(start, end, text[start:end], value, confidence, attrs))
    return spans


def normalise(text: str, region_hint: str | None = None) -> str | None:
    """The E.164 form of the first phone number in `text` (any spelling the extractor reads), else None.

    The one phone normaliser: search queries and tip forms call it, so a number typed there matches
    the number extracted from an ad. `region_hint` (ISO code, e.g. "GB") reads national forms.
    """
    regions = (region_hint.upper(),) if region_hint else ()
    for span in find_phones(text, regions):
        if span.value.startswith("+"):
            return span.value
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.strip().startswith(("+", "\uff0b")):
        return numbering.international(digits) or (
            "+" + digits if len(digits) == 11 and digits[0] == "1" and _is_valid_nanp(digits[1:]) else None
        )
    return numbering.in_region(digits, regions[0]) if regions and digits else None
