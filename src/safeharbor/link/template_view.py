"""A network's template(s) as an analyst reads them: the operator's wording, its slots, what fills them.

Template linking (`link.templates`) joins groups by the shingles they habitually use; this shows the
same thing in words. Among the network's ads, the one that uses most of the network's habitual
wording is shown, with the slots (name, age, city, phone, price, email, handle) as `[name]`, `[city]`
and so on, and under it the values that fill each slot across the ads that write it (which names,
ages, cities, phones). Ads that write differently (a second template the operator also uses) get a
template of their own, up to MAX_TEMPLATES.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from safeharbor.link.text.tokens import MASKED_KINDS, ad_tokens, shingle_hash_list
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.reads import extractions_for, load_ads
from safeharbor.storage.schema import ads as ads_table
from safeharbor.types import Ad, Extraction

MAX_ADS = 300  # ads looked at (the earliest, in content order): enough to see the habits
MAX_TEMPLATES = 3
HABITUAL = 0.25  # share of the ads a passage must be in to count as the network's wording
COVERED = 0.5  # share of a template's habitual wording an ad must use to count as writing it
SLOT_ORDER = ("name", "age", "city", "phone", "price", "email", "handle")
TOP_VALUES = 8
TEXT_CHARS = 700
_TAG = re.compile(r"<br\s*/?>|</p>|<p>", re.IGNORECASE)
_OTHER_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True, slots=True)
class SlotValues:
    kind: str  # name | age | city | phone | price | email | handle
    values: list[tuple[str, int]]  # value, ads that show it (most first)
    distinct: int  # how many different values fill the slot


@dataclass(frozen=True, slots=True)
class NetworkTemplate:
    text: str  # the template as its most typical ad writes it, slots as [name], [city], ...
    example_ad: int  # the ad it is shown from
    ads: int  # ads of the network that write it (use at least half of its habitual wording)
    looked_at: int  # ads looked at
    slots: list[SlotValues]


def network_templates(ads: Sequence[Ad], found: Mapping[int, Sequence[Extraction]]) -> list[NetworkTemplate]:
    """The network's templates, most used first (pure; `ads` in the order to prefer on ties)."""
    passages = {
        ad.ad_key: set(shingle_hash_list(ad_tokens(ad.title, ad.body, found.get(ad.ad_key, []))))
        for ad in ads
    }
    remaining = [ad for ad in ads if passages[ad.ad_key]]
    out: list[NetworkTemplate] = []
    while remaining and len(out) < MAX_TEMPLATES:
        counts: Counter[int] = Counter()
        for ad in remaining:
            counts.update(passages[ad.ad_key])
        floor = max(2, math.ceil(HABITUAL * len(remaining)))
        habitual = {s for s, c in counts.items() if c >= floor}
        if not habitual:
            break
        best = max(remaining, key=lambda ad: sum(counts[s] for s in passages[ad.ad_key] & habitual))
        own = passages[best.ad_key] & habitual
        if not own:
            break
        writers = [ad for ad in remaining if len(passages[ad.ad_key] & own) >= COVERED * len(own)]
        if len(writers) < 2:
            break
        out.append(
            NetworkTemplate(
                text=_masked_text(best, found.get(best.ad_key, [])),
                example_ad=best.ad_key,
                ads=len(writers),
                looked_at=len(ads),
                slots=_slot_values(writers, found),
            )
        )
        taken = {ad.ad_key for ad in writers}
        remaining = [ad for ad in remaining if ad.ad_key not in taken]
    return out


def templates_for(conn: Connection, ad_keys: Sequence[int]) -> list[NetworkTemplate]:
    """The templates of the network holding these ads (its earliest MAX_ADS ads, in content order).

    The earliest are chosen from their posting time and id alone; only those are read whole (reading
    every ad's text first cost ~100 ms for a network of 3,000 ads at 1.15M, docs/scale.md)."""
    t = ads_table.c
    order = (t.posted_at, t.source, t.ad_id, t.version, t.ad_key)
    content: list[tuple[str, str, str, int, int]] = []
    for chunk in sorted_chunks(ad_keys):
        for posted_at, source, ad_id, version, key in conn.execute(select(*order).where(t.ad_key.in_(chunk))):
            content.append((posted_at, source, ad_id, version, key))
    earliest = [row[-1] for row in sorted(content)[:MAX_ADS]]
    loaded = load_ads(conn, earliest)
    chosen = sorted(loaded, key=lambda ad: (ad.posted_at, ad.source, ad.id, ad.version))
    found = extractions_for(conn, [ad.ad_key for ad in chosen], kinds=MASKED_KINDS)
    return network_templates(chosen, found)


def _masked_text(ad: Ad, found: Sequence[Extraction]) -> str:
    """Title and body with every slot value replaced by its kind in brackets, tags made plain."""
    parts = []
    for field in ("title", "body"):
        text = ad.field_text(field) or ""
        spans = sorted((e.start, e.end, e.kind) for e in found if e.field == field and e.kind in MASKED_KINDS)
        pieces: list[str] = []
        last = 0
        for start, end, kind in spans:
            if start < last:
                continue
            pieces.extend((text[last:start], f"[{kind}]"))
            last = end
        pieces.append(text[last:])
        parts.append("".join(pieces))
    plain = _OTHER_TAG.sub(" ", _TAG.sub(" / ", " — ".join(p for p in parts if p)))
    plain = plain.replace("&amp;", "&").replace("&nbsp;", " ")
    plain = _SPACE.sub(" ", plain).strip()
    return plain if len(plain) <= TEXT_CHARS else plain[: TEXT_CHARS - 1] + "…"


def _slot_values(writers: Sequence[Ad], found: Mapping[int, Sequence[Extraction]]) -> list[SlotValues]:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in SLOT_ORDER}
    for ad in writers:
        seen = {(e.kind, _shown(e)) for e in found.get(ad.ad_key, []) if e.kind in counts and e.value}
        for kind, value in seen:
            counts[kind][value] += 1
    return [
        SlotValues(kind, sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES], len(c))
        for kind, c in counts.items()
        if c
    ]


def _shown(e: Extraction) -> str:
    return e.value.title() if e.kind == "name" else e.value
