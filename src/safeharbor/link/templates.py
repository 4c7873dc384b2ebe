"""Template linking across persons: one operator's writing, recognised when names, phones and cities differ.

A network rotates 2-4 phones between its persons and posts without pictures: near-duplicate text
edges cannot join its persons' ads (they are vetoed between ads whose contacts contradict, and only
meet within one city), so each phone comes out as a network of its own. What the phones' groups share
is the operator's writing: its openers, descriptors, venue lines, sign-offs, emoji and price style,
with the slots (name, age, city, phone, price) masked before shingling (`text.tokens`).

So, after identifiers and near-duplicate text have made groups, each group gets a *template*: the
distinctive (non-generic) shingles found in at least HABITUAL of its ads, each weighed by its rarity
and by how habitually the group uses it. Two groups are linked when
- their templates agree: weighted overlap of the two templates >= TEMPLATE_SIMILARITY, sharing at
  least MIN_SHARED shingles, and
- they were where the other was, when it was there: ads of both in the same city within
  COLOCATED_DAYS, in at least two cities when both groups travelled (persons of one network travel
  together), else in one.
Why both: unrelated operators copy popular templates and share generic phrases, so wording alone is
not enough; unrelated people also post in the same city at the same time, so place alone is not
either. Copiers of a popular template who live in one city are the remaining risk; shingles that
more than GROUP_CAP groups use as their template are ignored for that reason (a popular template,
not one operator's), as are groups whose ads show contacts that another linked group's ads contradict
in the same place and days (two operators working one city at once, each with its own phone, is the
copied-template pattern; a network's persons in one city show different phones too, so this is only
used when the template is common, see `_plausible`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safeharbor.link.cluster import UnionFind
from safeharbor.link.text.index import TextIndex

TEMPLATE_SIMILARITY = 0.25
TRAVELLED_SIMILARITY = 0.18  # enough when the two groups met in two or more cities
STRANGERS = 1  # groups elsewhere writing the template that make a one-city meeting not enough
HABITUAL = 0.25  # share of a group's ads a shingle must be in to count as the group's template
MIN_SHARED = 4
GROUP_CAP = 30  # a shingle in more groups' templates than this is a popular template, not one operator's
COLOCATED_DAYS = 3.0
ROUNDS = 4  # template linking is repeated on the joined groups until nothing joins (at most)
PAIR_BUDGET = 40  # co-located ad pairs looked at when choosing the pair shown as evidence


@dataclass(frozen=True, slots=True)
class TemplateLink:
    """Two groups joined by their template; `ad_a`/`ad_b` (indices) are the pair shown as evidence."""

    ad_a: int
    ad_b: int
    score: float  # weighted overlap of the two groups' templates (0-1)
    shared: int  # template shingles in common
    cities: int  # cities where both were within COLOCATED_DAYS of each other


@dataclass(frozen=True, slots=True)
class _Group:
    root: int
    members: list[int]
    template: dict[int, float]  # shingle -> share of the group's ads using it
    weight: float  # sum of rarity x share over the template
    visits: dict[str, np.ndarray]  # place -> sorted days


def template_links(
    uf: UnionFind,
    n: int,
    text: TextIndex,
    place: Sequence[str | None],
    day: Sequence[float],
    rank: Sequence[int],
) -> list[TemplateLink]:
    """Links between the current groups of `uf` whose templates agree and who were together."""
    groups = _groups(uf, n, text, place, day)
    if len(groups) < 2:
        return []
    scored: dict[tuple[int, int], tuple[float, int, int]] = {}  # (score, shared, co-located cities)
    neighbours: dict[int, list[int]] = defaultdict(list)
    for gi, gj, shared in _candidates(groups):
        score = _overlap(groups[gi], groups[gj], text.weight)
        if score >= TRAVELLED_SIMILARITY:
            scored[(gi, gj)] = (score, shared, _colocated_cities(groups[gi], groups[gj]))
            neighbours[gi].append(gj)
            neighbours[gj].append(gi)
    links: list[TemplateLink] = []
    for (gi, gj), (score, shared, cities) in sorted(scored.items()):
        a, b = groups[gi], groups[gj]
        if cities == 0 or score < (TRAVELLED_SIMILARITY if cities >= 2 else TEMPLATE_SIMILARITY):
            continue
        if cities < 2 and _strangers(groups, neighbours, gi, gj) >= STRANGERS:
            continue
        ad_a, ad_b = _evidence_pair(a, b, text, place, day, rank)
        links.append(TemplateLink(ad_a, ad_b, round(score, 4), shared, cities))
    links.sort(key=lambda link: (rank[link.ad_a], rank[link.ad_b]))
    return links


def _strangers(
    groups: list[_Group],
    neighbours: dict[int, list[int]],
    gi: int,
    gj: int,
) -> int:
    """Other groups writing the same template in none of the cities either of the two was in.

    An operator's template travels with the operator (its other phones and persons turn up in the
    same cities, if not on the same days); a popular template is used by strangers in other cities.
    Two groups that met in one city only are not linked when the template has strangers.
    """
    found = 0
    places = set(groups[gi].visits) | set(groups[gj].visits)
    for c in set(neighbours[gi]) | set(neighbours[gj]):
        if c not in (gi, gj) and places.isdisjoint(groups[c].visits):
            found += 1
    return found


def _groups(
    uf: UnionFind, n: int, text: TextIndex, place: Sequence[str | None], day: Sequence[float]
) -> list[_Group]:
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        if text.distinctive[i]:
            members[uf.find(i)].append(i)
    out: list[_Group] = []
    for root in sorted(members):
        ads = members[root]
        counts: Counter[int] = Counter()
        for i in ads:
            counts.update(text.distinctive[i])
        floor = max(1, math.ceil(HABITUAL * len(ads)))
        template = {s: c / len(ads) for s, c in counts.items() if c >= floor}
        if len(template) < MIN_SHARED:
            continue
        weight = sum(text.weight[s] * f for s, f in template.items())
        by_place: dict[str, list[float]] = defaultdict(list)
        for i in ads:
            if place[i]:
                by_place[place[i] or ""].append(day[i])
        visits = {p: np.sort(np.array(d, dtype=np.float64)) for p, d in by_place.items()}
        out.append(_Group(root, ads, template, weight, visits))
    return out


def _candidates(groups: list[_Group]) -> list[tuple[int, int, int]]:
    """Pairs of groups (indices, i < j) sharing at least MIN_SHARED uncommon template shingles."""
    users: dict[int, list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for s in g.template:
            users[s].append(gi)
    counts: Counter[tuple[int, int]] = Counter()
    for holders in users.values():
        if 2 <= len(holders) <= GROUP_CAP:
            for x in range(len(holders)):
                for y in range(x + 1, len(holders)):
                    counts[(holders[x], holders[y])] += 1
    return sorted((i, j, c) for (i, j), c in counts.items() if c >= MIN_SHARED)


def _overlap(a: _Group, b: _Group, weight: dict[int, float]) -> float:
    """Weighted overlap coefficient of two templates (habitual use and rarity as weights)."""
    small, large = (a, b) if len(a.template) <= len(b.template) else (b, a)
    inter = sum(
        weight[s] * min(f, large.template[s]) for s, f in small.template.items() if s in large.template
    )
    denom = min(a.weight, b.weight)
    return inter / denom if denom > 0 else 0.0


def _colocated_cities(a: _Group, b: _Group) -> int:
    """Cities where ads of both groups were posted within COLOCATED_DAYS of each other."""
    found = 0
    for p, days_a in a.visits.items():
        days_b = b.visits.get(p)
        if days_b is None:
            continue
        where = np.searchsorted(days_b, days_a)
        left = np.abs(days_a - days_b[np.maximum(where - 1, 0)])
        right = np.abs(days_b[np.minimum(where, len(days_b) - 1)] - days_a)
        if float(min(left.min(), right.min())) <= COLOCATED_DAYS:
            found += 1
    return found


def _evidence_pair(
    a: _Group,
    b: _Group,
    text: TextIndex,
    place: Sequence[str | None],
    day: Sequence[float],
    rank: Sequence[int],
) -> tuple[int, int]:
    """The most similar pair of co-located ads of the two groups (ties by content, not position)."""
    best: tuple[float, int, int] | None = None
    pair = (a.members[0], b.members[0])
    looked = 0
    ordered_b = sorted(b.members, key=rank.__getitem__)
    for i in sorted(a.members, key=rank.__getitem__):
        for j in ordered_b:
            if place[i] != place[j] or abs(day[i] - day[j]) > COLOCATED_DAYS:
                continue
            sim = text.similarity(i, j)[0]
            candidate = (-sim, rank[i], rank[j])
            if best is None or candidate < best:
                best, pair = candidate, (i, j)
            looked += 1
            if looked >= PAIR_BUDGET:
                break
        if looked >= PAIR_BUDGET:
            break
    lo, hi = sorted(pair, key=rank.__getitem__)
    return lo, hi
