"""Bulk reads for scoring: ad texts, extractions and the per-ad facts the group detectors need.

Lean on purpose (this is the hot path of `update_scores` at 100k ads): plain column tuples, JSON
decoded only where it is used, and no `kind IN (...)` filters on extractions (SQLite then picks the
(kind, value) index and reads every phone/age/name of the corpus for each batch).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from safeharbor.link.queries import image_groups
from safeharbor.link.tables import link_cuts, link_image_groups
from safeharbor.score.network_signals import AdFacts
from safeharbor.score.tables import score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.reads import extractions_for
from safeharbor.storage.schema import ad_images, ad_places, ads, extractions
from safeharbor.storage.times import parse_time
from safeharbor.types import Ad, Extraction

KINDS = ("age", "phone", "name")  # what the ad-level detectors read (score/match.py adds more if needed)
T = TypeVar("T")
# The words and emoji of an ad's text, without digits or punctuation (template_key).
_TOKENS = re.compile(r"[^\W\d_]+|[\u2600-\u27BF\U0001F000-\U0001FAFF]")


def template_key(text: str, names: Iterable[str], place: tuple[str | None, str | None]) -> str:
    """A hash of what an ad says once its own working names, place, numbers and punctuation are left
    out: re-posts and copies of one template (the same words for another city, date, price or phone)
    share it, so they count as one observation of a person (network_signals.observations)."""
    masked = {t for n in names for t in _TOKENS.findall(n.casefold())}
    masked |= {t for p in place if p for t in _TOKENS.findall(p.casefold())}
    words = [t for t in _TOKENS.findall(text.casefold()) if t not in masked]
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).hexdigest()


def ad_texts(conn: Connection, keys: Sequence[int]) -> list[Ad]:
    """The ads with these keys (texts and times only: no image hashes), in key order."""
    out: list[Ad] = []
    for chunk in sorted_chunks(keys):
        rows = conn.execute(
            select(
                ads.c.ad_key,
                ads.c.ad_id,
                ads.c.source,
                ads.c.version,
                ads.c.posted_at,
                ads.c.title,
                ads.c.body,
                ads.c.location,
            )  # fmt: skip
            .where(ads.c.ad_key.in_(chunk))
            .order_by(ads.c.ad_key)
        )
        out.extend(
            Ad(
                ad_key=r.ad_key,
                id=r.ad_id,
                source=r.source,
                version=r.version,
                posted_at=parse_time(r.posted_at),
                title=r.title,
                body=r.body or "",
                location=r.location,
            )  # fmt: skip
            for r in rows
        )
    return out


def extractions_of(
    conn: Connection, keys: Sequence[int], kinds: Iterable[str] = KINDS
) -> dict[int, list[Extraction]]:
    """Extractions of these ads of these kinds, in text order (attrs decoded for phones only)."""
    return extractions_for(conn, keys, kinds, attrs_of=("phone",))


class Interned:
    """One shared object per distinct value: the facts of many ads repeat (a network's phones, a
    city, the same fired indicators), and one copy per ad was most of the score stage's memory.

    Sets are shared only with a set that iterates in the same order (keyed by that order), so any
    code that iterates them sees exactly what it saw with its own copy."""

    def __init__(self) -> None:
        self._seen: dict[object, Any] = {}

    def __call__(self, value: T) -> T:
        key = (type(value), tuple(value)) if isinstance(value, frozenset) else value
        found: T = self._seen.setdefault(key, value)
        return found


def ad_facts(conn: Connection, keys: Sequence[int]) -> dict[int, AdFacts]:
    """What the group detectors need from each of these ads."""
    image_group = image_groups(conn)
    out: dict[int, AdFacts] = {}
    shared = Interned()
    for chunk in sorted_chunks(keys):
        ages: dict[int, list[int]] = defaultdict(list)
        names: dict[int, set[str]] = defaultdict(set)
        phones: dict[int, set[str]] = defaultdict(set)
        for ad_key, kind, value in conn.execute(
            select(extractions.c.ad_key, extractions.c.kind, extractions.c.value).where(
                extractions.c.ad_key.in_(chunk)
            )
        ):
            if kind == "age" and value.isdigit():
                ages[ad_key].append(int(value))
            elif kind == "name":
                names[ad_key].add(value.casefold())
            elif kind == "phone":
                phones[ad_key].add(value)
        posted: dict[int, str] = {}
        refs: dict[int, str] = {}
        texts: dict[int, str] = {}
        query = select(
            ads.c.ad_key, ads.c.posted_at, ads.c.source, ads.c.ad_id, ads.c.version, ads.c.title, ads.c.body
        )
        for key, when, source, ad_id, version, title, body in conn.execute(
            query.where(ads.c.ad_key.in_(chunk))
        ):
            posted[key], refs[key] = when, f"{source}\x1f{ad_id}\x1f{version:06d}"
            texts[key] = f"{title or ''}\n{body or ''}"
        places = {
            r.ad_key: (r.city, r.state)
            for r in conn.execute(
                select(ad_places.c.ad_key, ad_places.c.city, ad_places.c.state).where(
                    ad_places.c.ad_key.in_(chunk)
                )
            )
        }
        fired: dict[int, set[str]] = defaultdict(set)
        discounted: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for ad_key, indicator, strength in conn.execute(
            select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.strength).where(
                score_flags.c.ad_key.in_(chunk), score_flags.c.level == "ad"
            )
        ):
            fired[ad_key].add(indicator)
            if strength < 1.0:  # weighed against the corpus (score/prevalence.py)
                discounted[ad_key].append((indicator, float(strength)))
        images: dict[int, set[str]] = defaultdict(set)
        for ad_key, phash in conn.execute(
            select(ad_images.c.ad_key, ad_images.c.phash).where(
                ad_images.c.ad_key.in_(chunk), ad_images.c.phash.is_not(None)
            )
        ):
            group = image_group(phash)
            if group:
                images[ad_key].add(group)
        for key in chunk:
            if key not in posted:
                continue
            city, state = places.get(key, (None, None))
            out[key] = AdFacts(
                ad_key=key,
                posted_at=parse_time(posted[key]),
                ages=tuple(ages.get(key, ())),
                names=shared(frozenset(names.get(key, ()))),
                phones=shared(frozenset(phones.get(key, ()))),
                city=shared(city),
                state=shared(state),
                indicators=shared(frozenset(fired.get(key, ()))),
                images=shared(frozenset(images.get(key, ()))),
                ref=refs[key],
                template=template_key(texts[key], names.get(key, set()), (city, state)),
                discounted=tuple(sorted(discounted.get(key, ()))),
            )
    return out


def phone_members(conn: Connection, phones: set[str]) -> dict[str, set[int]]:
    """The ads that show each of these phone numbers."""
    members: dict[str, set[int]] = defaultdict(set)
    for chunk in sorted_chunks(phones):
        rows = conn.execute(
            select(extractions.c.value, extractions.c.ad_key).where(
                extractions.c.kind == "phone", extractions.c.value.in_(chunk)
            )
        )
        for value, ad_key in rows:
            members[value].add(ad_key)
    return members


def image_cuts(conn: Connection) -> list[str]:
    """The image groups the link stage cut as shared (their ads' facts show no image for them)."""
    query = select(link_cuts.c.value).where(link_cuts.c.kind == "image").order_by(link_cuts.c.value)
    return list(conn.execute(query).scalars())


def ads_showing_image_groups(conn: Connection, groups: Iterable[str]) -> set[int]:
    """The ads that show an image of these image groups (a group is named by its smallest hash)."""
    hashes = set(groups)
    for chunk in sorted_chunks(list(hashes)):
        query = select(link_image_groups.c.phash).where(link_image_groups.c.group_hash.in_(chunk))
        hashes.update(conn.execute(query).scalars())
    keys: set[int] = set()
    for chunk in sorted_chunks(hashes):
        keys.update(conn.execute(select(ad_images.c.ad_key).where(ad_images.c.phash.in_(chunk))).scalars())
    return keys
