"""Who is behind the ads: operators (networks, independents, businesses), their persons, contacts and
circuits. Pure functions of a `random.Random`; no text and no I/O here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from safeharbor.demo import rates
from safeharbor.demo.vocab import (
    BUSINESS_PREFIX,
    BUSINESS_WORDS,
    CITIES,
    REGIONS,
    STREETS,
    WORKING_NAMES,
    City,
)

START = int(datetime(2026, 8, 3, tzinfo=UTC).timestamp())
END = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())  # exclusive: last ad on 2026-10-31
DAY = 86400

CITIES_BY_REGION: dict[str, list[City]] = {r: [c for c in CITIES if c.region == r] for r in REGIONS}


@dataclass(slots=True)
class Person:
    id: str
    names: list[str]  # working names used in ads (networks swap them now and then)
    true_age: int
    claimed_age: int  # the age usually stated
    minor: bool
    image_bases: list[str]  # base image keys


@dataclass(slots=True)
class Stay:
    city: City
    arrive: int  # epoch seconds
    depart: int


@dataclass(slots=True)
class Operator:
    id: str
    kind: str  # network | independent | business
    home: City
    persons: list[Person]
    phones: list[str]  # 10-digit NANP numbers in rotation order
    rotation: list[int]  # epoch second at which phones[i] takes over (rotation[0] == window start)
    emails: list[str]
    handles: list[str]  # with @
    template: str
    obfuscation: float  # share of this operator's ads with an obscured phone
    circuit: list[Stay]
    n_ads: int
    controlled: bool = False  # an "independent" who is in fact controlled by a trafficker
    sources: list[str] = field(default_factory=list)
    business_name: str | None = None
    address: str | None = None
    shared: list[str] = field(default_factory=list)  # shared identifiers this operator uses (meta keys)
    prolific: bool = False  # risk world knob: an adult posting hundreds of ads (demo.risk_knobs)

    def phone_at(self, t: int) -> int:
        """Index of the phone in use at time t."""
        idx = 0
        for i, start in enumerate(self.rotation):
            if t >= start:
                idx = i
        return idx


class PhonePool:
    """The 555-0101..555-0199 numbers of every area code, handed out without collisions.

    555-0100 of each area code is kept back for the deliberate junk/shared numbers.
    """

    def __init__(self, rng: random.Random) -> None:
        self._free: dict[str, list[str]] = {}
        for city in CITIES:
            for code in city.area_codes:
                numbers = [f"{code}5550{n:03d}" for n in range(101, 200)]
                rng.shuffle(numbers)
                self._free[code] = numbers

    @property
    def capacity(self) -> int:
        return sum(len(v) for v in self._free.values())

    def take(self, rng: random.Random, city: City) -> str:
        for codes in (list(city.area_codes), _region_codes(city.region), list(self._free)):
            open_codes = [c for c in codes if self._free.get(c)]
            if open_codes:
                return self._free[rng.choice(open_codes)].pop()
        raise ValueError("phone pool exhausted: too many operators for the 555-01xx block")


def _region_codes(region: str) -> list[str]:
    return [code for c in CITIES_BY_REGION[region] for code in c.area_codes]


def _claimed_age(rng: random.Random, true_age: int, minor: bool) -> int:
    if minor:
        ages, weights = zip(*rates.MINOR_CLAIMED_AGE_WEIGHTS.items(), strict=True)
        return int(rng.choices(ages, weights)[0])
    # Adults tend to understate, never below 18.
    return max(18, true_age - rng.choice((0, 0, 0, 1, 2, 3, 5)))


def _adult_age(rng: random.Random) -> int:
    return min(48, 18 + int(rng.expovariate(1 / 7.5)))


def _names(rng: random.Random, used: set[str], count: int) -> list[str]:
    free = [n for n in WORKING_NAMES if n not in used] or list(WORKING_NAMES)
    picked = rng.sample(free, min(count, len(free)))
    used.update(picked)
    return picked


class Cast:
    """Hands out person, operator and template ids in creation order."""

    def __init__(self) -> None:
        self.persons = 0
        self.operators = 0
        self.templates = 0
        # Email addresses and handles are unique on their platforms: two unrelated operators never
        # hold the same one (shared identifiers are planted on purpose elsewhere, and listed in meta).
        self.contacts_taken: set[str] = set()

    def unique_contact(self, rng: random.Random, make: Callable[[random.Random, str], str], stem: str) -> str:
        value = make(rng, stem)
        tries = 0
        while value.lower() in self.contacts_taken:
            tries += 1
            value = make(rng, f"{stem}{rng.randint(2, 999)}" if tries > 3 else stem)
        self.contacts_taken.add(value.lower())
        return value

    def person(self, rng: random.Random, *, minor: bool, used_names: set[str], name_count: int) -> Person:
        self.persons += 1
        true_age = rng.randint(14, 17) if minor else _adult_age(rng)
        pid = f"per_{self.persons:05d}"
        bases = [f"{pid}_b{k}" for k in range(rng.randint(2, 4))]
        return Person(
            pid,
            _names(rng, used_names, name_count),
            true_age,
            _claimed_age(rng, true_age, minor),
            minor,
            bases,
        )

    def next_operator(self) -> str:
        self.operators += 1
        return f"op_{self.operators:05d}"

    def next_template(self) -> str:
        self.templates += 1
        return f"tpl_{self.templates:04d}"


def _window(rng: random.Random, kind: str) -> tuple[int, int]:
    span = END - START
    if kind == "independent" and rng.random() < 0.5:
        length = int(span * rng.uniform(0.25, 1.0))
    elif rng.random() < 0.25:
        length = int(span * rng.uniform(0.5, 1.0))
    else:
        return START, END
    begin = START + rng.randrange(span - length + 1)
    return begin, begin + length


def network_circuit(rng: random.Random, home: City, begin: int, end: int) -> list[Stay]:
    """Loops over 3-5 cities of the home region, 2-6 day stays, occasional 1-2 day travel gaps."""
    region = [c for c in CITIES_BY_REGION[home.region] if c != home]
    loop = [home, *rng.sample(region, min(len(region), rng.randint(2, 4)))]
    stays: list[Stay] = []
    t, i = begin, 0
    while t < end:
        length = rng.randint(2, 6) * DAY + rng.randrange(-DAY // 3, DAY // 3)
        stays.append(Stay(loop[i % len(loop)], t, min(end, t + length)))
        t += length + (rng.randint(1, 2) * DAY if rng.random() < 0.25 else 0)
        i += 1
    return stays


def independent_circuit(rng: random.Random, home: City, begin: int, end: int, tours: bool) -> list[Stay]:
    if not tours or end - begin < 12 * DAY:
        return [Stay(home, begin, end)]
    stays: list[Stay] = []
    t = begin
    for _ in range(rng.randint(1, 2)):
        depart = t + rng.randint(4, max(5, (end - t) // DAY // 2)) * DAY
        if depart + 4 * DAY >= end:
            break
        stays.append(Stay(home, t, depart))
        same_region = rng.random() < 0.6
        pool = CITIES_BY_REGION[home.region] if same_region else list(CITIES)
        away = rng.choice([c for c in pool if c != home])
        back = depart + rng.randint(3, 5) * DAY
        stays.append(Stay(away, depart, back))
        t = back
    stays.append(Stay(home, t, end))
    return stays


def _rotation(rng: random.Random, count: int, begin: int, end: int) -> list[int]:
    if count == 1:
        return [begin]
    cuts = sorted(rng.randrange(begin + DAY, max(begin + DAY + 1, end - DAY)) for _ in range(count - 1))
    return [begin, *cuts]


def _email(rng: random.Random, stem: str) -> str:
    local = rng.choice(
        (
            stem,
            f"{stem}.{rng.choice(('xo', 'vip', 'bookings', 'luv', 'real'))}",
            f"{stem}{rng.randint(1, 99)}",
        )
    )
    return f"{local.lower()}@{rng.choice(('example.com', 'example.org', 'example.net'))}"


def _handle(rng: random.Random, stem: str) -> str:
    suffix = rng.choice(("", "_", "x", "xo", "_official", str(rng.randint(1, 99)), "_vip"))
    return "@" + (stem.lower() + suffix)


def make_operator(
    rng: random.Random,
    cast: Cast,
    pool: PhonePool,
    kind: str,
    n_ads: int,
    template: str,
    *,
    with_minor: bool = False,
    controlled: bool = False,
) -> Operator:
    """One operator with its persons, contacts and circuit (n_ads is how many ads it will post)."""
    region = rng.choice(REGIONS)
    home = rng.choice(CITIES_BY_REGION[region])
    begin, end = _window(rng, kind)
    used: set[str] = set()
    persons: list[Person] = []
    if kind == "network":
        size = rng.randint(2, 6)
        minors = (1 if rng.random() < 0.7 else 2) if with_minor else 0
        for k in range(size):
            persons.append(cast.person(rng, minor=k < minors, used_names=used, name_count=rng.randint(1, 3)))
        rng.shuffle(persons)
        phones = [pool.take(rng, home) for _ in range(rng.randint(2, 5))]
        circuit = network_circuit(rng, home, begin, end)
        obfuscation = rng.uniform(0.15, 0.60)
    elif kind == "business":
        persons = [
            cast.person(rng, minor=False, used_names=used, name_count=1) for _ in range(rng.randint(3, 6))
        ]
        phones = [pool.take(rng, home)]
        circuit = [Stay(home, begin, end)]
        obfuscation = 0.05
    else:
        minor = controlled
        persons = [cast.person(rng, minor=minor, used_names=used, name_count=1 if rng.random() < 0.85 else 2)]
        phones = [pool.take(rng, home) for _ in range(1 if rng.random() < 0.65 else 2)]
        circuit = independent_circuit(rng, home, begin, end, rng.random() < rates.INDEPENDENT_TOURS)
        obfuscation = min(0.6, rng.betavariate(1.2, 6.0)) if not controlled else rng.uniform(0.3, 0.6)
    stem = persons[0].names[0]
    op = Operator(
        id=cast.next_operator(),
        kind=kind,
        home=home,
        persons=persons,
        phones=phones,
        rotation=_rotation(rng, len(phones), begin, end),
        emails=[cast.unique_contact(rng, _email, stem)] if rng.random() < rates.EMAIL_OPERATOR else [],
        handles=[cast.unique_contact(rng, _handle, stem)] if rng.random() < rates.HANDLE_OPERATOR else [],
        template=template,
        obfuscation=obfuscation,
        circuit=circuit,
        n_ads=n_ads,
        controlled=controlled,
    )
    if kind == "business":
        op.business_name = f"{rng.choice(BUSINESS_PREFIX)} {rng.choice(BUSINESS_WORDS)}"
        op.address = f"{rng.randint(100, 9899)} {rng.choice(STREETS)}"
    return op


def split_counts(rng: random.Random, total: int, parts: int, sigma: float) -> list[int]:
    """Split `total` ads over `parts` operators with a heavy tail (lognormal weights), each >= 1."""
    if parts <= 0:
        return []
    weights = [math.exp(rng.gauss(0, sigma)) for _ in range(parts)]
    spare = total - parts
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    counts = [1 + int(r) for r in raw]
    leftover = total - sum(counts)
    order = sorted(range(parts), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[:leftover]:
        counts[i] += 1
    return counts
