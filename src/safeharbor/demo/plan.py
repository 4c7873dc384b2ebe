"""When and where each operator posts: ad plans (time, persons shown, phones, images), reposts included.

A plan is small (no text); text is rendered from it when the ad is written, so the generator can
stream ads to disk in time order.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from safeharbor.demo import rates
from safeharbor.demo.link_knobs import PersonPhones
from safeharbor.demo.operators import DAY, Operator, Person
from safeharbor.demo.text import AdContext, Shown


@dataclass(slots=True)
class SharedUse:
    """Which shared identifiers an operator shows (junk number, agency line, stock image)."""

    junk_phone: str | None = None
    agency_phone: str | None = None
    stock_image: str | None = None


@dataclass(slots=True)
class AdPlan:
    op: Operator
    t: int  # epoch seconds
    stay: int
    source: str
    persons: tuple[Person, ...]
    ctx: AdContext
    images: tuple[tuple[str, int], ...]  # (base key, variant index)
    content_seed: int
    location_seed: int
    edit_seed: int | None = None
    original: AdPlan | None = None
    ad_id: str = ""


def image_pool(person: Person, expected_ads: float) -> list[tuple[str, int]]:
    """The (base, variant) images a person's ads draw from; small enough that files stay << ads."""
    size = max(1, min(3 * len(person.image_bases), round(rates.IMAGE_POOL_PER_AD * expected_ads)))
    pool = [(b, v) for v in range(3) for b in person.image_bases]
    return pool[:size]


def _stated_age(
    rng: random.Random, person: Person, stay: int, drift_cache: dict[tuple[str, int], int]
) -> int:
    """The age claimed in this stay: usually the person's usual claim, sometimes shifted per city."""
    key = (person.id, stay)
    if key not in drift_cache:
        p = rates.AGE_DRIFT["minor" if person.minor else "adult"]
        drift_cache[key] = rng.choice((-2, -1, 1, 1, 2)) if rng.random() < p else 0
    return max(18, person.claimed_age + drift_cache[key])


def plan_operator(
    op: Operator,
    seed: int,
    sources: list[str],
    shared: SharedUse,
    person_phones: PersonPhones | None = None,
) -> list[AdPlan]:
    """All ads of one operator: chains of an original and its reposts 1-2 days apart in one stay.

    `person_phones` (linking world knob `phone_rotation="persons"`): the phone each person uses at
    each stay, instead of the operator's one phone of the moment.
    """
    rng = random.Random(seed)
    stays = op.circuit
    lengths = [s.depart - s.arrive for s in stays]
    cumulative: list[int] = []
    total = 0
    for length in lengths:
        total += length
        cumulative.append(total)
    expected = op.n_ads / len(op.persons) * (1.3 if op.kind != "independent" else 1.0)
    pools = {p.id: image_pool(p, expected) for p in op.persons}
    drift: dict[tuple[str, int], int] = {}
    plans: list[AdPlan] = []
    while len(plans) < op.n_ads:
        u = rng.randrange(total)
        s = bisect.bisect_right(cumulative, u)
        stay = stays[s]
        t = stay.arrive + u - (cumulative[s] - lengths[s])
        original = _original(rng, op, t, s, sources, shared, pools, drift, person_phones)
        plans.append(original)
        while len(plans) < op.n_ads and rng.random() < rates.REPOST_CONTINUE:
            t += int(rng.uniform(0.8, 2.2) * DAY)
            if t >= stay.depart:
                break
            plans.append(
                AdPlan(
                    op=op,
                    t=t,
                    stay=s,
                    source=original.source,
                    persons=original.persons,
                    ctx=original.ctx,
                    images=original.images,
                    content_seed=original.content_seed,
                    location_seed=original.location_seed,
                    edit_seed=rng.getrandbits(63),
                    original=original,
                )
            )
    return plans


def _original(
    rng: random.Random,
    op: Operator,
    t: int,
    s: int,
    sources: list[str],
    shared: SharedUse,
    pools: dict[str, list[tuple[str, int]]],
    drift: dict[tuple[str, int], int],
    person_phones: PersonPhones | None = None,
) -> AdPlan:
    stay = op.circuit[s]
    lead = rng.choice(op.persons)
    persons = [lead]
    others = [p for p in op.persons if p is not lead]
    if others and rng.random() < rates.by_group(rates.MULTI_PERSON, lead.minor, op.kind):
        persons.extend(rng.sample(others, 1 if rng.random() < 0.75 or len(others) == 1 else 2))
    shown = tuple(
        Shown(
            name=p.names[0] if len(p.names) == 1 or rng.random() < 0.6 else rng.choice(p.names[1:]),
            age=_stated_age(rng, p, s, drift) if rng.random() < rates.AGE_STATED else None,
            minor=p.minor,
        )
        for p in persons
    )
    if person_phones is not None:  # each person has the phone handed to them for this stay
        phones = [op.phones[person_phones.phone_of(s, lead.id)]]
        rng.random()  # the draw the other mode makes: the rest of the plan stays as in that world
    else:
        current = op.phone_at(t)
        phones = [op.phones[current]]
        if len(op.phones) > 1 and rng.random() < 0.12:
            phones.append(op.phones[current - 1] if current else op.phones[1])
    if shared.agency_phone and rng.random() < 0.6:
        phones.insert(0 if rng.random() < 0.5 else len(phones), shared.agency_phone)
    if shared.junk_phone and rng.random() < rates.SHARED_SHOWN:
        phones.append(shared.junk_phone)
    next_city = None
    if op.kind == "network" and s + 1 < len(op.circuit) and rng.random() < rates.NEXT_CITY_MENTION:
        candidate = op.circuit[s + 1].city
        next_city = candidate if candidate != stay.city else None
    away = op.kind == "network" or stay.city != op.home
    ctx = AdContext(
        kind=op.kind,
        shown=shown,
        city=stay.city,
        next_city=next_city,
        arriving=away and t - stay.arrive < 2 * DAY,
        away=away,
        phones=tuple(phones),
        obfuscation=op.obfuscation,
        email=op.emails[0] if op.emails and rng.random() < 0.6 else None,
        handle=op.handles[0] if op.handles and rng.random() < 0.7 else None,
        business=(op.business_name, op.address) if op.business_name and op.address else None,
    )
    images: list[tuple[str, int]] = []
    for p in persons if rng.random() >= rates.NO_IMAGES else ():
        pool = pools[p.id]
        images.extend(rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 2, 3)))))
    if shared.stock_image and rng.random() < rates.SHARED_SHOWN:
        images.insert(rng.randrange(len(images) + 1), (shared.stock_image, 0))
    return AdPlan(
        op=op,
        t=t,
        stay=s,
        source=rng.choice(sources),
        persons=tuple(persons),
        ctx=ctx,
        images=tuple(images[:4]),
        content_seed=rng.getrandbits(63),
        location_seed=rng.getrandbits(63),
    )
