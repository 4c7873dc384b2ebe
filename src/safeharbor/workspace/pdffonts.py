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
from pathlib import Path

import manimgx_fonts
from fpdf import FPDF
from fpdf.fonts import TTFFont

NOTO_DIR = Path(manimgx_fonts.__file__).parent
SYSTEM_FONTS = (
    ("DejaVuSans", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
    ("DroidSansFallback", Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
)
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


def _cmap(pdf: FPDF, family: str) -> set[int]:
    font = pdf.fonts[family.lower()]
    return set(font.cmap) if isinstance(font, TTFFont) else set()


def load_fonts(pdf: FPDF) -> FontSet:
    """Register Noto Sans (regular and bold) and every fallback found; say which code points print."""
    pdf.add_font(MAIN, "", str(_noto(MAIN)))
    pdf.add_font(MAIN, "B", str(_noto(MAIN)), variations={"wght": 700.0})
    covered: set[int] = _cmap(pdf, MAIN)
    fallbacks: list[str] = []
    candidates = [(name, _noto(name)) for name in NOTO_FALLBACKS] + list(SYSTEM_FONTS)
    for name, path in candidates:
        if not path.exists():
            continue
        pdf.add_font(name, "", str(path))
        covered.update(_cmap(pdf, name))
        fallbacks.append(name)
    pdf.set_fallback_fonts(fallbacks, exact_match=False)
    return FontSet(MAIN, frozenset(covered))
