"""A literal pre-filter for indicator patterns: skip the indicators that cannot match a text at all.

Scoring runs every ad-level indicator's compiled alternation over every title and body; most of them
find nothing in most ads, and at 100k ads that scanning was most of the score stage. Each alternative
of an indicator (a word, a phrase, an emoji or a regex) must contain some literal text wherever it
matches (an "anchor": the longest run of plain characters in its top-level sequence, e.g. "game" in
`new\\s+to\\s+the\\s+game`). When no anchor of an indicator occurs in a text, none of its alternatives
can match there, so its regex need not run; when one occurs, the indicator runs exactly as before.
Results are therefore identical by construction (tests compare both paths on the demo corpus and on
generated text); an indicator with an alternative without any anchor simply always runs.

Containment is tested case-insensitively in the same way `re.IGNORECASE` compares characters: both
sides are mapped to their simple lower case and then to one representative of the few extra case
equivalences `re` knows (`ſ` ~ `s`, `ı` ~ `i`, Greek and Cyrillic variants).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache
from re import _casefix, _parser  # type: ignore[attr-defined]

# Opcodes of the standard library's regex parser (module constants).
_LITERAL = _parser.LITERAL
_AT = _parser.AT  # \b, ^, $: zero width, so the characters on either side stay adjacent
_SUBPATTERN = _parser.SUBPATTERN


@cache
def _fold_table() -> dict[int, int]:
    """code point -> its representative under re.IGNORECASE equivalence (only those that change)."""
    rep: dict[int, int] = {}
    extra: dict[int, tuple[int, ...]] = _casefix._EXTRA_CASES
    for low, others in extra.items():  # classes of lower-case code points re treats as one
        cls = {low, *others}
        for member in list(cls):
            cls |= set(extra.get(member, ()))
        first = min(cls | {rep.get(m, m) for m in cls})
        for member in cls:
            rep[member] = first
    table: dict[int, int] = {}
    for code in range(sys.maxunicode + 1):
        lowered = chr(code).lower()
        # The simple lower case, as re uses it (only U+0130 lowers to two characters; its first is it).
        simple = ord(lowered[0]) if lowered else code
        target = rep.get(simple, simple)
        if target != code:
            table[code] = target
    return table


def fold(text: str) -> str:
    """`text` with each character replaced by its re.IGNORECASE representative (same length)."""
    if text.isascii():
        return text.lower()  # ASCII letters are their classes' representatives (tested)
    return text.translate(_fold_table())


def _anchor(regex: str) -> str | None:
    """The longest run of literal characters every match of `regex` contains, folded; None if none."""
    try:
        parsed = _parser.parse(regex)
    except (re.error, RecursionError):
        return None
    best = ""
    run: list[str] = []

    def walk(items: Iterable[tuple[object, object]]) -> None:
        nonlocal best
        for op, arg in items:
            if op is _LITERAL:
                run.append(chr(arg))  # type: ignore[arg-type]
            elif op is _AT:
                continue
            elif op is _SUBPATTERN:
                walk(list(arg[-1]))  # type: ignore[index]  # a group matches its content in place
            else:
                if len(run) > len(best):
                    best = "".join(run)
                run.clear()

    walk(list(parsed))
    if len(run) > len(best):
        best = "".join(run)
    return fold(best) if best else None


def anchors(alternatives: Iterable[str]) -> tuple[str, ...] | None:
    """One anchor per alternative (deduplicated), or None when some alternative has none."""
    found: dict[str, None] = {}
    for alternative in alternatives:
        anchor = _anchor(alternative)
        if anchor is None:
            return None
        found[anchor] = None
    return tuple(found)


def may_match(anchor_set: tuple[str, ...] | None, folded: str) -> bool:
    """False only when no alternative can match the text whose `fold` is `folded`."""
    return anchor_set is None or any(a in folded for a in anchor_set)
