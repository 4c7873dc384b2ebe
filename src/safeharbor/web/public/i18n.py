"""The public side's languages: English at `/`, Spanish at `/es/` (same pages, same numbers).

The words of the templates live in `strings/<lang>.yaml` (same keys in every language, a test checks);
the pages' words in `content/` (English) and `content/es/` (Spanish). Links are written once, as the
English path ("/report"); `localise_links` points them at the reader's language. The Spanish was
written by the project and awaits review by a native speaker (see docs/public-side.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request

from safeharbor.tips.messages import LANGS, Lang

STRINGS_DIR = Path(__file__).parent / "strings"
PREFIX: dict[str, str] = {"en": "", "es": "/es"}
NAMES: dict[str, str] = {"en": "English", "es": "Español"}
# A link or form action to one of our own pages (not a static file, not another site, not tel:/sms:).
# A link that names its language (`hreflang="en" href=...`, the language switch) is left alone.
_OWN_LINK = re.compile(r'(?<!hreflang="en" )(?<!hreflang="es" )\b(href|action)="/(?!/|static/|es/|es")')


def lang_of(request: Request) -> Lang:
    path = request.url.path
    return "es" if path == "/es" or path.startswith("/es/") else "en"


def english_path(path: str) -> str:
    """The English twin of a path on this site ("/es/report" -> "/report", "/es/" -> "/")."""
    if path == "/es" or path.startswith("/es/"):
        return path[3:] or "/"
    return path


def url(path: str, lang: str) -> str:
    """Our own page `path` (written in English form, "/report") in `lang`."""
    return PREFIX.get(lang, "") + path


def localise_links(html: str, lang: str) -> str:
    """Point every link to our own pages in `html` at the pages in `lang`."""
    if not PREFIX.get(lang):
        return html
    return _OWN_LINK.sub(lambda m: f'{m.group(1)}="{PREFIX[lang]}/', html)


@cache
def strings(lang: str) -> dict[str, Any]:
    """The template words for `lang` (keys are the same in every language)."""
    data = yaml.safe_load((STRINGS_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
    return dict(data)


__all__ = ["LANGS", "NAMES", "PREFIX", "Lang", "english_path", "lang_of", "localise_links",
           "strings", "url"]  # fmt: skip
