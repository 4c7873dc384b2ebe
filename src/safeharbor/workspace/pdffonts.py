"""Fonts for referral PDFs, so evidence prints exactly as written: never a dropped or blank character.

Text is set in Noto Sans, with Noto Emoji, Noto Sans Symbols and Noto's other scripts as fallbacks
(all OFL, from the `manimgx-fonts` package on PyPI, a runtime dependency), then Debian's DejaVu Sans
and Droid Sans Fallback (CJK and full-width forms such as `８５７`) when installed (`make browser`
installs them). A character none of them draws is printed as its code point, `[U+FF18]`, so the
reader still sees that something was there and what it was.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import manimgx_fonts
from fpdf import FPDF
from fpdf.fonts import TTFFont

NOTO_DIR = Path(manimgx_fonts.__file__).parent
SYSTEM_FONTS = (
    ("DejaVuSans", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
    ("DroidSansFallback", Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
)
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# Noto's files beside the main face, tried in this order for a character Noto Sans lacks.
NOTO_FALLBACKS = (
    "NotoEmoji",
    "NotoSansSymbols",
    "NotoSansArabic",
    "NotoSansHebrew",
    "NotoSansDevanagari",
    "NotoSansBengali",
    "NotoSansThai",
    "NotoSansKhmer",
    "NotoSansLao",
    "NotoSansMyanmar",
    "NotoSansGeorgian",
    "NotoSansArmenian",
    "NotoSansEthiopic",
    "NotoSansTamil",
    "NotoSansTelugu",
    "NotoSansKannada",
    "NotoSansMalayalam",
    "NotoSansGujarati",
    "NotoSansGurmukhi",
    "NotoSansOriya",
    "NotoSansSinhala",
)
MAIN = "NotoSans"
_EMOJI_PARTS = frozenset({0x200D, 0xFE0E, 0xFE0F})


@dataclass(frozen=True, slots=True)
class FontSet:
    family: str
    covered: frozenset[int]  # code points some loaded font draws

    def printable(self, value: object) -> str:
        """The text with every character no font draws shown as its code point ("[U+FF18]").

        Line breaks and tabs stay; other control and format characters (a right-to-left override,
        a zero-width joiner no font holds) are shown as code points too: visible, never silently gone.
        """
        text = "" if value is None else str(value)
        return "".join(ch if self._prints(ch) else f"[U+{ord(ch):04X}]" for ch in text)

    def _prints(self, ch: str) -> bool:
        if ch in " \n\t":
            return True
        code = ord(ch)
        if code not in self.covered:
            return False
        # A control or format character is shown as its code point (a right-to-left override must not
        # silently reorder the evidence), except the joiners and selectors that emoji are made of.
        return unicodedata.category(ch) not in ("Cc", "Cf") or code in _EMOJI_PARTS


def _noto(name: str) -> Path:
    return NOTO_DIR / f"{name}[wght].ttf"


def _cmap(pdf: FPDF, family: str) -> frozenset[int]:
    font = pdf.fonts[family.lower()]
    return frozenset(font.cmap) if isinstance(font, TTFFont) else frozenset()


def _candidates() -> list[tuple[str, Path]]:
    found = [(name, _noto(name)) for name in NOTO_FALLBACKS] + list(SYSTEM_FONTS)
    return [(name, path) for name, path in found if path.exists()]


@lru_cache(maxsize=1)
def _coverage() -> tuple[frozenset[int], tuple[tuple[str, Path, frozenset[int]], ...]]:
    """What the main face and each fallback draw, read once per process (parsing every font file
    for every export would take seconds)."""
    scratch = FPDF()
    scratch.add_font(MAIN, "", str(_noto(MAIN)))
    fallbacks = []
    for name, path in _candidates():
        scratch.add_font(name, "", str(path))
        fallbacks.append((name, path, _cmap(scratch, name)))
    return _cmap(scratch, MAIN), tuple(fallbacks)


def load_fonts(pdf: FPDF, text: str = "") -> FontSet:
    """Register Noto Sans (regular and bold) and the fallbacks `text` needs; say which code points print.

    Only fallbacks that draw a character of `text` the main face lacks are added (each added font is
    parsed and subset on output), in the order of NOTO_FALLBACKS, then Debian's fonts.
    """
    pdf.add_font(MAIN, "", str(_noto(MAIN)))
    # Bold headings: DejaVu Sans Bold when installed (instancing Noto's variable font at weight 700
    # takes seconds per export), else the regular face.
    pdf.add_font(MAIN, "B", str(BOLD if BOLD.exists() else _noto(MAIN)))
    main, fallbacks = _coverage()
    missing = {ord(ch) for ch in set(text)} - main
    covered = set(main)
    used: list[str] = []
    for name, path, cmap in fallbacks:
        if missing & cmap:
            pdf.add_font(name, "", str(path))
            used.append(name)
            covered |= cmap
            missing -= cmap
    pdf.set_fallback_fonts(used, exact_match=False)
    return FontSet(MAIN, frozenset(covered))
