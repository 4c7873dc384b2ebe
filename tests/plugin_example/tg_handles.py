"""An example partner extractor (used by the plugin test): Telegram handles written as `tg: name`."""

from __future__ import annotations

import re

from safeharbor.types import Span

KIND = "handle"
EXTRACTOR = "example-telegram"
VERSION = "1"
_TG = re.compile(r"\btg\s*:\s*([A-Za-z][\w]{3,31})")


def find(text: str) -> list[Span]:
    return [
        Span(m.start(1), m.end(1), m.group(1), "@" + m.group(1), 0.9, {"platform": "telegram"})
        for m in _TG.finditer(text)
    ]
