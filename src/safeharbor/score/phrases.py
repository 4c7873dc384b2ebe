"""Phrase proposals: n-grams and emoji that separate confirmed from dismissed leads (pure functions).

Each labelled lead is one document (all its ads' titles and bodies: a prolific poster counts once).
Text is normalised (HTML tags dropped, entities decoded, case folded), cut into segments at punctuation
(so a proposed phrase is one the catalogue's phrase matcher can find: words separated by spaces only),
and each segment into word n-grams of 1-3 tokens; each emoji is a token of its own. For every n-gram:

    a = confirmed leads showing it (of P), b = dismissed leads showing it (of N)
    score = log((a + 0.5) / (P - a + 0.5)) - log((b + 0.5) / (N - b + 0.5))   (smoothed log-odds ratio)

A proposal needs `min_support` confirmed leads and a score of at least `min_score`; n-grams that begin
or end with a common function word, and those the catalogue already matches, are left out; of a
shorter and a longer n-gram shown by exactly the same leads, only the longer (what reviewers read) is
kept. A proposal is evidence for an analyst to judge, never a pattern until one accepts it.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from safeharbor.score.catalogue import Catalogue, Indicator
from safeharbor.score.indicators import text_matcher
from safeharbor.score.stopwords import STOPWORDS

MAX_N = 3
SMOOTH = 0.5
MIN_SUPPORT = 3
MIN_SCORE = 1.0
LEARNED_WEIGHT = 0.5  # a new indicator made of accepted phrases starts here (log-odds); `learn` re-fits it

_TAG = re.compile(r"<[/!]?[A-Za-z][^<>]{0,60}>")
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_TOKEN = re.compile(rf"[^\W\d_]+(?:['’][^\W\d_]+)*|[{_EMOJI}]|[^\w\s'’{_EMOJI}]+|\d+")
_IS_WORD = re.compile(r"[^\W\d_]")
_IS_EMOJI = re.compile(rf"[{_EMOJI}]")


def normalise(text: str) -> str:
    """Tags dropped, entities decoded, variation selectors removed, case folded."""
    return html.unescape(_TAG.sub(" ", text)).replace("\ufe0f", "").casefold()


def grams(text: str, max_n: int = MAX_N) -> set[tuple[str, str]]:
    """(kind, n-gram) pairs of one text: ("phrase", "new in town"), ("emoji", "🍓")."""
    out: set[tuple[str, str]] = set()
    segment: list[str] = []

    def flush() -> None:
        for n in range(1, max_n + 1):
            for i in range(len(segment) - n + 1):
                words = segment[i : i + n]
                if words[0] in STOPWORDS or words[-1] in STOPWORDS or len("".join(words)) < 3:
                    continue
                out.add(("phrase", " ".join(words)))
        segment.clear()

    for token in _TOKEN.findall(normalise(text)):
        if _IS_WORD.match(token):
            segment.append(token)
            continue
        flush()
        if _IS_EMOJI.fullmatch(token):
            out.add(("emoji", token))
    flush()
    return out


@dataclass(frozen=True)
class Proposal:
    phrase: str
    kind: str  # phrase | emoji
    confirmed: int  # confirmed leads showing it
    dismissed: int  # dismissed leads showing it
    score: float  # smoothed log-odds ratio, confirmed vs dismissed


def log_odds(a: int, p: int, b: int, n: int) -> float:
    return math.log((a + SMOOTH) / (p - a + SMOOTH)) - math.log((b + SMOOTH) / (n - b + SMOOTH))


def _covered(phrase: str, matchers: Sequence[Indicator]) -> bool:
    return any(text_matcher(ind).find(phrase) for ind in matchers)


def propose(
    documents: Mapping[str, tuple[str, bool]],
    catalogue: Catalogue,
    *,
    min_support: int = MIN_SUPPORT,
    min_score: float = MIN_SCORE,
    limit: int = 50,
) -> list[Proposal]:
    """Proposals from lead_id -> (its ads' text, confirmed), strongest first."""
    shown: dict[bool, Counter[tuple[str, str]]] = {True: Counter(), False: Counter()}
    for text, confirmed in documents.values():
        shown[confirmed].update(grams(text))
    p = sum(1 for _, c in documents.values() if c)
    n = len(documents) - p
    textual = [i for i in catalogue.of_level("ad") if not i.patterns.is_empty()]
    found: dict[tuple[str, str], Proposal] = {}
    for (kind, phrase), a in shown[True].items():
        if a < min_support:
            continue
        b = shown[False][(kind, phrase)]
        score = log_odds(a, p, b, n)
        if score >= min_score and not _covered(phrase, textual):
            found[(kind, phrase)] = Proposal(phrase, kind, a, b, round(score, 3))
    return _longest(found.values())[:limit]


def _longest(found: Iterable[Proposal]) -> list[Proposal]:
    """Drop an n-gram inside a longer one that exactly the same leads show (same counts)."""
    items = sorted(found, key=lambda x: (-x.score, -x.confirmed, x.dismissed, x.phrase))
    keep = []
    for item in items:
        padded = f" {item.phrase} "
        inside = any(
            o is not item
            and item.kind == o.kind == "phrase"
            and padded in f" {o.phrase} "
            and (o.confirmed, o.dismissed) == (item.confirmed, item.dismissed)
            for o in items
        )
        if not inside:
            keep.append(item)
    return keep


@dataclass(frozen=True)
class Accepted:
    phrase: str
    kind: str  # phrase | emoji
    indicator: str
    by: str


def with_accepted(catalogue: Catalogue, accepted: Sequence[Accepted]) -> Catalogue:
    """The catalogue with accepted phrases added: to an existing ad-level indicator's patterns, or as a
    new `learned` indicator of that name. Idempotent (a phrase already there is not added twice)."""
    if not accepted:
        return catalogue
    indicators = {i.id: i for i in catalogue.indicators}
    order = [i.id for i in catalogue.indicators]
    for item in accepted:
        ind = indicators.get(item.indicator)
        if ind is None:
            ind = Indicator(
                id=item.indicator,
                title=f"Accepted from review: {item.indicator.replace('_', ' ')}",
                level="ad",
                weight=LEARNED_WEIGHT,
                predictive="unknown",
                validity="Phrases analysts accepted from their reviews of this corpus (docs/learning.md); "
                "not from research. Its weight is a starting point that `safeharbor learn` re-fits.",
                source=f"Accepted from reviewed leads by {item.by}",
                learned=True,
            )
            order.append(ind.id)
        if ind.level != "ad":
            continue
        pats = ind.patterns
        if item.kind == "emoji" and item.phrase not in pats.emoji:
            pats = replace(pats, emoji=(*pats.emoji, item.phrase))
        elif item.kind == "phrase" and item.phrase not in pats.phrases:
            pats = replace(pats, phrases=(*pats.phrases, item.phrase))
        indicators[ind.id] = replace(ind, patterns=pats)
    return replace(catalogue, indicators=tuple(indicators[i] for i in order))
