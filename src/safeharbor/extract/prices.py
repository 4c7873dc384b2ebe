"""Prices in an ad: "$200/hr", "150 hh", "200 per hour", "$300 overnight", "roses: 200", "hh 150".

A number counts as a price only with a sign of money or time around it: a `$` (or "usd", "dollars"),
a rate unit after or before it, or a "roses"/"donation" word. Phone digits, "24/7", "100%", "5 min
away" and "open 10-2" are not prices. value is the amount ("200", commas dropped); attrs carry the
unit ("hour" | "half_hour" | "quarter_hour" | "overnight" | "session" | None) and currency "USD".
"""

from __future__ import annotations

import re

from safeharbor.types import Span

EXTRACTOR = "prices"
VERSION = "1"

MIN_AMOUNT, MAX_AMOUNT = 40, 20_000

# Rate units as ads write them. Longer alternatives first.
_UNIT = (
    r"(?:half\s*(?:an?\s*)?h(?:ou)?r|half|hh|1/2\s*h(?:ou)?rs?|30\s*min(?:ute)?s?|"
    r"quick\s*visit|quickie|qv|qk|15\s*min(?:ute)?s?|20\s*min(?:ute)?s?|"
    r"over\s*night|ovn|all\s*night|"
    r"(?:1|one)\s*h(?:ou)?r|60\s*min(?:ute)?s?|hour|hr|h|session)\b"
)
_MONEY_WORD = r"(?:roses?|donations?|gifts?|rates?|price|fee|contributions?)"

# Each price is found from its number (an anchor), then the words before and after it: scanning for
# digits first is several times faster than one big alternation over the whole text.
_NUMBER = re.compile(r"\d+")
_THOUSANDS = re.compile(r",\d{3}(?!\d)")
_NOT_BEFORE = re.compile(r"[\w.,:#+\-]")
_BAD_AFTER = re.compile(r"%|[-,/:]\d|\.(?!00(?!\d))\d")
_CENTS = re.compile(r"\.00(?!\d)")
# What may stand before an amount: a unit ("hh 150", "1hr: $200"), a money word ("roses: 200"), a "$".
_BEFORE = re.compile(
    rf"(?:(?<![\w/])(?P<unit>{_UNIT})\s*(?:[:=\-\u2013@]|is\b|for\b)?\s*\$?\s?"
    rf"|\b(?P<word>{_MONEY_WORD})\s*[:=\-\u2013]?\s*\$?\s?"
    r"|(?P<dollar>\$)\s?)\Z",
    re.IGNORECASE,
)
# What may follow it: a currency ("200$", "200 usd"), then a unit joined by "/", "per", "an", "for"...
_AFTER = re.compile(
    r"(?P<currency>\s?(?:\$|usd\b|dollars?\b|bucks\b))?"
    rf"(?:\s*(?:/|per\b|an?\b|for\s+(?:an?\b|one\b)?)?\s*(?P<unit>{_UNIT})|\s*(?P<word>roses?|donations?|gifts?)\b)?",
    re.IGNORECASE,
)
_BEFORE_REACH = 20
_BEFORE_ENDS = frozenset("$=\u2013@")


def unit_of(written: str | None) -> str | None:
    """The rate unit a written unit means ("hh" -> "half_hour", "ovn" -> "overnight"); None if none."""
    if not written:
        return None
    word = re.sub(r"\s+", "", written.lower())
    if word.startswith(("half", "hh", "1/2", "30min")):
        return "half_hour"
    if word.startswith(("qv", "qk", "quick", "15min", "20min")):
        return "quarter_hour"
    if word.startswith(("over", "ovn", "allnight")):
        return "overnight"
    if word == "session":
        return "session"
    return "hour"


def find_prices(text: str) -> list[Span]:
    """Every price the text states, in text order."""
    if not text:
        return []
    spans: list[Span] = []
    last_end = 0
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        if start < last_end or (start and _NOT_BEFORE.match(text, start - 1)):
            continue
        if end - start <= 2 and text.startswith(",", end):
            thousands = _THOUSANDS.match(text, end)  # "$1,000"
            end = thousands.end() if thousands else end
        digits = text[start:end]
        if not 2 <= len(digits) <= 6:
            continue
        if _BAD_AFTER.match(text, end):
            continue
        cents = _CENTS.match(text, end)
        end = cents.end() if cents else end
        amount = int(digits.replace(",", ""))
        if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
            continue
        # Past _NOT_BEFORE, a _BEFORE match can only end in "$", "=", "\u2013", "@" or a space.
        lead = text[start - 1] if start else ""
        before = (
            _BEFORE.search(text, max(last_end, start - _BEFORE_REACH), start)
            if lead in _BEFORE_ENDS or lead.isspace()
            else None
        )
        after = _AFTER.match(text, end)
        if before is not None and before.group("unit"):
            # "hh 150 hr 250": a unit before the amount is its own; the one after belongs to the next.
            span_start, unit = before.start(), before.group("unit")
            span_end = after.end("currency") if after and after.group("currency") else end
        elif before or (after and after.end() > end):
            span_start = before.start() if before else start
            span_end = after.end() if after else end
            unit = after.group("unit") if after else None
        else:
            continue
        raw = text[span_start:span_end].rstrip()
        span_end = span_start + len(raw)
        spans.append(
            Span(span_start, span_end, raw, str(amount), 0.9, {"unit": unit_of(unit), "currency": "USD"})
        )
        last_end = span_end
    return spans
