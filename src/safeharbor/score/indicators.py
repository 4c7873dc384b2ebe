"""Ad-level indicator matching: catalogue patterns over an ad's texts, and detectors over its extractions.

Every hit points at its evidence: `ad.field_text(hit.field)[hit.start:hit.end] == hit.evidence`.
A negative pattern cancels a positive match when the two overlap (or lie within the entry's
`negative_window` characters), so "young at heart" does not count as youth language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safeharbor.score.anchors import anchors, fold, may_match
from safeharbor.score.catalogue import Catalogue, Indicator, Patterns
from safeharbor.score.review_text import MASKED_KINDS, TextModel, contributions, describe, masked_words
from safeharbor.types import Ad, AdField, Extraction

_VS16 = "\ufe0f"  # emoji presentation selector: optional, so "✈" and "✈️" both match
_PLAIN_PHONE = re.compile(r"^\+?[\d\s().\-]+$")


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence for one indicator in one ad."""

    indicator: str
    evidence: str
    field: AdField | None
    start: int | None
    end: int | None
    note: str = ""


def _phrase_regex(phrase: str) -> str:
    parts = []
    for token in phrase.split():
        escaped = re.escape(token).replace("'", "['’]?").replace("’", "['’]?")
        parts.append(escaped)
    body = r"\s+".join(parts)
    # Word boundaries only where the phrase starts/ends with a word character ("100% real" starts with one).
    left = r"\b" if re.match(r"\w", phrase) else ""
    right = r"\b" if re.search(r"\w$", phrase) else ""
    return f"{left}{body}{right}"


def _emoji_regex(emoji: str) -> str:
    return re.escape(emoji.replace(_VS16, "")) + f"{_VS16}?"


def _first_chars(regex: str) -> set[str] | None:
    """The characters a match of `regex` can start with (case-folded both ways), or None if unknown.

    Used to put a one-character look-ahead in front of the alternation: `re` then skips, with a fast
    character-set scan, the positions where no alternative can start (about 5x faster on ad texts).
    Relies on the standard library's regex parser; any surprise means "unknown" (no look-ahead)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(regex)
    except Exception:  # noqa: BLE001 - an optimisation only; the pattern itself compiled fine
        return None
    names = _parser  # opcodes are module constants

    def first(items: list[tuple[object, object]]) -> set[int] | None:
        for op, arg in items:
            if op is names.AT:  # \b, ^: zero width
                continue
            if op is names.LITERAL:
                return {int(arg)}  # type: ignore[call-overload]
            if op is names.IN:
                out: set[int] = set()
                for kind, value in arg:  # type: ignore[attr-defined]
                    if kind is names.LITERAL:
                        out.add(value)
                    elif kind is names.RANGE and value[1] - value[0] <= 64:
                        out.update(range(value[0], value[1] + 1))
                    else:
                        return None
                return out
            if op is names.SUBPATTERN:
                return first(list(arg[-1]))  # type: ignore[index]
            if op is names.BRANCH:
                union: set[int] = set()
                for branch in arg[1]:  # type: ignore[index]
                    got = first(list(branch))
                    if got is None:
                        return None
                    union |= got
                return union
            if op in (names.MAX_REPEAT, names.MIN_REPEAT) and arg[0] >= 1:  # type: ignore[index]
                return first(list(arg[2]))  # type: ignore[index]
            return None
        return None

    codes = first(list(parsed))
    if codes is None:
        return None
    chars = {chr(c) for c in codes}
    return chars | {c.lower() for c in chars} | {c.upper() for c in chars if len(c.upper()) == 1}


def _alternatives(patterns: Patterns) -> list[str]:
    alternatives = [_phrase_regex(w) for w in patterns.words]
    alternatives += [_phrase_regex(p) for p in patterns.phrases]
    alternatives += [_emoji_regex(e) for e in patterns.emoji]
    alternatives += [f"(?:{r})" for r in patterns.regex]
    return alternatives


def _compile(patterns: Patterns) -> re.Pattern[str] | None:
    alternatives = _alternatives(patterns)
    if not alternatives:
        return None
    # Longest first so that "ask for her" wins over "ask for" at the same position.
    alternatives.sort(key=len, reverse=True)
    body = "|".join(alternatives)
    starts = _first_chars(body)
    if starts:
        # When every alternative starts at a word boundary, test that first too: it rules out most
        # positions inside words before the character-set look-ahead runs.
        boundary = r"\b" if all(a.startswith((r"\b", r"(?:\b")) for a in alternatives) else ""
        body = boundary + "(?=[" + "".join(re.escape(c) for c in sorted(starts)) + "])(?:" + body + ")"
    return re.compile(body, re.IGNORECASE)


@dataclass(frozen=True)
class TextMatcher:
    indicator: Indicator
    positive: re.Pattern[str] | None
    negative: re.Pattern[str] | None
    # Literals one of which every positive match contains (score.anchors); None: always run the regex.
    anchors: tuple[str, ...] | None = None

    def find(self, text: str, folded: str | None = None) -> list[tuple[int, int]]:
        """Spans of positive matches in `text` that no negative match cancels.

        `folded` is `anchors.fold(text)` when the caller has it (one fold per text for all
        indicators): an indicator none of whose anchors occur there is skipped without running."""
        if self.positive is None or not text:
            return []
        if folded is not None and not may_match(self.anchors, folded):
            return []
        spans = [(m.start(), m.end()) for m in self.positive.finditer(text) if m.end() > m.start()]
        if not spans or self.negative is None:
            return spans
        window = self.indicator.negative_window
        cancels = [(m.start() - window, m.end() + window) for m in self.negative.finditer(text)]
        return [(s, e) for s, e in spans if not any(cs < e and s < ce for cs, ce in cancels)]


_MATCHERS: dict[tuple[str, str], TextMatcher] = {}


def text_matcher(indicator: Indicator) -> TextMatcher:
    """The compiled patterns of an indicator (compiled once per version of its patterns)."""
    key = (indicator.id, indicator.match_hash())
    matcher = _MATCHERS.get(key)
    if matcher is None:
        if len(_MATCHERS) > 512:
            _MATCHERS.clear()
        matcher = TextMatcher(
            indicator,
            _compile(indicator.patterns),
            _compile(indicator.negative),
            anchors(_alternatives(indicator.patterns)),
        )
        _MATCHERS[key] = matcher
    return matcher


def is_obscured_phone(raw: str, attrs: dict[str, object] | None = None) -> bool:
    """A phone written to dodge filters: spelled-out digits, letters, emoji or odd separators."""
    if attrs and (attrs.get("obfuscated") or attrs.get("obscured")):
        return True
    text = raw.strip()
    if not _PLAIN_PHONE.match(text):
        return True  # letters, words, emoji digits, '*', '/', '_' ...
    if not text.isascii():
        return True
    # Digits spaced out one by one ("2 1 4 5 5 5 0 1 3 4") rather than in the usual groups.
    groups = [g for g in re.split(r"[\s().\-]+", text.lstrip("+")) if g]
    return len(groups) >= 6


_TEXT_MODELS: dict[str, TextModel] = {}  # by the indicator's match hash: read once, not once per ad


def _review_text_hits(indicator: Indicator, ad: Ad, extractions: Sequence[Extraction]) -> list[Hit]:
    """The review-learned text model (score/review_text.py): fires when the ad's words lean to the
    confirmed leads; its evidence is each contributing n-gram with its span, the note their weights."""
    model = _TEXT_MODELS.get(indicator.match_hash())
    if model is None:
        _TEXT_MODELS.clear()
        model = _TEXT_MODELS[indicator.match_hash()] = TextModel.from_params(indicator.params)
    masked = masked_words(
        [ad.location, *(v for e in extractions if e.kind in MASKED_KINDS for v in (e.value, e.raw))]
    )
    found = [
        (field, gram, weight)
        for field in indicator.fields
        for gram, weight in contributions(ad.field_text(field), model, masked)  # type: ignore[arg-type]
    ]
    total = model.intercept + sum(w for _, _, w in found)
    if total <= 0:
        return []
    note = describe(found, total, model)
    positive = sorted((t for t in found if t[2] > 0), key=lambda t: -t[2])
    return [
        Hit(indicator.id, ad.field_text(f)[g.start : g.end], f, g.start, g.end, note)  # type: ignore[arg-type]
        for f, g, _ in positive
    ]


def _detector_hits(indicator: Indicator, ad: Ad, extractions: Sequence[Extraction]) -> list[Hit]:
    params = indicator.params
    hits: list[Hit] = []
    if indicator.detector == "review_text":
        hits.extend(_review_text_hits(indicator, ad, extractions))
    elif indicator.detector == "stated_age":
        low, high = int(params.get("min", 18)), int(params.get("max", 19))
        for ex in extractions:
            if ex.kind == "age" and ex.value.isdigit() and low <= int(ex.value) <= high:
                hits.append(Hit(indicator.id, ex.raw, ex.field, ex.start, ex.end, f"stated age {ex.value}"))
    elif indicator.detector == "obscured_phone":
        for ex in extractions:
            if ex.kind == "phone" and is_obscured_phone(ex.raw, ex.attrs):
                hits.append(Hit(indicator.id, ex.raw, ex.field, ex.start, ex.end, f"written for {ex.value}"))
    elif indicator.detector == "several_names":
        seen: dict[str, Extraction] = {}
        for ex in extractions:
            if ex.kind == "name":
                seen.setdefault(ex.value.casefold(), ex)
        if len(seen) >= int(params.get("min", 2)):
            names = ", ".join(sorted(e.value for e in seen.values()))
            hits.extend(
                Hit(indicator.id, e.raw, e.field, e.start, e.end, f"{len(seen)} working names: {names}")
                for e in seen.values()
            )
    return hits


# The ad-level indicators of a catalogue with their compiled matchers, looked up once per batch of ads.
Prepared = tuple[tuple[Indicator, "TextMatcher"], ...]


def prepare(indicators: Iterable[Indicator]) -> Prepared:
    """The ad-level indicators among `indicators`, each with its compiled matcher (`match_prepared`)."""
    return tuple((i, text_matcher(i)) for i in indicators if i.level == "ad")


def match_ad(
    ad: Ad, extractions: Sequence[Extraction], indicators: Iterable[Indicator]
) -> dict[str, list[Hit]]:
    """Evidence for each ad-level indicator that fired on this ad (indicators with no hit are absent)."""
    return match_prepared(ad, extractions, prepare(indicators))


def match_prepared(ad: Ad, extractions: Sequence[Extraction], prepared: Prepared) -> dict[str, list[Hit]]:
    """`match_ad` with the matchers looked up already: the per-ad loop of the score stage."""
    found: dict[str, list[Hit]] = {}
    texts: dict[str, tuple[str, str]] = {}  # field -> (text, fold(text)), once per ad for all indicators
    for indicator, matcher in prepared:
        hits: list[Hit] = []
        for field in indicator.fields:
            pair = texts.get(field)
            if pair is None:
                text = ad.field_text(field)  # type: ignore[arg-type]
                pair = texts[field] = (text, fold(text))
            text, folded = pair
            for start, end in matcher.find(text, folded):
                hits.append(Hit(indicator.id, text[start:end], field, start, end))  # type: ignore[arg-type]
        if indicator.detector:
            hits.extend(_detector_hits(indicator, ad, extractions))
        if hits:
            found[indicator.id] = _dedupe(hits)
    return found


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies inside another hit's span (text and detector can find the same phone)."""
    ordered = sorted(hits, key=lambda h: (h.field or "", h.start or 0, -((h.end or 0) - (h.start or 0))))
    kept: list[Hit] = []
    for hit in ordered:
        inside = any(
            k.field == hit.field
            and k.start is not None
            and hit.start is not None
            and k.start <= hit.start
            and (hit.end or 0) <= (k.end or 0)
            for k in kept
        )
        if not inside:
            kept.append(hit)
    # Detector hits carry notes; show them first, then text order.
    kept.sort(key=lambda h: (h.note == "", h.field != "title", h.start or 0))
    return kept


def catalogue_text_matchers(catalogue: Catalogue) -> list[TextMatcher]:
    return [text_matcher(i) for i in catalogue.of_level("ad")]
