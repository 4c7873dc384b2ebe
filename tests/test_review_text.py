"""The review-learned text model (score/review_text.py): spans, masking, lead weighting, when it stays off."""

from __future__ import annotations

import random

import pytest

from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.review_text import (
    INDICATOR,
    MIN_EACH,
    ad_keys,
    fit_text_model,
    masked_words,
    text_grams,
    with_text_model,
)

TEXTS = [
    "Bluebird visits only 🌼, Candy in Dallas",
    "Sweet&amp;kind<br>BLUEBIRD  hours, call 555-0100",
    "new in town! bluebird’s friend",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_gram_points_at_its_text(text: str) -> None:
    grams = text_grams(text)
    assert grams
    for gram in grams:
        shown = text[gram.start : gram.end]
        if gram.key.startswith("e:"):
            assert shown == gram.key[2:]
        else:
            assert " ".join(shown.casefold().split()) == gram.key[2:]


def test_grams_keys_masking_and_segments() -> None:
    keys = {
        g.key
        for g in text_grams("Bluebird visits only 🌼, Candy in Dallas", masked_words(["Candy", "Dallas"]))
    }
    assert {"w:bluebird", "w:visits", "w:bluebird visits", "e:🌼"} <= keys
    assert not any("candy" in k or "dallas" in k for k in keys)  # the ad's own name and place: never features
    assert "w:only candy" not in keys  # punctuation ends a segment
    tags = {g.key for g in text_grams("Sweet&amp;kind<br>bluebird")}
    assert "w:kind bluebird" not in tags and "w:sweet kind" not in tags  # tags and entities end one too
    assert ad_keys(["Bluebird", None, "visits"], frozenset()) == {"w:bluebird", "w:visits"}


def _docs(
    n_each: int, *, signal: bool, copies: int = 1, seed: int = 0
) -> dict[str, tuple[bool, dict[int, frozenset[str]]]]:
    rng = random.Random(seed)
    filler = [f"w:word{i}" for i in range(12)]
    docs: dict[str, tuple[bool, dict[int, frozenset[str]]]] = {}
    key = 0
    for n in range(2 * n_each):
        confirmed = n < n_each
        ads: dict[int, frozenset[str]] = {}
        for c in range(copies):
            words = set(rng.sample(filler, 4))
            if signal and confirmed:
                words.add("w:bluebird")
            ads[key] = frozenset(words | ({f"w:copy{c}"} if copies > 1 else set()))
            key += 1
        docs[f"ad:{n}"] = (confirmed, ads)
    return docs


def test_stays_off_with_too_few_reviews() -> None:
    fitted = fit_text_model(_docs(MIN_EACH - 1, signal=True))
    assert fitted.model is None and "needs at least" in fitted.reason and not fitted.held_out


def test_stays_off_when_words_do_not_predict_held_out_leads() -> None:
    fitted = fit_text_model(_docs(12, signal=False))
    assert fitted.model is None and "no better than chance" in fitted.reason


def test_learns_the_separating_word_and_fires_held_out() -> None:
    docs = _docs(8, signal=True)
    fitted = fit_text_model(docs)
    assert fitted.model is not None, fitted.reason
    top = max(fitted.model.weights, key=lambda k: fitted.model.weights[k])  # type: ignore[union-attr]
    assert top == "w:bluebird"
    fired = {
        label: [fitted.held_out[k] for lab, ads in docs.values() if lab == label for k in ads]
        for label in (True, False)
    }
    assert sum(fired[True]) >= 6 and sum(fired[False]) <= 2  # when its own lead was held out


def test_a_prolific_lead_counts_once() -> None:
    """One dismissed lead with 200 distinct ads that all say 'bluebird' does not outweigh eight
    confirmed leads that say it: each lead's ads share one unit of weight."""
    docs = _docs(8, signal=True)
    docs["network:prolific"] = (
        False,
        {10_000 + i: frozenset({"w:bluebird", f"w:copy{i}"}) for i in range(200)},
    )
    fitted = fit_text_model(docs)
    assert fitted.model is not None and fitted.model.weights["w:bluebird"] > 0


def test_with_text_model_adds_and_removes_the_indicator() -> None:
    cat = load_catalogue()
    fitted = fit_text_model(_docs(8, signal=True))
    assert fitted.model is not None
    with_model = with_text_model(cat, fitted.model.params())
    indicator = with_model.by_id()[INDICATOR]
    assert indicator.learned and indicator.level == "ad" and indicator.detector == "review_text"
    assert with_model.weights_hash() == cat.weights_hash()  # a learned indicator voids no fitted weights
    assert INDICATOR not in with_text_model(with_model, None).by_id()
