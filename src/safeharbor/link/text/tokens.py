"""Tokens and shingles of an ad's text, with the contact details, names and numbers masked.

Why masked: an operator's template keeps its wording while the phone, the working name, the age, the
price and the city change from ad to ad; masking those (and every number) lets the template match.
A shingle is a run of SHINGLE words hashed to 32 bits (`gram_hashes`, the one place the mix is
written); hashes are stable across runs and machines because they are stored.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from safeharbor.types import Extraction

SHINGLE = 3  # words per shingle
MASKED_KINDS = {"phone", "email", "handle", "name", "age", "price", "city"}
_TOKEN = re.compile(r"<[^>]{0,200}>|&#?\w{1,10};|\w+", re.UNICODE)
MASK32 = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised: lower case, digits as '0', masked values as a placeholder word
    field: str
    start: int
    end: int


def placeholder(kind: str) -> str:
    return f"zq{kind}zq"


_TAG_OR_ENTITY = re.compile(r"<[^>]{0,200}>|&#?\w{1,10};")
_WORD = re.compile(r"\w+", re.UNICODE)
_NONZERO_DIGIT = re.compile(r"[1-9]")


@lru_cache(maxsize=4096)
def _mention_pattern(city: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in city.split()]
    return re.compile(r"(?<!\w)" + r"[\s.\-]+".join(words) + r"(?!\w)", re.IGNORECASE)


def city_mentions(text: str, city: str | None) -> list[tuple[int, int, str]]:
    """Masks (start, end, "city") for every mention of the ad's placed city in one field.

    Why: the place extractor records one span per ad, often in the location field, so the body's
    "Now in Dallas" would keep the city as a word. A phrase with a city in it is shared only by
    ads of that city, so it looks rare (distinctive) to the rarity weights while being common
    boilerplate there, and it joined unrelated operators who work one busy city. The city is a
    slot like the name and the phone."""
    if not city or not text:
        return []
    return [(m.start(), m.end(), "city") for m in _mention_pattern(city).finditer(text)]


def placed_city(spans: Sequence[Extraction]) -> str | None:
    """The city the ad is placed in (its "city" extraction's value), if any."""
    return next((e.value for e in spans if e.kind == "city" and e.value), None)


def tokens_of(field: str, text: str, spans: Sequence[Extraction]) -> list[Token]:
    """Normalised word tokens of one field with positions (for showing passages), masks applied
    (the extracted slots, and every mention of the placed city)."""
    masks = sorted(
        [(e.start, e.end, e.kind) for e in spans if e.kind in MASKED_KINDS and e.field == field]
        + city_mentions(text, placed_city(spans))
    )
    out: list[Token] = []
    mi = 0
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        while mi < len(masks) and masks[mi][1] <= start:
            mi += 1
        if mi < len(masks) and masks[mi][0] < end:  # inside (or overlapping) a masked value
            mstart, mend, kind = masks[mi]
            if not out or out[-1].start != mstart:
                out.append(Token(placeholder(kind), field, mstart, mend))
            continue
        word = m.group()
        if word[0] in "<&":  # HTML tags and entities separate words but are not words
            continue
        out.append(Token(_NONZERO_DIGIT.sub("0", word.lower()), field, start, end))
    return out


def ad_tokens(title: str | None, body: str, spans: Sequence[Extraction]) -> list[Token]:
    return tokens_of("title", title or "", spans) + tokens_of("body", body, spans)


def words_of(text: str, masks: Sequence[tuple[int, int, str]]) -> list[str]:
    """The same words as `tokens_of`, fast (no positions): masks are sorted (start, end, kind)."""
    if masks:
        parts: list[str] = []
        last = 0
        for start, end, kind in masks:
            if start < last:
                continue
            parts.append(text[last:start])
            parts.append(f" {placeholder(kind)} ")
            last = end
        parts.append(text[last:])
        text = "".join(parts)
    text = _TAG_OR_ENTITY.sub(" ", text)
    return _WORD.findall(_NONZERO_DIGIT.sub("0", text.lower()))


_token_ids: dict[str, int] = {}


def _token_id(word: str) -> int:
    found = _token_ids.get(word)
    if found is None:
        found = zlib.crc32(word.encode())
        if len(_token_ids) < 1_000_000:
            _token_ids[word] = found
    return found


def gram_hashes(ids: np.ndarray) -> np.ndarray:
    """Hashes (uint64, low 32 bits used) of every run of SHINGLE consecutive token ids."""
    n = len(ids) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    grams: np.ndarray = ids[:n] * _MIX[0] + ids[1 : n + 1] * _MIX[1] + ids[2 : n + 2] * _MIX[2]
    grams ^= grams >> np.uint64(29)
    return grams


def _ids_of(tokens: Sequence[Token]) -> np.ndarray:
    return np.fromiter((_token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))


def batch_shingles(docs: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """shingle_hashes for many word lists at once (vectorised over the batch)."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    out: list[np.ndarray] = [np.zeros(0, dtype=np.uint32)] * len(docs)
    short = [i for i, n in enumerate(lengths) if 0 < n < SHINGLE]
    for i in short:
        out[i] = shingle_hashes([Token(w, "", 0, 0) for w in docs[i]])
    total = int(lengths.sum())
    if total == 0:
        return out
    ids = np.fromiter((_token_id(w) for d in docs for w in d), dtype=np.uint64, count=total)
    owner = np.repeat(np.arange(len(docs)), lengths)
    n = total - SHINGLE + 1
    if n <= 0:
        return out
    grams = gram_hashes(ids)  # across document boundaries too; those grams are dropped below
    valid = owner[:n] == owner[SHINGLE - 1 : n + SHINGLE - 1]  # the 3 words belong to one document
    keyed = (owner[:n][valid].astype(np.uint64) << np.uint64(32)) | (grams[valid] & MASK32)
    keyed = np.unique(keyed)
    doc_of = (keyed >> np.uint64(32)).astype(np.int64)
    values = (keyed & MASK32).astype(np.uint32)
    bounds = np.searchsorted(doc_of, np.arange(len(docs) + 1))
    for i in range(len(docs)):
        if lengths[i] >= SHINGLE:
            out[i] = values[bounds[i] : bounds[i + 1]]
    return out


def shingle_hashes(tokens: Sequence[Token]) -> np.ndarray:
    """Sorted unique uint32 hashes of the word 3-grams (stable across runs and machines)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    ids = _ids_of(tokens)
    if len(ids) < SHINGLE:  # a whole short text is one gram (mixed without the final shift)
        grams: np.ndarray = ids[:1] * _MIX[0]
        for k in range(1, len(ids)):
            grams = grams + ids[k : k + 1] * _MIX[k]
        return np.unique((grams & MASK32).astype(np.uint32))
    return np.unique((gram_hashes(ids) & MASK32).astype(np.uint32))


def shingle_hash_list(tokens: Sequence[Token]) -> list[int]:
    """Per-position shingle hashes (same hashing as `shingle_hashes`), for locating passages."""
    if len(tokens) < SHINGLE:
        return []
    return [int(x) for x in (gram_hashes(_ids_of(tokens)) & MASK32).astype(np.uint32)]


def longest_common_passage(a: Sequence[Token], b: Sequence[Token]) -> tuple[int, int, int, int] | None:
    """Token index ranges [a0, a1), [b0, b1) of the longest run of shingles the two ads share."""
    ha, hb = shingle_hash_list(a), shingle_hash_list(b)
    if not ha or not hb:
        return None
    where: dict[int, list[int]] = defaultdict(list)
    for j, h in enumerate(hb):
        where[h].append(j)
    best = (0, 0, 0)  # length, i, j
    prev: dict[int, int] = {}
    for i, h in enumerate(ha):
        cur: dict[int, int] = {}
        for j in where.get(h, ()):
            cur[j] = prev.get(j - 1, 0) + 1
            if cur[j] > best[0]:
                best = (cur[j], i - cur[j] + 1, j - cur[j] + 1)
        prev = cur
    length, i, j = best
    if length == 0:
        return None
    return i, i + length + SHINGLE - 1, j, j + length + SHINGLE - 1
