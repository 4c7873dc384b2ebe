"""How ads write contact details: plain and obscured phone numbers, emails and handles.

Every rendering keeps the value recoverable by a careful reader: the digits of an obscured phone are
all present, in order, as digits, digit words, look-alike letters or full-width digits; nothing else
in the rendering is a digit. That is what makes the truth (`+1AAA555XXXX`) honest.
"""

from __future__ import annotations

import random

from safeharbor.demo.vocab import HANDLE_PLATFORMS, NUMBER_WORDS

LOOKALIKES = {"0": ("O", "o"), "1": ("l", "I")}
GROUP_EMOJI = ("💋", "📞", "🔥", "✨", "❤️", "🌹", "⭐", "💎")
GROUP_SYMBOLS = (".", "-", " ", " . ", " - ", "~", "*", "/", "_", " | ", "••")
HTML_WRAPS = ("<b>{}</b>", "<span>{}</span>", "<i>{}</i>", "<strong>{}</strong>")
FULLWIDTH_OFFSET = 0xFF10 - ord("0")

PLAIN_FORMATS = (
    "{a}-{e}-{l}",
    "({a}) {e}-{l}",
    "{a}.{e}.{l}",
    "{a}{e}{l}",
    "{a} {e} {l}",
    "+1 {a} {e} {l}",
    "1-{a}-{e}-{l}",
    "+1{a}{e}{l}",
    "({a}){e}-{l}",
)


def e164(digits10: str) -> str:
    return "+1" + digits10


def _groups(digits10: str) -> tuple[str, str, str]:
    return digits10[:3], digits10[3:6], digits10[6:]


def plain_phone(rng: random.Random, digits10: str) -> str:
    a, e, line = _groups(digits10)
    return rng.choice(PLAIN_FORMATS).format(a=a, e=e, l=line)


def _words(group: str, rng: random.Random, share: float) -> str:
    """Write some digits of a group as words (share=1: all of them)."""
    parts = [NUMBER_WORDS[int(d)] if rng.random() < share else d for d in group]
    joiner = rng.choice(("", " ")) if share < 1 else rng.choice((" ", "-", ""))
    return joiner.join(parts)


def _lookalike(group: str, rng: random.Random) -> str:
    return "".join(rng.choice(LOOKALIKES[d]) if d in LOOKALIKES and rng.random() < 0.8 else d for d in group)


def _spaced(group: str, rng: random.Random) -> str:
    return rng.choice((" ", ".", "-", " . ")).join(group)


def _fullwidth(group: str) -> str:
    return "".join(chr(ord(d) + FULLWIDTH_OFFSET) for d in group)


OBFUSCATION_STYLES = ("words", "mixed", "lookalike", "spaced", "emoji", "fullwidth", "html", "regroup")


def obscured_phone(rng: random.Random, digits10: str) -> tuple[str, str]:
    """An obscured rendering of the number and the name of the style used (for the truth/debugging)."""
    style = rng.choice(OBFUSCATION_STYLES)
    groups = list(_groups(digits10))
    if style == "regroup":
        # Odd grouping that defeats a 3-3-4 pattern: "21 45 55 01 34", "2145 550 134".
        cuts = rng.choice(((2, 4, 6, 8), (4, 7), (1, 4, 7), (3, 5, 8)))
        bounds = (0, *cuts, 10)
        groups = [digits10[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]
        return rng.choice((" ", "  ", "-", ".")).join(groups), style
    if style == "words":
        rendered = [_words(g, rng, 1.0) for g in groups]
        sep = rng.choice((" ", " - ", ", ", " / "))
    elif style == "mixed":
        rendered = [_words(g, rng, 0.45) for g in groups]
        sep = rng.choice(("", " ", "-", "."))
    elif style == "lookalike":
        rendered = [_lookalike(g, rng) for g in groups]
        sep = rng.choice(("-", ".", " ", ""))
    elif style == "spaced":
        rendered = [_spaced(g, rng) for g in groups]
        sep = rng.choice(("  ", " -- ", " ~ ", " | "))
    elif style == "emoji":
        rendered = groups
        sep = rng.choice(GROUP_EMOJI)
        sep = rng.choice((sep, f" {sep} "))
    elif style == "fullwidth":
        rendered = [_fullwidth(g) for g in groups]
        sep = rng.choice(("", "-", "－", " ", "\u3000"))
    else:  # html
        wrap = rng.choice(HTML_WRAPS)
        rendered = [wrap.format(g) if rng.random() < 0.6 else g for g in groups]
        sep = rng.choice(("", "&nbsp;", "-", "<wbr>"))
    text = sep.join(rendered)
    if rng.random() < 0.15 and style not in ("fullwidth", "words"):
        text = rng.choice(("+1 ", "1-", "+1")) + text
    return text, style


def plain_email(rng: random.Random, email: str) -> str:
    """Emails are case-insensitive; ads sometimes capitalise them (truth is lower case)."""
    return email.capitalize() if rng.random() < 0.15 else email


def obscured_email(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    host, tld = domain.rsplit(".", 1)
    at, dot = rng.choice(
        ((" at ", " dot "), ("(at)", "(dot)"), (" [at] ", " [dot] "), (" AT ", " DOT "), (" @ ", " . "))
    )
    return f"{local}{at}{host}{dot}{tld}"


def handle_text(rng: random.Random, platform_template: str, handle: str) -> str:
    return platform_template.format(h=handle.lstrip("@"))


def pick_platform(rng: random.Random) -> str:
    return rng.choice(HANDLE_PLATFORMS)[1]
