"""The anchor pre-filter of the indicator matcher changes nothing: same flags, same spans as running every
indicator's regex on every text, on the demo corpus and on generated text (case tricks included)."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from safeharbor.demo import generate
from safeharbor.score.anchors import _fold_table, anchors, fold, may_match
from safeharbor.score.catalogue import Indicator, load_catalogue
from safeharbor.score.indicators import Hit, _dedupe, match_ad, text_matcher
from safeharbor.types import Ad, AdField

INDICATORS = load_catalogue().of_level("ad")


def unfiltered(ad: Ad, indicators: list[Indicator]) -> dict[str, list[Hit]]:
    """The matcher as it was before the pre-filter: every indicator's regex over every field."""
    found: dict[str, list[Hit]] = {}
    for indicator in indicators:
        hits = []
        for field in indicator.fields:
            text = ad.field_text(field)  # type: ignore[arg-type]
            for start, end in text_matcher(indicator).find(text):
                f: AdField = field  # type: ignore[assignment]
                hits.append(Hit(indicator.id, text[start:end], f, start, end))
        if hits:
            found[indicator.id] = _dedupe(hits)
    return found


def text_only() -> list[Indicator]:
    return [i for i in INDICATORS if not i.detector]


def make_ad(title: str, body: str) -> Ad:
    return Ad(
        ad_key=1, id="a", source="s", posted_at=datetime(2026, 1, 1, tzinfo=UTC), body=body, title=title
    )


def test_same_flags_and_spans_on_the_demo_corpus(tmp_path: Path) -> None:
    summary = generate(tmp_path / "demo", 1500, 23, images=False)
    checked = fired = 0
    for line in Path(summary.ads_path).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        ad = make_ad(record.get("title") or "", record.get("body") or "")
        expected = unfiltered(ad, text_only())
        assert match_ad(ad, [], text_only()) == expected
        checked += 1
        fired += bool(expected)
    assert checked == 1500 and fired > 300  # the corpus does exercise the indicators


# Words of the catalogue (so that matches happen), mixed with characters re.IGNORECASE treats specially.
VOCAB = sorted(
    {w for i in INDICATORS for w in (*i.patterns.words, *i.patterns.phrases, *i.patterns.emoji)}
    | {w for i in INDICATORS for p in i.patterns.phrases for w in p.split()}
)
TRICKY = ["ſ", "İ", "ı", "K", "Σ", "ς", "σ", "µ", "ϐ", "ᲀ", "’", "'", "\ufe0f", "0", "1", "3", "\u00a0"]
pieces = st.one_of(
    st.sampled_from(VOCAB),
    st.sampled_from(VOCAB).map(str.upper),
    st.sampled_from(TRICKY),
    st.sampled_from([" ", "  ", ", ", ". ", "\n"]),
    st.text(max_size=4),
)
texts = st.lists(pieces, max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(title=texts, body=texts)
def test_same_flags_and_spans_on_generated_text(title: str, body: str) -> None:
    ad = make_ad(title, body)
    assert match_ad(ad, [], text_only()) == unfiltered(ad, text_only())


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_no_indicator_is_skipped_where_it_matches(text: str) -> None:
    for indicator in INDICATORS:
        matcher = text_matcher(indicator)
        if matcher.positive is not None and matcher.positive.search(text):
            assert may_match(matcher.anchors, fold(text)), (indicator.id, text)


def test_fold_agrees_with_re_ignorecase_on_every_character() -> None:
    """Two characters re.IGNORECASE treats as equal fold to one character; every character folds to
    one re.IGNORECASE treats as equal to it; the ASCII shortcut is the same as the table."""
    table = _fold_table()
    lower = re._compiler._sre.unicode_tolower  # type: ignore[attr-defined]
    for code in range(sys.maxunicode + 1):
        folded = table.get(code, code)
        assert table.get(lower(code), lower(code)) == folded
        if folded != code:  # (unchanged characters trivially match themselves)
            assert re.fullmatch(re.escape(chr(folded)), chr(code), re.IGNORECASE), hex(code)
    ascii_chars = "".join(chr(c) for c in range(128))
    assert fold(ascii_chars) == ascii_chars.translate(table)
    extra: dict[int, tuple[int, ...]] = re._casefix._EXTRA_CASES  # type: ignore[attr-defined]
    for code, others in extra.items():
        assert {table.get(o, o) for o in others} == {table.get(code, code)}


def test_anchors_are_literal_runs_and_regexes_without_one_always_run() -> None:
    assert anchors([r"\bnew\s+to\s+the\s+game\b"]) == ("game",)
    assert anchors([r"\bdon['’]?t\b", r"\bSweet\b"]) == ("don", "sweet")
    assert anchors([r"(?:\b(?:cops?|police)\b)"]) is None  # a branch: no single literal
    assert anchors([r"\bage[ds]?\b", r"[0-9]+"]) is None
    assert may_match(None, "anything") and not may_match(("game",), "no match here")
