"""Social-media handles in ad text (`@name`), with the platform when the ad names it nearby.

Two forms: a handle written with `@` ("@candy_rose", "IG: @candy_rose", "@candy_rose on snap"), and
a bare name right after a platform word ("snap - candyrose", "sc: candyrose", "kik me candyrose"),
reported as `@candyrose`. The span always covers the handle as written (with its `@` if it has one).
Nothing that is part of an email address is reported as a handle.
"""

from __future__ import annotations

import re

from safeharbor.extract.emails import email_around_at, email_starting_at
from safeharbor.extract.textnorm import NOT_AFTER_LETTER, NOT_BEFORE_LETTER
from safeharbor.types import Span

EXTRACTOR = "handles"
VERSION = "2"

# Platform words as ads write them. Short abbreviations are ambiguous in prose ("of", "sc" for South
# Carolina), so they name a bare handle only with an explicit ":" / "-" / "=" / "@" after them.
_PLATFORM_WORDS: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram", "insta", "ig"),
    "snapchat": ("snapchat", "snap", "sc", "sn@p"),
    "twitter": ("twitter",),
    "telegram": ("telegram", "tg", "tele"),
    "kik": ("kik",),
    "whatsapp": ("whatsapp", "whats app", "whatsap", "wa", "wsp"),
    "onlyfans": ("onlyfans", "only fans", "of"),
    "wechat": ("wechat", "we chat", "weixin", "wx"),
}
_SHORT_WORDS = frozenset({"ig", "sc", "tg", "tele", "wa", "wsp", "of", "wx"})
# Profile links: "t.me/velvet_rose", "instagram.com/candy.rose", "onlyfans.com/candyrose".
_LINK_SITES = {
    "t.me": "telegram", "telegram.me": "telegram", "instagram.com": "instagram", "onlyfans.com": "onlyfans",
    "fans.ly": "onlyfans", "fansly.com": "onlyfans", "snapchat.com/add": "snapchat", "kik.me": "kik",
    "twitter.com": "twitter", "x.com": "twitter",
}  # fmt: skip
_LINK_RE = re.compile(
    r"(?<![\w.])(?:https?://)?(?:www\.)?(?P<site>"
    + "|".join(re.escape(site) for site in sorted(_LINK_SITES, key=len, reverse=True))
    + r")/(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}))",
    re.IGNORECASE,
)
# English words that follow a platform word in prose ("snapchat me later"): never a bare handle.
_PROSE_AFTER = frozenset(
    re.split(
        r"\s+",
        """later now tonight today tomorrow anytime babe baby daddy if when only first please asap soon back
        there more details info pics pictures photos videos free ok okay sometime sweetie hun honey again
        instead too also maybe thanks thank you your yours us we it this that with without before after
        then so but not no yes""".strip(),
    )
)
_PLATFORM_OF = {word: platform for platform, words in _PLATFORM_WORDS.items() for word in words}
_PLATFORM_ALT = "|".join(
    re.escape(w).replace(r"\ ", r"\s?") for w in sorted(_PLATFORM_OF, key=len, reverse=True) if w != "of"
)
# "OF" only in capitals: lower-case "of" is the preposition.
_PLATFORM = rf"{NOT_AFTER_LETTER}(?P<platform>(?i:{_PLATFORM_ALT})|OF){NOT_BEFORE_LETTER}"
_AT = r"[@\uFF20]"
_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,29})"

# "@name" not preceded by a word character (which would make it an email's domain).
_AT_HANDLE_RE = re.compile(rf"(?<![\w.%+@\uFF20-]){_AT}(?P<name>{_NAME})")
# Platform word, separators or "me"/"is"/"at", then a handle with or without "@".
_LINK_WORD = r"(?i:me|is|at|add|id|handle|user(?:name)?)(?![A-Za-z0-9_])"  # "kik me x", "snap is x"
_LABELLED_RE = re.compile(
    rf"{_PLATFORM}(?P<sep>[ \t]*(?:[:=|>\-\u2013\u2014/]+[ \t]*)?(?:{_LINK_WORD}[ \t]*:?[ \t]*){{0,2}})"
    rf"(?P<handle>(?P<at>{_AT})?(?P<name>{_NAME}))"
)
# A platform named just after a handle: "@candy on IG", "@candy (snap)", "@candy - snapchat".
_PLATFORM_AFTER_RE = re.compile(rf"[ \t]*(?:(?i:on)[ \t]+|[(\[\-\u2013\u2014:|][ \t]*)?{_PLATFORM}")
# Bare words that follow platform words in prose, never handles ("snap me now", "kik me only").
_NOT_NAMES = frozenset(
    [
        "me",
        "my",
        "at",
        "is",
        "on",
        "or",
        "and",
        "to",
        "the",
        "a",
        "an",
        "for",
        "only",
        "now",
        "here",
        "pls",
        "please",
        "add",
        "text",
        "call",
        "hmu",
        "dm",
        "info",
        "handle",
        "username",
        "user",
        "name",
        "id",
        "available",
        "verified",
        "too",
        "also",
        "same",
        "below",
        "above",
        "first",
    ]
) | frozenset(_PLATFORM_OF)
# First letters of platform words for the pre-scan ("whats app" and "only fans" start like their
# one-word forms; "OF" is scanned for separately, in capitals).
_SCAN_WORDS = tuple(sorted({w.split(" ")[0][:4] for w in _PLATFORM_OF if w != "of"}))
_TIME_OR_PRICE_RE = re.compile(r"\d+(?:[.:]\d+)?[A-Za-z]{0,3}")


def _clean_name(name: str) -> str:
    return name.rstrip(".-")  # a handle at the end of a sentence ("... @candy.")


def _plausible(name: str, bare: bool) -> bool:
    if not any(ch.isalpha() for ch in name) or _TIME_OR_PRICE_RE.fullmatch(name):
        return False  # "@200", "@9pm": prices and times
    return not (bare and (len(name) < 2 or name.lower() in _NOT_NAMES or name.lower() in _PROSE_AFTER))


def _handle_shaped(name: str) -> bool:
    """A bare name with no ":"/"-" after the platform word must look like a handle, not a word of
    prose: a digit, "_" or "." in it, or five letters or more ("snapchat me later" has none)."""
    return any(ch.isdigit() or ch in "_." for ch in name) or len(name) >= 5


def _platform_after(text: str, end: int) -> str | None:
    m = _PLATFORM_AFTER_RE.match(text, end)
    if m is None:
        return None
    word = m.group("platform")
    if word.lower() in _SHORT_WORDS and word != "OF" and not text[end : m.start("platform")].strip():
        return None  # "@candy of ..." / "@candy wa ..." without a bracket or dash is prose
    return _PLATFORM_OF[re.sub(r"\s+", " ", word.lower())]


def _label_positions(text: str) -> list[int]:
    """Where a platform word starts (a cheap pre-scan; _LABELLED_RE confirms)."""
    lowered = text.lower()
    positions = []
    for word in _SCAN_WORDS:
        at = lowered.find(word)
        while at != -1:
            if at == 0 or not lowered[at - 1].isalpha():
                positions.append(at)
            at = lowered.find(word, at + 1)
    at = text.find("OF")
    while at != -1:
        positions.append(at)
        at = text.find("OF", at + 2)
    return sorted(set(positions))


def find_handles(text: str) -> list[Span]:
    """Every social-media handle in `text`, in text order; value is `@name` as written."""
    found: dict[int, Span] = {}
    covered = 0
    for position in _label_positions(text):
        if position < covered:
            continue
        m = _LABELLED_RE.match(text, position)
        if m is None:
            continue
        word = m.group("platform")
        has_at = m.group("at") is not None
        explicit = has_at or any(ch in m.group("sep") for ch in ":=-|>\u2013\u2014/")
        if word.lower() in _SHORT_WORDS and not explicit:
            continue
        name = _clean_name(m.group("name"))
        if not _plausible(name, bare=not has_at) or not (explicit or _handle_shaped(name)):
            continue
        start = m.start("handle")
        end = m.start("name") + len(name)
        if email_starting_at(text, m.start("name")) is not None:
            continue  # "kik: candy at example dot com" is an address, not a handle
        platform = _PLATFORM_OF[re.sub(r"\s+", " ", word.lower())]
        found[start] = Span(start, end, text[start:end], "@" + name, attrs={"platform": platform})
        covered = end

    if "@" in text or "\uff20" in text:
        for m in _AT_HANDLE_RE.finditer(text):
            if m.start() in found:
                continue
            name = _clean_name(m.group("name"))
            end = m.start("name") + len(name)
            if not _plausible(name, bare=False) or email_around_at(text, m.start()) is not None:
                continue  # "candy @example.com": the domain of an address
            named_after = _platform_after(text, end)
            found[m.start()] = Span(
                m.start(), end, text[m.start() : end], "@" + name, attrs={"platform": named_after}
            )
    lowered = text.lower() if "/" in text else ""
    if lowered and any(site + "/" in lowered for site in _LINK_SITES):
        for m in _LINK_RE.finditer(text):
            name = _clean_name(m.group("name"))
            end = m.start("name") + len(name)
            if _plausible(name, bare=False) and m.start("name") not in found:
                platform = _LINK_SITES[m.group("site").lower()]
                found[m.start("name")] = Span(
                    m.start("name"), end, name, "@" + name, attrs={"platform": platform, "link": True}
                )
    spans: list[Span] = []
    for start in sorted(found):  # one reading per stretch of text ("@OF-aa" is one handle)
        if not spans or start >= spans[-1].end:
            spans.append(found[start])
    return spans
