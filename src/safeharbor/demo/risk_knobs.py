"""Knobs that move the demo world away from the indicator catalogue: the risk world's shifts.

A ranking that only works on the world it was designed with is no ranking. Each knob reproduces a way
real data (or another generator) differs from ours, and `make bench-risk` reports every shift and the
worst case (bench/risk.py --shifts all). All knobs are off by default, and the default corpus is
byte-for-byte what it was before they existed (the knobs draw from their own random streams).

- `vocabulary`: "catalogue" (youth language the catalogue knows) or "unseen": every youth phrase and
  youth emoji is replaced by invented synonyms and emoji no catalogue entry matches. The catalogue
  does not cover this world's vocabulary; only learning from reviews can (issue 12).
- `descriptor_share`: the share of adult posters (operators with no child victim) who use one stock,
  youth-sounding descriptor in most of their ads (an invented phrase that youth-language patterns
  match, as "girl next door" is a stock adult descriptor in real ads). Widespread in the corpus, so it
  is weak evidence whatever the catalogue says.
- `prolific`: adult independents who post hundreds of ads each (one template, re-posted again and
  again), every one with a youth-sounding descriptor: one poster must never fill the queue.
- `silent_minors`: the share of operators with a child victim whose children's ads use no youth
  language at all.
- `swap_rates`: indicator rates swapped between children's and adults' ads (children's ads take the
  rates of adults in networks, adults' ads the rates of children; the obscured-phone boost goes to
  adults). Adversarial: the research priors point the wrong way here.

Named shifts (`SHIFTS`) combine them; `covered` says whether the catalogue's vocabulary and priors
still describe the world (the issue's targets apply only there).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from safeharbor.demo import rates, vocab
from safeharbor.demo.operators import Operator

RISK_SALT = 0x5EED_12B7  # mixes the corpus seed into the risk knobs' own random stream

# Invented youth-coded words and emoji that no catalogue entry matches (tests/test_demo_risk_knobs.py
# checks it). Non-explicit; made up for this generator, not taken from any ad.
UNSEEN_YOUTH_PHRASES: tuple[str, ...] = (
    "dewdrop", "just sprouted", "little sprout", "rosebud sweetie", "springtime bloom", "still growing",
    "sunbeam kid", "bright-eyed newbie", "daisy chain sweetie", "peach fuzz cutie", "junior varsity",
    "pocket sized",
)  # fmt: skip
UNSEEN_YOUTH_EMOJI: tuple[str, ...] = ("🌱", "🐥", "🧃", "🎒", "🌷", "🪁")
# Stock descriptors that sound young but are used by many adults (invented; each contains a phrase the
# catalogue's youth language matches, as stock adult descriptors in real ads do).
STOCK_DESCRIPTORS: tuple[str, ...] = ("fresh face next door",)
PROLIFIC_DESCRIPTORS: tuple[str, ...] = (
    "young at spirit sweetheart", "petite pixie", "tiny dancer vibes", "fresh and bubbly",
)  # fmt: skip
DESCRIPTOR_RATE = 0.85  # share of a descriptor user's ads that carry the descriptor


@dataclass(frozen=True, slots=True)
class RiskKnobs:
    vocabulary: str = "catalogue"  # "catalogue" | "unseen"
    descriptor_share: float = 0.0
    prolific: int = 0  # adult independents posting `prolific_ads` ads each
    prolific_ads: int = 300
    silent_minors: float = 0.0
    swap_rates: bool = False

    @property
    def is_default(self) -> bool:
        return self == RiskKnobs()

    def describe(self) -> str:
        parts = []
        if self.vocabulary != "catalogue":
            parts.append("unseen youth vocabulary")
        if self.descriptor_share:
            parts.append(
                f"{self.descriptor_share:.0%} of adult posters use a stock youth-sounding descriptor"
            )
        if self.prolific:
            parts.append(f"{self.prolific} prolific adult posters of {self.prolific_ads} ads each")
        if self.silent_minors:
            parts.append(f"{self.silent_minors:.0%} of child victims' operators use no youth language")
        if self.swap_rates:
            parts.append("indicator rates swapped between children's and adults' ads")
        return ", ".join(parts) or "the catalogue's world"

    def as_meta(self) -> dict[str, object]:
        return {
            "vocabulary": self.vocabulary,
            "descriptor_share": self.descriptor_share,
            "prolific": self.prolific,
            "prolific_ads": self.prolific_ads,
            "silent_minors": self.silent_minors,
            "swap_rates": self.swap_rates,
        }


@dataclass(frozen=True, slots=True)
class Shift:
    name: str
    knobs: RiskKnobs
    covered: bool  # the catalogue's vocabulary and priors describe this world (targets apply)
    why: str


def prolific_for(n_ads: int) -> tuple[int, int]:
    """(posters, ads each) for the prolific shift: about one poster per 5,000 ads, 4% of the corpus
    each, at most 300 ads."""
    return max(1, round(n_ads / 5000)), max(20, min(300, n_ads // 25))


def shifts(n_ads: int) -> dict[str, Shift]:
    posters, each = prolific_for(n_ads)
    found = [
        Shift("none", RiskKnobs(), True, "the demo world as generated"),
        Shift(
            "unseen-vocab",
            RiskKnobs(vocabulary="unseen"),
            False,
            "youth language in words and emoji no catalogue entry knows",
        ),
        Shift(
            "stock-descriptor",
            RiskKnobs(descriptor_share=0.2),
            True,
            "20% of adult posters use one youth-sounding stock descriptor",
        ),
        Shift(
            "prolific",
            RiskKnobs(prolific=posters, prolific_ads=each),
            True,
            f"{posters} adult poster(s) with {each} re-posted ads each, all with youth-sounding words",
        ),
        Shift("silent-minors", RiskKnobs(silent_minors=1.0), False, "children's ads use no youth language"),
        Shift(
            "swapped",
            RiskKnobs(swap_rates=True),
            False,
            "indicator rates swapped: priors point the wrong way",
        ),
    ]
    return {s.name: s for s in found}


SHIFT_NAMES: tuple[str, ...] = (
    "none",
    "unseen-vocab",
    "stock-descriptor",
    "prolific",
    "silent-minors",
    "swapped",
)


def shift(name: str, n_ads: int) -> Shift:
    found = shifts(n_ads)
    if name not in found:
        raise ValueError(f"unknown shift {name!r}; choose from {', '.join(SHIFT_NAMES)}")
    return found[name]


def knob_rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"{seed}:{RISK_SALT}:{purpose}")


@dataclass(frozen=True, slots=True)
class Voice:
    """How the risk knobs make one operator's ads speak (None for every operator in the default world)."""

    youth_phrases: tuple[str, ...] = vocab.YOUTH_PHRASES
    youth_emoji: tuple[str, ...] = vocab.YOUTH_EMOJI
    descriptor: str | None = None
    descriptor_rate: float = 0.0
    silent_minors: bool = False
    swapped: bool = False

    def rate(self, table: tuple[float, float, float, float], minor: bool, kind: str) -> float:
        """An indicator's rate for an ad (rates.by_group), as this world has it."""
        if self.silent_minors and minor and table is rates.YOUTH:
            return 0.0
        if self.swapped:
            return table[1] if minor else table[0]
        return rates.by_group(table, minor, kind)


def voices(seed: int, knobs: RiskKnobs, ops: Sequence[Operator]) -> dict[str, Voice]:
    """Each operator's voice under these knobs ({} when they are the defaults)."""
    if knobs.is_default:
        return {}
    rng = knob_rng(seed, "voices")
    unseen = knobs.vocabulary == "unseen"
    base = Voice(
        youth_phrases=UNSEEN_YOUTH_PHRASES if unseen else vocab.YOUTH_PHRASES,
        youth_emoji=UNSEEN_YOUTH_EMOJI if unseen else vocab.YOUTH_EMOJI,
        swapped=knobs.swap_rates,
    )
    out: dict[str, Voice] = {}
    for op in sorted(ops, key=lambda o: o.id):
        has_minor = any(p.minor for p in op.persons)
        voice = base
        if op.prolific:
            voice = Voice(
                base.youth_phrases,
                base.youth_emoji,
                descriptor=rng.choice(PROLIFIC_DESCRIPTORS),
                descriptor_rate=1.0,
                swapped=base.swapped,
            )
        elif not has_minor and rng.random() < knobs.descriptor_share:
            voice = Voice(
                base.youth_phrases,
                base.youth_emoji,
                descriptor=rng.choice(STOCK_DESCRIPTORS),
                descriptor_rate=DESCRIPTOR_RATE,
                swapped=base.swapped,
            )
        if has_minor and knobs.silent_minors and rng.random() < knobs.silent_minors:
            voice = Voice(voice.youth_phrases, voice.youth_emoji, silent_minors=True, swapped=voice.swapped)
        out[op.id] = voice
    return out
