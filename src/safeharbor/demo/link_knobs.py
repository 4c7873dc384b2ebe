"""Knobs that move the demo world for linking: what makes networks hard to find whole.

Each knob reproduces a difficulty seen on data we did not generate; all are off by default, and the
default corpus is byte-for-byte what it was before they existed (every knob draws from its own random
stream, derived from the corpus seed, never from the main one).

- `images`: "files" (abstract pictures written and linked), "dead" (ads still list image links, but
  the files are gone, as with dead links in a crawl: no perceptual hash can be computed), "none".
- `phone_rotation`: "operator" (one phone in use at a time, switched every few weeks, an ad now and
  then showing the old and the new one) or "persons": each network keeps 2-4 phones and at every stay
  hands them out to its persons afresh, so a phone moves from person to person and from city to city
  and no ad shows two of them.
- `collisions`: how many pairs of unrelated operators happen to share one identifier (a handle, or a
  phone number re-issued by the carrier). Unlike the junk number, each of the two uses it as its own
  in every ad; it must be kept inside each operator and refused only as a bridge between them.
- `habits`: operators write with habits rather than one fixed text: a few openers, descriptors, venue
  lines and sign-offs of their own, an emoji habit and a price style, sampled per ad (lines dropped
  now and then), the same for every person of a network while names, ages, cities and phones differ.
  The habit phrases come from small shared lists, so unrelated operators share many of them (generic
  phrases are hard negatives), and copied popular templates copy the habits too.

The knobs are separate from the risk world's knobs (vocabulary, youth rates, prolific posters).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from safeharbor.demo import vocab
from safeharbor.demo.operators import Operator, PhonePool

ImageMode = Literal["files", "dead", "none"]
RotationMode = Literal["operator", "persons"]
KNOB_SALT = 0x5EED_11A4  # mixes the corpus seed into the knobs' own random stream


@dataclass(frozen=True, slots=True)
class LinkKnobs:
    images: ImageMode = "files"
    phone_rotation: RotationMode = "operator"
    collisions: int = 0
    habits: bool = False

    @property
    def is_default(self) -> bool:
        return self == LinkKnobs()

    def describe(self) -> str:
        parts = [f"images {self.images}", f"phones rotate per {self.phone_rotation}"]
        parts.append(f"{self.collisions} identifier collisions")
        parts.append("writing habits" if self.habits else "fixed templates")
        return ", ".join(parts)


def collisions_for(n_ads: int) -> int:
    """A collision count that scales with the corpus (one pair per ~1,500 ads, at least 3)."""
    return max(3, n_ads // 1500)


def world(name: str, n_ads: int) -> LinkKnobs:
    """Named linking worlds (used by `safeharbor demo-data --world` and `make bench-linking`)."""
    collisions = collisions_for(n_ads)
    worlds = {
        "default": LinkKnobs(),
        "no-images": LinkKnobs(images="dead"),
        "rotation": LinkKnobs(images="dead", phone_rotation="persons", habits=True),
        "collisions": LinkKnobs(collisions=collisions),
        "hard": LinkKnobs(images="dead", phone_rotation="persons", collisions=collisions, habits=True),
    }
    if name not in worlds:
        raise ValueError(f"unknown world {name!r}; choose from {', '.join(worlds)}")
    return worlds[name]


WORLD_NAMES = ("default", "no-images", "rotation", "collisions", "hard")


def knob_rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"{seed}:{KNOB_SALT}:{purpose}")


# ---- phone rotation between persons -------------------------------------------------------------


@dataclass(slots=True)
class PersonPhones:
    """Which of a network's phones each person uses at each stay (`persons` rotation)."""

    by_stay: list[dict[str, int]] = field(default_factory=list)  # stay -> person id -> phone index

    def phone_of(self, stay: int, person_id: str) -> int:
        return self.by_stay[stay][person_id]


def rotate_between_persons(rng: random.Random, ops: Sequence[Operator]) -> dict[str, PersonPhones]:
    """Give every network 2-4 phones handed out to its persons afresh at each stay.

    Phones are taken from the same fictional 555-01xx pool, minus the numbers already in use, so no
    two operators share a number by accident (collisions are planted separately).
    """
    used = {p for op in ops for p in op.phones}
    pool = PhonePool(rng)
    for numbers in pool._free.values():
        numbers[:] = [n for n in numbers if n not in used]
    out: dict[str, PersonPhones] = {}
    for op in ops:
        if op.kind != "network":
            continue
        want = rng.randint(2, 4)
        while len(op.phones) < want:
            op.phones.append(pool.take(rng, op.home))
        del op.phones[want:]
        op.rotation = [op.rotation[0]] * len(op.phones)  # all in use at once; per person, see below
        table = PersonPhones()
        for _stay in op.circuit:
            offset = rng.randrange(len(op.phones))
            order = list(range(len(op.phones)))
            rng.shuffle(order)
            table.by_stay.append({p.id: order[(i + offset) % len(order)] for i, p in enumerate(op.persons)})
        out[op.id] = table
    return out


# ---- accidental identifier collisions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collision:
    kind: str  # "handle" | "phone"
    value: str  # as the operators write it (handle with @, phone as 10 digits)
    operators: tuple[str, str]


def plant_collisions(rng: random.Random, ops: Sequence[Operator], count: int) -> list[Collision]:
    """Make `count` pairs of unrelated operators share one identifier they each use as their own.

    Pairs are drawn from different regions or at least different home cities (unrelated people), and
    an operator is in at most one pair. Alternately a handle (the second operator's handle becomes the
    first's) and a phone (the second's main phone becomes the first's).
    """
    busy = [op for op in ops if op.n_ads >= 4]
    rng.shuffle(busy)
    taken: set[str] = set()
    out: list[Collision] = []
    for k in range(count):
        kind = "handle" if k % 2 == 0 else "phone"
        first = next((op for op in busy if op.id not in taken), None)
        if first is None:
            break
        taken.add(first.id)
        second = next(
            (op for op in busy if op.id not in taken and op.home != first.home and op.kind != "business"),
            None,
        )
        if second is None:
            break
        taken.add(second.id)
        if kind == "handle":
            if not first.handles:
                first.handles = [f"@{first.persons[0].names[0].lower()}_{rng.randint(100, 999)}"]
            second.handles = [first.handles[0]]
            value = first.handles[0]
        else:
            second.phones[0] = first.phones[0]
            value = first.phones[0]
        first.shared.append(f"collision_{kind}")
        second.shared.append(f"collision_{kind}")
        out.append(Collision(kind, value, (first.id, second.id)))
    return out


# ---- writing habits ------------------------------------------------------------------------------

SIGN_OFFS: tuple[str, ...] = (
    "see you soon", "text first and say hi", "book ahead, I fill up fast", "kind gentlemen only",
    "no games, no drama", "respect my time please", "thanks for reading", "short notice ok",
    "message for details", "hope to hear from you", "ask about specials", "no texts after midnight",
)  # fmt: skip
VENUE_PARTS: tuple[str, ...] = (
    "quiet private place", "near downtown", "off the highway", "clean and safe spot", "easy parking",
    "upstairs suite", "close to the mall", "by the stadium", "walking distance from the station",
    "discreet entrance", "nice and cozy room", "minutes from the interstate",
)  # fmt: skip
EMOJI_PLACES = ("start", "end", "both")


@dataclass(frozen=True, slots=True)
class Habits:
    """How one operator writes: its own small sets of phrases, sampled per ad."""

    openers: tuple[str, ...]
    descriptors: tuple[str, ...]
    venues: tuple[str, ...]
    sign_offs: tuple[str, ...]
    emoji: tuple[str, ...]
    emoji_place: str
    emoji_rate: float
    drop_rate: float  # chance each optional line is left out of an ad


def make_habits(rng: random.Random) -> Habits:
    return Habits(
        openers=tuple(rng.sample(vocab.GREETINGS, rng.randint(2, 3))),
        descriptors=tuple(rng.sample(vocab.ADJECTIVES, 4)),
        venues=tuple(f"{a}, {b}" for a, b in (rng.sample(VENUE_PARTS, 2) for _ in range(rng.randint(1, 2)))),
        sign_offs=tuple(rng.sample(SIGN_OFFS, rng.randint(1, 2))),
        emoji=tuple(rng.sample(vocab.DECOR_EMOJI, rng.randint(1, 3))),
        emoji_place=rng.choice(EMOJI_PLACES),
        emoji_rate=rng.uniform(0.2, 0.7),
        drop_rate=rng.uniform(0.05, 0.2),
    )
