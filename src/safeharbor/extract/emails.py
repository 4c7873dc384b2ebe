"""Email addresses in ad text, de-obfuscated to lower-case name@domain.tld, traceable to the text.

Handles plain addresses and the spelled-out forms ads use to dodge filters: `name at gmail dot com`,
`name(at)domain(dot)com`, `name [at] domain [dot] com`, `name @ domain . com`, HTML entities for @.
The spelled-out "at"/"dot" words also occur in prose ("meet at the hotel"), so a match that relies on
them needs a known top-level domain and a local part that is not an ordinary word like "me".
"""

from __future__ import annotations

import re

from safeharbor.types import Span

EXTRACTOR = "emails"
VERSION = "1"

# Top-level domains trusted when "at"/"dot" are spelled as bare words (prose risk); bracketed or
# symbol forms accept any alphabetic TLD.
_KNOWN_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "info",
        "biz",
        "io",
        "co",
        "me",
        "us",
        "ca",
        "uk",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "ru",
        "mx",
        "br",
        "au",
        "in",
        "cn",
        "jp",
        "tv",
        "cc",
        "ws",
        "xyz",
        "online",
        "site",
        "club",
        "live",
        "email",
        "app",
        "dev",
        "ai",
        "ly",
        "to",
        "gg",
        "mail",
        "pro",
    ]
)
# Words that precede "at" in prose ("meet at", "see me at", "call at"): never the local part of a
# spelled-out address.
_PROSE_WORDS = frozenset(
    [
        "me",
        "us",
        "you",
        "him",
        "her",
        "them",
        "i",
        "im",
        "we",
        "it",
        "u",
        "ur",
        "here",
        "there",
        "meet",
        "meeting",
        "stay",
        "staying",
        "call",
        "text",
        "email",
        "mail",
        "contact",
        "come",
        "go",
        "find",
        "follow",
        "look",
        "reach",
        "hit",
        "write",
        "see",
        "seen",
        "visit",
        "available",
        "located",
        "live",
        "arrive",
        "arriving",
        "be",
        "is",
        "am",
        "are",
        "was",
        "were",
        "or",
        "and",
        "but",
        "only",
        "now",
        "back",
        "out",
        "up",
        "in",
        "on",
        "the",
        "a",
        "an",
        "this",
        "that",
        "just",
    ]
)

_LOCAL = r"(?P<local>[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_AT_SYMBOL = r"(?:@|\uFF20|&\#0*64;|&\#[xX]0*40;|&commat;)"
_BRACKET_OPEN = r"[(\[{<]"
_BRACKET_CLOSE = r"[)\]}>]"
# Each "at" form captures which kind it was: symbol (plain or spaced) or spelled out.
_AT = (
    rf"(?:(?P<at_symbol>[ \t]*{_AT_SYMBOL}[ \t]*)"
    rf"|(?P<at_bracket>[ \t]*{_BRACKET_OPEN}[ \t]*(?i:at|@)[ \t]*{_BRACKET_CLOSE}[ \t]*)"
    r"|(?P<at_word>[ \t]+(?i:at)[ \t]+))"
)
_DOT_SYMBOL = r"(?:[ \t]*(?:\.|&\#0*46;|&period;)[ \t]*)"
_DOT_BRACKET = rf"(?:[ \t]*{_BRACKET_OPEN}[ \t]*(?i:dot|\.)[ \t]*{_BRACKET_CLOSE}[ \t]*)"
_DOT_WORD = r"(?:[ \t]+(?i:dot)[ \t]+)"
_DOT = rf"(?:{_DOT_SYMBOL}|{_DOT_BRACKET}|{_DOT_WORD})"
_EMAIL_RE = re.compile(
    rf"(?<![\w.%+'’@-]){_LOCAL}{_AT}(?P<host>{_LABEL}(?:{_DOT}{_LABEL})+)(?![\w@-]|\.[A-Za-z0-9])"
)
_DOT_SPLIT_RE = re.compile(_DOT)
_SENTENCE_DOT_RE = re.compile(r"\w\.[ \t]")
_SPELLED_DOT_RE = re.compile(_DOT_WORD)
_PLAIN_FORM_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def _span(m: re.Match[str]) -> Span | None:
    labels = _DOT_SPLIT_RE.split(m.group("host"))
    tld = labels[-1].lower()
    if not tld.isalpha() or len(tld) < 2:
        return None
    at_symbol = m.group("at_symbol")
    # A spaced "@" reads like a handle after a word ("follow @candy.rose"); trust it like a spelled "at".
    spelled_at = m.group("at_word") is not None or (at_symbol is not None and at_symbol.strip() != at_symbol)
    spelled_dot = _SPELLED_DOT_RE.search(m.group("host")) is not None
    local = m.group("local")
    if (spelled_at or spelled_dot) and (tld not in _KNOWN_TLDS or local.lower() in _PROSE_WORDS):
        return None
    if spelled_at and (local.isdigit() or any(label.isdigit() for label in labels)):
        return None  # "2 at 200 dot com", "come at 9. com": prose about prices and times
    if spelled_at and _SENTENCE_DOT_RE.search(m.group("host")):
        return None  # "at home. Com..." is a full stop, not a spaced-out dot
    raw = m.group(0)
    value = f"{local}@{'.'.join(labels)}".lower()
    return Span(
        start=m.start(),
        end=m.end(),
        raw=raw,
        value=value,
        attrs={"obfuscated": _PLAIN_FORM_RE.fullmatch(raw) is None},
    )


_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_AT_MARKERS = ("@", "\uff20", "&#", "&commat;")


def _at_positions(text: str) -> list[int]:
    """Where an "at" form may stand: @ signs, HTML entities, and "at" as a whole word."""
    positions = []
    for marker in _AT_MARKERS:
        at = text.find(marker)
        while at != -1:
            positions.append(at)
            at = text.find(marker, at + 1)
    lowered = text.lower()
    at = lowered.find("at")
    while at != -1:
        before = lowered[at - 1] if at > 0 else " "
        after = lowered[at + 2] if at + 2 < len(lowered) else " "
        if not before.isalnum() and not after.isalnum():
            positions.append(at)
        at = lowered.find("at", at + 2)
    return sorted(positions)


def _local_start(text: str, at: int) -> int | None:
    """Start of the word that would be the local part before the "at" form at `at`."""
    i = at
    while i > 0 and text[i - 1] in " \t([{<":
        i -= 1
    end = i
    while i > 0 and text[i - 1] in _LOCAL_CHARS and end - i < 64:
        i -= 1
    return i if i < end else None


def email_starting_at(text: str, start: int) -> Span | None:
    """The address whose local part starts exactly at `start`, if any (used by the handle extractor)."""
    m = _EMAIL_RE.match(text, start)
    return None if m is None else _span(m)


def email_around_at(text: str, at: int) -> Span | None:
    """The address whose "at" form (@, (at), " at ", &#64;) starts at `at`, if any."""
    start = _local_start(text, at)
    if start is None:
        return None
    m = _EMAIL_RE.match(text, start)
    if m is None or m.end() <= at:
        return None
    return _span(m)


def find_emails(text: str) -> list[Span]:
    """Every email address in `text`, in text order; value is lower-case name@domain.tld."""
    spans: list[Span] = []
    covered = 0
    # Matching only just before each possible "at" is several times faster than searching every
    # position of the text, and finds the same addresses (the local part is a whole token).
    for at in _at_positions(text):
        if at < covered:
            continue
        span = email_around_at(text, at)
        if span is not None and span.start >= covered:
            spans.append(span)
            covered = span.end
    return spans
