"""Prices in an ad: "$200/hr", "150 hh", "HH120", "Qv-60", "150 roses/hr", "$300 overnight", "2hrs 380".

A number counts as a price only with a sign of money or time around it: a `$`, `£`, `€` (or "usd",
"dollars"), a rate unit after or before it (glued, dashed, after ":" or "." too), or a "roses" /
"donation" word. Phone digits, "24/7", "100%", "5 min away", "available 24hr" and "open 10-2" are not
prices. value is the amount ("200", commas dropped); attrs carry
- "unit": "hour" | "half_hour" | "quarter_hour" | "minutes" | "overnight" | "short_stay" | "session" | None
- "minutes": the duration the amount pays for (60, 30, 15, 45, 90, 120, ...) or None
- "unit_text": the unit as written ("hh", "Qv", "2hrs", "hr"), "currency": "USD" unless "£"/"€" say so.
Amounts from 40 to 20,000; from 20 when a rate abbreviation ("hh", "qv") or a money sign makes a
smaller number a price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from safeharbor.types import Span

EXTRACTOR = "prices"
VERSION = "2"

MIN_AMOUNT, MAX_AMOUNT = 40, 20_000
MIN_WITH_UNIT = 20  # "$30 qv": a rate abbreviation or money sign makes a small number a price

# A duration with its count: "2hrs", "90 min", "1.5 hours", "one hour", "45min".
_DURATION = r"(?:\d{1,3}(?:\.5)?|one|two|three|four|an?)\s*-?\s*(?:h(?:ou)?rs?|hours?|h|min(?:ute)?s?|mins?)"
# Rate abbreviations that are never anything but a rate: they lower the amount floor.
_ABBREVIATION = r"(?:hhr|hh|hf|qv|qk|qq|ss|fh|ovn)"
# Rate units as ads write them. Longer alternatives first.
_UNIT = (
    rf"(?:half\s*(?:an?\s*)?h(?:ou)?r|{_DURATION}|half|{_ABBREVIATION}|1/2\s*h(?:ou)?rs?|"
    r"quick\s*visit|quickie|short\s*stay|full\s*hour|"
    r"over\s*night|all\s*night|hour|hr|h|session)(?![a-z])"
)
_MONEY_WORD = r"(?:roses?|donations?|gifts?|rates?|price|fee|contributions?)"

# Each price is found from its number (an anchor), then the words before and after it: scanning for
# digits first is several times faster than one big alternation over the whole text.
_NUMBER = re.compile(r"\d+")
_THOUSANDS = re.compile(r",\d{3}(?!\d)")
_NEVER_BEFORE = frozenset("#+,'")
_BAD_AFTER = re.compile(r"%|[-,/:]\d|\.(?!00(?!\d))\d")
_CENTS = re.compile(r"\.00(?!\d)")
# What may stand before an amount: a unit ("hh 150", "1hr: $200", "HH120", "Qv-60"), a money word
# ("roses: 200", "Rates:150"), a currency sign.
_BEFORE = re.compile(
    rf"(?:(?<![\w/])(?P<unit>{_UNIT})\s*(?:[:=\-\u2013@.]|is\b|for\b)?\s*(?P<sign>[$\u00a3\u20ac])?\s?"
    rf"|\b(?P<word>{_MONEY_WORD})\s*[:=\-\u2013.]?\s*(?P<wsign>[$\u00a3\u20ac])?\s?"
    r"|(?P<dollar>[$\u00a3\u20ac])\s?)\Z",
    re.IGNORECASE,
)
# What may follow it: a currency ("200$", "200 usd"), a money word ("150 roses"), then a unit joined by
# "/", "per", "an", "for"... ("150 roses/hr", "$150 an hour", "120hh").
_AFTER = re.compile(
    r"(?P<currency>\s?(?:[$\u00a3\u20ac]|usd\b|dollars?\b|bucks\b|gbp\b|eur\b|euros?\b))?"
    r"(?:\s*(?P<word>roses?|donations?|gifts?)\b)?"
    rf"(?:\s*(?:/|-|per\b|an?\b|for\s+(?:an?\b|one\b)?)?\s*(?P<unit>{_UNIT}))?",
    re.IGNORECASE,
)
_ABBREVIATION_RE = re.compile(_ABBREVIATION, re.IGNORECASE)
_BEFORE_REACH = 20
_BEFORE_ENDS = frozenset("$\u00a3\u20ac=\u2013@(/")  # what else may stand right before an amount
_CURRENCY = {"$": "USD", "\u00a3": "GBP", "\u20ac": "EUR", "gbp": "GBP", "eur": "EUR", "euro": "EUR",
             "euros": "EUR"}  # fmt: skip
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1, "an": 1}
_COUNT_RE = re.compile(r"(\d{1,3}(?:\.5)?|one|two|three|four|an?)\s*-?\s*(h|m)", re.IGNORECASE)


def minutes_of(written: str | None) -> int | None:
    """Minutes a written unit stands for ("hh" 30, "qv" 15, "2hrs" 120, "45min" 45); None if none."""
    if not written:
        return None
    word = re.sub(r"\s+", "", written.lower())
    count = _COUNT_RE.match(word)
    if count is not None:
        n = count.group(1)
        value = float(_COUNT_WORDS.get(n, 0) or n)
        return int(value * 60) if count.group(2) == "h" else int(value)
    if word.startswith(("half", "hh", "hf", "1/2")):
        return 30
    if word.startswith(("qv", "qk", "qq", "quick")):
        return 15
    if word.startswith(("over", "ovn", "allnight", "ss", "short", "session")):
        return None
    return 60  # "hr", "h", "hour", "fh", "full hour"


def unit_of(written: str | None) -> str | None:
    """The rate unit a written unit means ("hh" -> "half_hour", "ovn" -> "overnight"); None if none."""
    if not written:
        return None
    word = re.sub(r"\s+", "", written.lower())
    if word.startswith(("over", "ovn", "allnight")):
        return "overnight"
    if word.startswith(("ss", "short")):
        return "short_stay"
    if word == "session":
        return "session"
    minutes = minutes_of(written)
    return {15: "quarter_hour", 30: "half_hour", 60: "hour"}.get(minutes or 0, "minutes")


def _currency(*signs: str | None) -> str:
    for sign in signs:
        if sign:
            return _CURRENCY.get(sign.strip().lower(), "USD")
    return "USD"


@dataclass(frozen=True, slots=True)
class _Amount:
    """A number that may be a price: where it stands, its value, and the list it may belong to."""

    start: int
    end: int  # after the digits (and ".00" cents)
    amount: int
    lead: str  # the character right before it ("" at the start of the text)
    slash_list: bool  # followed by "/<digit>": "150/230" or "24/7"
    listed: bool  # the second amount of "rates: 150/230", right after the previous price


def _digits_end(text: str, start: int, end: int) -> int:
    """Where the number ends, "$1,000" read whole."""
    if end - start <= 2 and text.startswith(",", end):
        thousands = _THOUSANDS.match(text, end)
        return thousands.end() if thousands else end
    return end


def _amount_at(text: str, number: re.Match[str], last_end: int, after_price: bool) -> _Amount | None:
    """The number as an amount, or None when its digits or what follows them cannot be a price."""
    start = number.start()
    lead = text[start - 1] if start else ""
    if start < last_end or lead in _NEVER_BEFORE:
        return None
    end = _digits_end(text, start, number.end())
    digits = text[start:end]
    if not 2 <= len(digits) <= 6:
        return None
    slash_list = text.startswith("/", end) and text[end + 1 : end + 2].isdigit()
    if _BAD_AFTER.match(text, end) and not slash_list:
        return None
    amount = int(digits.replace(",", ""))
    if not MIN_WITH_UNIT <= amount <= MAX_AMOUNT:
        return None
    cents = _CENTS.match(text, end)
    listed = lead == "/" and start - 1 == last_end and after_price  # "rates: 150/230": the 230
    return _Amount(start, cents.end() if cents else end, amount, lead, slash_list, listed)


def _words_before(text: str, found: _Amount, last_end: int) -> re.Match[str] | None:
    """A unit, money word or currency sign right before the amount (never reaching into the last price)."""
    lead, start = found.lead, found.start
    glued = lead.isalpha() or (lead in "-:." and start >= 2 and text[start - 2].isalpha())
    if lead and not glued and not lead.isspace() and lead not in _BEFORE_ENDS:
        return None  # "214-555": only a unit or money word glued on ("Qv-60", "hh.150") may stand here
    return _BEFORE.search(text, max(last_end, start - _BEFORE_REACH), start) if start else None


def _inside_word(found: _Amount, before: re.Match[str] | None) -> bool:
    """ "I-35", "abc123": a number inside a word or a code, with no unit or money word glued to it."""
    return before is None and bool(found.lead) and (found.lead.isalnum() or found.lead in "-:.@")


def _bare_slash(found: _Amount, before: re.Match[str] | None, after: re.Match[str] | None) -> bool:
    """ "24/7", "3/15": a slash between numbers without money around them."""
    has_unit_after = bool(after and after.group("unit"))
    return found.slash_list and before is None and not found.listed and not has_unit_after


def _extent(
    found: _Amount, before: re.Match[str] | None, after: re.Match[str] | None
) -> tuple[int, int, str | None] | None:
    """Start, end and written unit of the price around the amount; None when nothing makes it one."""
    if before is not None and before.group("unit"):
        # "hh 150 hr 250": a unit before the amount is its own; the one after belongs to the next.
        end = after.end("currency") if after and after.group("currency") else found.end
        return before.start(), end, before.group("unit")
    if before or found.listed or (after and after.end() > found.end):
        start = before.start() if before else found.start
        return start, after.end() if after else found.end, after.group("unit") if after else None
    return None


def _signs(before: re.Match[str] | None, after: re.Match[str] | None) -> tuple[str | None, str | None]:
    """The currency written before and after the amount."""
    sign_before = before.group("sign") or before.group("wsign") or before.group("dollar") if before else None
    return sign_before, after.group("currency") if after else None


def _has_money_word(before: re.Match[str] | None, after: re.Match[str] | None) -> bool:
    return bool(before and before.group("word")) or bool(after and after.group("word"))


def _small_enough_to_doubt(amount: int, unit: str | None, money: bool) -> bool:
    """ "$20 off", "24hr": a number under MIN_AMOUNT is a price only with a rate unit (and money or an
    abbreviation that is only ever a rate)."""
    if amount >= MIN_AMOUNT:
        return False
    return not (unit and (money or _ABBREVIATION_RE.fullmatch(unit.strip())))


def _price(text: str, found: _Amount, last_end: int) -> Span | None:
    """The price this amount states, with the words around it; None if it is not a price."""
    before = _words_before(text, found, last_end)
    if _inside_word(found, before):
        return None
    after = _AFTER.match(text, found.end)
    if _bare_slash(found, before, after):
        return None
    extent = _extent(found, before, after)
    if extent is None:
        return None
    start, end, unit = extent
    signs = _signs(before, after)
    if _small_enough_to_doubt(found.amount, unit, any(signs) or _has_money_word(before, after)):
        return None
    raw = text[start:end].rstrip()
    attrs = {
        "unit": unit_of(unit),
        "minutes": minutes_of(unit),
        "unit_text": unit,
        "currency": _currency(*signs),
    }
    return Span(start, start + len(raw), raw, str(found.amount), 0.9, attrs)


def find_prices(text: str) -> list[Span]:
    """Every price the text states, in text order."""
    spans: list[Span] = []
    last_end = 0
    for number in _NUMBER.finditer(text or ""):
        found = _amount_at(text, number, last_end, bool(spans))
        span = _price(text, found, last_end) if found is not None else None
        if span is not None:
            spans.append(span)
            last_end = span.end
    return spans
