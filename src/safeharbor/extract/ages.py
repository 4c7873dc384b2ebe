"""Ages an ad states for an advertised person: "19 yrs", "19yo", "age: 19", "I'm 19", "nineteen years old".

Numbers that only look like ages are left alone: "24/7", "24 hours", "5 min away", "$200", "100% real",
phone digits, years ("since 2019"), heights and dates. Plausible ages are 16..60; ages under 18 are
kept (they are the point) but are rare. Each span's raw text is the whole phrase ("19 y/o"), value the
number ("19"), attrs["form"] which phrasing matched. HTML tags between the words are tolerated.
"""

from __future__ import annotations

import re

from safeharbor.extract.names import looks_like_name
from safeharbor.types import Span

EXTRACTOR = "ages"
VERSION = "2"

MIN_AGE, MAX_AGE = 13, 60
# Ages under this are kept only from phrasings that state an age ("15 yrs old", "age: 15", "I'm 15",
# "fifteen years old"), never from a bare number beside a name or in a title segment: a stated age
# under 18 is the strongest evidence there is, so it must be a statement, not a count.
STATED_ONLY_BELOW = 18
_STATED_FORMS = frozenset({"years", "age", "im", "turned", "words"})
_MONTHS = frozenset(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
     "dec")
)  # fmt: skip
# A profile-table label on the line before a number standing alone: the number is that measure.
_TABLE_LABEL = re.compile(
    r"(?:shoe|size|weight|height|bust|waist|hips?|cup|dress|kg|lbs?|pounds|cm|inches|measurements?|"
    r"tall|rate|price|hours?|room|floor)\b[^\r\n]{0,10}\Z",
    re.IGNORECASE,
)
# "... 2016": a year right after the number makes it a day of a date ("June 25, 2016").
_YEAR_AFTER = re.compile(r",?\s*(?:19|20)\d\d(?!\d)")
# A range: "18-35", "Age 25-29", "ages 21 to 30".
_RANGE_AFTER = re.compile(
    r"\s*(?:-|\u2013|to)\s*(\d\d)(?!\d)(?!\s*(?:%|\$|min|hr|hour|am|pm))", re.IGNORECASE
)
_RANGE_BEFORE = re.compile(r"\bages?\b\s*[:=\-\u2013]?\s*\Z|(?:^|[\s(])\Z", re.IGNORECASE)

# Whitespace, &nbsp; or an HTML tag between words (crawled ads keep their markup).
_S = r"(?:\s|&nbsp;|<[/!]?[A-Za-z][^<>]{0,40}>)*"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_WORD_NUM = (
    rf"(?P<n>(?:twenty|thirty|forty|fifty)(?:[\s-]?(?:{_ONES}))?\b"
    r"|sixty\b|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
# "yrs", "years", "yr", "y/o", "y.o.", "yo" (a word of its own), then optionally "old"/"young"/"of age".
_YEARS = r"(?:y(?:ea)?rs?\b\.?|y\s?/\s?o\b|y\.o\.?|yo\b)"
_OLD = rf"(?:{_S}[\s-]?(?:old|young|of{_S}age)\b)?"
# "20 years of experience", "10 years in business": years that are not an age.
# On the same line: "Luna 40 yrs<newline>in town" is an age.
_NOT_AGE_AFTER = (
    rf"(?![ \t]*(?:&nbsp;|<[/!]?[A-Za-z][^<>]{{0,40}}>)*[ \t]*"
    rf"(?:of\b(?!{_S}age)|in\b|exp|ago\b|since\b|together|running|serving|experience))"
)

# Every numeric form is found from its two-digit number (an anchor), then the words around it:
# scanning for digits first is several times faster than one big alternation over the whole text.
_DIGITS = re.compile(r"\d+")
_NOT_BEFORE = frozenset("$.,/:#+-'\u2019")
# Not a percentage, time, date, decimal or price: "24/7", "10:30", "12/19", "100%", "20$".
_BAD_AFTER = re.compile(r"[%]|[/:.,]\d|\s?(?:%|\$)")
_SUFFIX = re.compile(rf"{_S}-?{_S}{_YEARS}{_OLD}{_NOT_AGE_AFTER}", re.IGNORECASE)
_PREFIX = re.compile(
    rf"(?:(?P<age>\bage[ds]?\b{_S}(?:is{_S})?[:=\-\u2013]?{_S})"
    rf"|(?P<im>\b(?:i['\u2019]?m|i\s+am){_S}(?:only{_S}|just{_S}|now{_S})?)"
    rf"|(?P<turned>\b(?:just\s+)?turned{_S})"
    r"|(?P<paren>\(\s*)"
    r"|(?P<segment>(?:^|[-\u2013\u2014|~\u2022])[ \t]*))\Z",
    re.IGNORECASE | re.MULTILINE,
)
# "Crystal 18, sweet", "Fun Aurora 31": a working name right before the number.
_NAME_BEFORE = re.compile(r"(?<![A-Za-z'\u2019])(?P<name>[A-Z][a-z]{1,14}|[A-Z]{2,15}),?[ \t]+\(?\Z")
_NAME_AGE_END = re.compile(
    r"[ \t]*(?:[,.;!|~\-\u2013)&<\u2600-\u27BF\U0001F300-\U0001FAFF]|\r|$|here\b|and\b)", re.MULTILINE
)
_PAREN_CLOSE = re.compile(r"\s*\)")
_SEGMENT_END = re.compile(r"[ \t]*(?:[-\u2013\u2014|~\u2022]|\r|$)", re.MULTILINE)
# " - 23 Ready now": a dashed title segment may go on with words (not a unit: "- 30 min").
_SEGMENT_WORDS_AFTER = re.compile(r" [A-Za-z]")
_UNIT_WORD = re.compile(r"(?:min|hour|hr|mile|mi\b|lb|pound|ft|feet|inch|yr|year|%)", re.IGNORECASE)
# After "I'm 19": not a unit ("I'm 30 min away", "I'm 5'4", "I'm 34dd").
_NOT_UNIT_AFTER = re.compile(
    r"[a-z%$'\"\u2019]|\s*(?:min|mins|minutes|hours?|hrs?|miles?|mi\b|lbs?|pounds|ft|feet|inch|%|\$|'|\")",
    re.IGNORECASE,
)
_WORD_FORMS = re.compile(
    rf"(?:\b(?i:age[ds]?|i['\u2019]?m|i\s+am|turned){_S}(?i:only{_S}|just{_S})?[:=]?{_S}(?i:{_WORD_NUM})"
    rf"|(?i:{_WORD_NUM.replace('?P<n>', '?P<m>')}){_S}-?{_S}(?i:{_YEARS}{_OLD}){_NOT_AGE_AFTER}"
    rf"|(?<![A-Za-z'\u2019])(?P<nm>[A-Z][a-z]{{1,14}}),?[ \t]+(?i:{_WORD_NUM.replace('?P<n>', '?P<q>')})"
    r"(?=[ \t]*(?:[,.;!\r]|$|here\b)))",
    re.MULTILINE,
)
_WORD_GATE = ("teen", "twenty", "thirty", "forty", "fifty", "sixty")
_PREFIX_REACH = 40

_UNITS = {n: i for i, n in enumerate(_ONES.split("|"), start=1)}
_WORDS = {"thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}  # fmt: skip
_CONFIDENCE = {
    "years": 0.95,
    "age": 0.95,
    "im": 0.85,
    "turned": 0.9,
    "paren": 0.7,
    "words": 0.9,
    "segment": 0.6,
    "name": 0.8,
    "range": 0.5,
}


def _word_value(words: str) -> int:
    parts = re.split(r"[\s-]+", words.lower())
    return _WORDS[parts[0]] + (_UNITS[parts[1]] if len(parts) > 1 else 0)


def _after_table_label(text: str, start: int) -> bool:
    """The number stands alone on a line whose previous line is a measure's label ("Shoe size")."""
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start))
    if line_start < 0 or text[line_start + 1 : start].strip():
        return False
    previous = text[max(0, line_start - 40) : line_start].rstrip("\r\n")
    return _TABLE_LABEL.search(previous) is not None


def _numeric(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """(span start, span end, form) for the two-digit number at text[start:end], if it is a stated age."""
    suffix = _SUFFIX.match(text, end)
    if suffix is not None:
        return start, suffix.end(), "years"
    prefix = _PREFIX.search(text, max(0, start - _PREFIX_REACH), start)
    if prefix is not None and prefix.lastgroup in ("age", "turned"):
        return prefix.start(), end, prefix.lastgroup
    if _YEAR_AFTER.match(text, end):
        return None  # "June 25, 2016": the day of a date
    if prefix is None:
        named = _NAME_BEFORE.search(text, max(0, start - 20), start)
        if (
            named
            and _NAME_AGE_END.match(text, end)
            and named.group("name").lower() not in _MONTHS
            and looks_like_name(named.group("name"))
        ):
            return start, end, "name"
        return None
    form = prefix.lastgroup or ""
    if form == "im":
        return None if _NOT_UNIT_AFTER.match(text, end) else (prefix.start(), end, form)
    if form == "paren":
        return (start, end, form) if _PAREN_CLOSE.match(text, end) else None
    if _after_table_label(text, start):
        return None  # "Shoe size\n38": a profile table's measure
    if _SEGMENT_END.match(text, end):
        return start, end, form
    # "Sweet Lexi - 23 Ready now": a spaced dash before, words (not a unit: "- 30 min") after.
    spaced_dash = text[max(0, start - 3) : start] in (" - ", " \u2013 ", " \u2014 ")
    if spaced_dash and _SEGMENT_WORDS_AFTER.match(text, end) and not _UNIT_WORD.match(text, end + 1):
        return start, end, form
    return None


def _range(text: str, start: int, end: int) -> tuple[int, int, int, int] | None:
    """(span start, span end, low, high) of an age range starting at the number: "18-35", "Age 25-29"."""
    m = _RANGE_AFTER.match(text, end)
    if m is None:
        return None
    low, high = int(text[start:end]), int(m.group(1))
    if not (low < high <= MAX_AGE and high - low <= 42):
        return None
    before = _RANGE_BEFORE.search(text, max(0, start - 12), start)
    if before is None:
        return None
    labelled = before.group().strip() != "" and before.group().strip()[0].isalpha()
    if not labelled and low < 18:
        return None
    return (before.start() if labelled else start), m.end(), low, high


def find_ages(text: str) -> list[Span]:
    """Every age the text states for an advertised person, in text order."""
    if not text:
        return []
    found: list[tuple[int, int, int, str]] = []
    ranges: dict[int, tuple[int, int]] = {}
    for m in _DIGITS.finditer(text):
        start, end = m.span()
        if end - start != 2 or (start and text[start - 1] in _NOT_BEFORE) or _BAD_AFTER.match(text, end):
            continue
        age = int(m.group())
        if not MIN_AGE <= age <= MAX_AGE:
            continue
        ranged = _range(text, start, end)
        if ranged is not None:
            ranges[ranged[0]] = (ranged[2], ranged[3])
            found.append((ranged[0], ranged[1], age, "range"))
            continue
        hit = _numeric(text, start, end)
        if hit is not None and (age >= STATED_ONLY_BELOW or hit[2] in _STATED_FORMS):
            found.append((hit[0], hit[1], age, hit[2]))
    lowered = text.lower()
    if any(word in lowered for word in _WORD_GATE):
        for m in _WORD_FORMS.finditer(text):
            name = m.group("nm")
            if name and (name.lower() in _MONTHS or not looks_like_name(name)):
                continue
            age = _word_value(m.group("n") or m.group("m") or m.group("q"))
            if MIN_AGE <= age <= MAX_AGE and (age >= STATED_ONLY_BELOW or not name):
                found.append((m.start(), m.end(), age, "words"))
    spans: list[Span] = []
    last_end = -1
    for start, end, age, form in sorted(found):
        raw = text[start:end].rstrip()
        if start < last_end:
            continue  # overlapping phrasings of one statement: keep the first
        attrs: dict[str, object] = {"form": form}
        if form == "range":  # value is the low end; the range is kept whole in attrs
            attrs["low"], attrs["high"] = ranges[start]
        spans.append(Span(start, start + len(raw), raw, str(age), _CONFIDENCE[form], attrs))
        last_end = start + len(raw)
    return spans
