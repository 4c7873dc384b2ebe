"""The review-learned text model: words, word pairs and emoji that separate the ads of the leads analysts
confirmed from those they dismissed, learnt from this store's own reviews (pure functions).

Training (`fit_text_model`): every ad of a labelled lead is a document, labelled with its lead. Re-posts
and near-duplicate templates count once (ads with the same set of n-grams are one document), and each
lead's documents share one unit of weight, so a prolific poster or a large network weighs as much as a
stand-alone ad. Confirmed and dismissed leads weigh the same in total (the reviewed leads are not a
random sample). Features are word 1-2-grams and single emoji, present or absent, with the ad's own
working names, place and numbers left out (a name or a city learns nothing about the next lead), and
kept only when at least `MIN_LEADS` labelled leads show them. The model is an L2-regularised logistic
regression (scikit-learn); its regularisation C is chosen from the reviews by lead-grouped
cross-validation (the weighted log-loss of held-out leads over `C_GRID`), and the model stays off when
no C predicts held-out leads better than the base rate, or when fewer than `MIN_EACH` leads of either
kind were reviewed.

Use (`text_indicator`): the model becomes an ad-level indicator, `review_text`, that fires on an ad
whose words lean to the confirmed leads (the model's log-odds > 0, on balanced classes). Its evidence
is the contributing n-grams, each with its span in the ad and its weight; its weight in the person and
lead model is re-fitted from the reviews like any indicator's (score/learn.py). Evidence, not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from safeharbor.score.catalogue import Catalogue, Indicator
from safeharbor.score.stopwords import STOPWORDS

INDICATOR = "review_text"
DETECTOR = "review_text"
TITLE = "Wording of confirmed leads (learnt from review)"
MIN_EACH = 5  # fewer confirmed or dismissed leads than this: the text model stays off
MIN_LEADS = 3  # an n-gram shown by fewer labelled leads than this is not a feature
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # inverse L2 strengths the reviews choose from
MIN_GAIN = 0.01  # held-out log-loss per unit weight the model must beat the base rate by
START_WEIGHT = 0.5  # its weight in the person model before `learn` re-fits it (as an accepted phrase's)
SHOWN = 6  # contributing n-grams an ad's evidence lists

_BREAK = r"<[/!]?[A-Za-z][^<>]{0,60}>|&#?\w{1,8};"  # HTML tags and entities end a segment
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_TOKEN = re.compile(rf"(?P<brk>{_BREAK})|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)|(?P<emoji>[{_EMOJI}])|[^\s]")


@dataclass(frozen=True, slots=True)
class Gram:
    """One n-gram occurrence: its feature key and where it is (text[start:end] is what the ad says)."""

    key: str
    start: int
    end: int


def text_grams(text: str, masked: frozenset[str] = frozenset()) -> list[Gram]:
    """Word 1-2-grams (within a segment: punctuation, numbers, tags and masked words end one) and
    single emoji, in text order. Keys are case-folded ("w:new girl", "e:🍓")."""
    out: list[Gram] = []
    segment: list[tuple[str, int, int]] = []

    def flush() -> None:
        for i, (word, start, end) in enumerate(segment):
            if word not in STOPWORDS and len(word) > 2:
                out.append(Gram(f"w:{word}", start, end))
            if i + 1 < len(segment):
                nxt = segment[i + 1]
                if word not in STOPWORDS and nxt[0] not in STOPWORDS:
                    out.append(Gram(f"w:{word} {nxt[0]}", start, nxt[2]))
        segment.clear()

    for m in _TOKEN.finditer(text):
        if m.group("word"):
            word = m.group("word").casefold()
            if word in masked:
                flush()
            else:
                segment.append((word, m.start(), m.end()))
            continue
        flush()
        if m.group("emoji"):
            out.append(Gram(f"e:{m.group('emoji')}", m.start(), m.end()))
    flush()
    return out


MASKED_KINDS = frozenset({"name", "city", "country", "handle", "email"})


def masked_words(values: Iterable[str | None]) -> frozenset[str]:
    """The words of an ad's own working names, handles and place: never features."""
    words = _TOKEN.finditer(" ".join(v for v in values if v))
    return frozenset(m.group("word").casefold() for m in words if m.group("word"))


def ad_keys(fields: Iterable[str | None], masked: frozenset[str]) -> frozenset[str]:
    """The feature keys of one ad (its title and body)."""
    return frozenset(g.key for text in fields if text for g in text_grams(text, masked))


@dataclass(frozen=True)
class TextModel:
    """A fitted text model: weight per feature key (log-odds), the intercept, and how it was chosen."""

    weights: dict[str, float]
    intercept: float
    c: float
    leads: int
    confirmed: int
    log_loss: dict[float, float] = field(default_factory=dict)  # held-out, per C (and 0.0: base rate)

    def logit(self, keys: Iterable[str]) -> float:
        return self.intercept + sum(self.weights.get(k, 0.0) for k in set(keys))

    def params(self) -> dict[str, Any]:
        """What the indicator stores (its match hash changes with the model)."""
        return {
            "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
            "intercept": round(self.intercept, 4),
            "c": self.c,
            "leads": self.leads,
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TextModel:
        return cls(
            weights={str(k): float(v) for k, v in dict(params.get("weights", {})).items()},
            intercept=float(params.get("intercept", 0.0)),
            c=float(params.get("c", 0.0)),
            leads=int(params.get("leads", 0)),
            confirmed=int(params.get("confirmed", 0)),
        )


@dataclass(frozen=True)
class Fitted:
    """The outcome of a fit: the model (None when off), why it is off, and held-out firing of the
    labelled leads' documents (what `learn` fits the indicator's weight on, not in-sample scores)."""

    model: TextModel | None
    reason: str
    held_out: dict[int, bool] = field(default_factory=dict)  # ad key -> fired when its lead was held out


Docs = Mapping[str, tuple[bool, Mapping[int, frozenset[str]]]]  # lead -> (confirmed, ad key -> keys)


def _documents(
    docs: Docs,
) -> tuple[list[frozenset[str]], list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """Distinct documents per lead (re-posts once), with their ad keys, labels, weights and groups."""
    texts: list[frozenset[str]] = []
    keys: list[list[int]] = []
    y: list[float] = []
    w: list[float] = []
    group: list[int] = []
    positives = sum(1 for label, _ in docs.values() if label)
    negatives = len(docs) - positives
    for g, lead in enumerate(sorted(docs)):
        label, ads = docs[lead]
        distinct: dict[frozenset[str], list[int]] = {}
        for key in sorted(ads):
            distinct.setdefault(ads[key], []).append(key)
        share = 0.5 / (positives if label else negatives) / len(distinct)
        for grams, members in distinct.items():
            texts.append(grams)
            keys.append(members)
            y.append(1.0 if label else 0.0)
            w.append(share)
            group.append(g)
    return texts, keys, np.array(y), np.array(w), np.array(group)


def _balanced(w: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The weights rescaled so that confirmed and dismissed leads weigh half each (per fit: a fold's
    training leads are not balanced as the whole is)."""
    out = w.copy()
    for label in (0.0, 1.0):
        mask = y == label
        out[mask] *= 0.5 / max(float(w[mask].sum()), 1e-12)
    return out


def _weighted_log_loss(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p))) / np.sum(w))


def fit_text_model(docs: Docs, grid: Sequence[float] = C_GRID) -> Fitted:
    """Fit the text model on labelled leads' ads (lead -> (confirmed, ad key -> its n-gram keys)), the
    regularisation chosen by lead-grouped cross-validation; off (model None, with the reason) when too
    few leads of either kind were reviewed or when the words predict held-out leads no better than the
    base rate."""
    # Imported when the model is fitted, not when it is used: every scoring process (and worker) imports
    # this module, and scikit-learn costs most of a second to import (see score/model.py).
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    positives = sum(1 for label, _ in docs.values() if label)
    negatives = len(docs) - positives
    if min(positives, negatives) < MIN_EACH:
        return Fitted(
            None,
            f"text model off: needs at least {MIN_EACH} confirmed and {MIN_EACH} dismissed leads, "
            f"has {positives} and {negatives}",
        )
    texts, keys, y, w, group = _documents(docs)
    shown: dict[str, set[int]] = {}
    for grams, g in zip(texts, group, strict=True):
        for k in grams:
            shown.setdefault(k, set()).add(int(g))
    vocabulary = sorted(k for k, leads in shown.items() if len(leads) >= MIN_LEADS)
    if not vocabulary:
        return Fitted(None, f"text model off: no word is shown by {MIN_LEADS} or more labelled leads")
    vectoriser = DictVectorizer(sparse=True)
    vectoriser.fit([dict.fromkeys(vocabulary, 1)])
    x = vectoriser.transform([dict.fromkeys(t, 1) for t in texts])
    folds = StratifiedGroupKFold(n_splits=int(min(5, positives, negatives)), shuffle=True, random_state=0)
    splits = list(folds.split(x, y, group))
    losses: dict[float, float] = {0.0: _weighted_log_loss(y, np.full(len(y), 0.5), w)}
    held: dict[float, np.ndarray] = {}
    for c in grid:
        p = np.empty(len(y))
        for train, test in splits:
            model = LogisticRegression(C=c * len(docs), max_iter=1000).fit(
                x[train], y[train], sample_weight=_balanced(w[train], y[train])
            )
            p[test] = model.predict_proba(x[test])[:, 1]
        losses[c], held[c] = _weighted_log_loss(y, p, w), p
    best = min(grid, key=lambda c: (losses[c], c))
    if losses[best] > losses[0.0] - MIN_GAIN:
        return Fitted(
            None,
            f"text model off: the reviewed leads' words predict held-out leads no better than chance "
            f"(log-loss {losses[best]:.3f} vs {losses[0.0]:.3f})",
        )
    final = LogisticRegression(C=best * len(docs), max_iter=1000).fit(x, y, sample_weight=w)
    weights = {
        k: float(v)
        for k, v in zip(vectoriser.get_feature_names_out(), final.coef_[0], strict=True)
        if abs(v) >= 1e-3
    }
    fitted = TextModel(weights, float(final.intercept_[0]), best, len(docs), positives, losses)
    held_out = {key: bool(held[best][i] > 0.5) for i, members in enumerate(keys) for key in members}
    return Fitted(
        fitted, f"text model on: {len(weights)} n-grams from {len(docs)} leads, C {best:g}", held_out
    )


def contributions(
    text: str, model: TextModel, masked: frozenset[str] = frozenset()
) -> list[tuple[Gram, float]]:
    """The n-grams of one text the model weighs, first occurrence of each, with their weights."""
    seen: dict[str, tuple[Gram, float]] = {}
    for gram in text_grams(text, masked):
        if gram.key in model.weights and gram.key not in seen:
            seen[gram.key] = (gram, model.weights[gram.key])
    return list(seen.values())


def describe(found: Sequence[tuple[str, Gram, float]], total: float, model: TextModel) -> str:
    """The flag's note: the strongest contributing n-grams and the total, with where it was learnt."""
    shown = sorted(found, key=lambda t: -t[2])[:SHOWN]
    words = ", ".join(f"'{g.key[2:]}' {v:+.2f}" for _, g, v in shown)
    return (
        f"words that went with confirmed leads in {model.leads} reviewed leads of this corpus: {words} "
        f"(text log-odds {total:+.2f})"
    )


def text_indicator(model: TextModel) -> Indicator:
    """The learned ad-level indicator that carries the text model (added to the corpus catalogue)."""
    return Indicator(
        id=INDICATOR,
        title=TITLE,
        level="ad",
        weight=START_WEIGHT,
        predictive="unknown",
        validity="Learnt from this corpus's reviewed leads (docs/learning.md), not from research: words that "
        "went with confirmed leads. Evidence to read in the ad, never a verdict.",
        source=f"Text model fitted on {model.leads} reviewed leads of this corpus",
        detector=DETECTOR,
        params=model.params(),
        learned=True,
    )


def with_text_model(catalogue: Catalogue, params: Mapping[str, Any] | None) -> Catalogue:
    """The catalogue with the review-learned text indicator (none when there is no fitted text model)."""
    rest = tuple(i for i in catalogue.indicators if i.id != INDICATOR)
    if not params:
        return catalogue if len(rest) == len(catalogue.indicators) else _replace(catalogue, rest)
    return _replace(catalogue, (*rest, text_indicator(TextModel.from_params(params))))


def _replace(catalogue: Catalogue, indicators: tuple[Indicator, ...]) -> Catalogue:
    return replace(catalogue, indicators=indicators)
