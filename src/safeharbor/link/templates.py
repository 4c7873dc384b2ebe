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
more groups use as their template than `popular_cap` allows (GROUP_SHARE of all groups, at least
GROUP_CAP: relative to the corpus) are ignored for that reason (a popular template, not one
operator's), as are groups whose ads show contacts that another linked group's ads contradict
in the same place and days (two operators working one city at once, each with its own phone, is the
copied-template pattern; a network's persons in one city show different phones too, so this is only
used when the template is common, see `_plausible`).

A one-city link between two groups of several ads each also needs more than MIN_SHARED template
shingles in common (more than one shortest shared phrase): in a busy city a group meets hundreds of
others, and one of them sharing a single phrase (its mutual best) is what chance gives; a group of
several ads shows more of its template than one phrase, and a true partner shares more of it. A
group of one ad (a phone-less ad, say) is exempt: one ad may show little more than one phrase.

Two more ways a network shows itself, each pairing the template with a second, independent fact:
- *A phone that moves between persons*: control defers an identifier whose groups look separate;
  two groups that both show such a deferred identifier and agree on the template
  (>= TEMPLATE_SIMILARITY) in a city both worked are joined without meeting in time (a junk number
  shown in more than IDENT_GROUPS_CAP groups is left alone).
- *Phones used one after another* (`_successions`): a group that starts where another ended (in the
  same cities, within SUCCESSION_DAYS), writing the same template, when each is the other's best
  such match in the corpus.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse import triu as sparse_triu

from safeharbor.link.cluster import UnionFind
from safeharbor.link.text.index import TextIndex

TEMPLATE_SIMILARITY = 0.25
TRAVELLED_SIMILARITY = 0.18  # enough when the two groups met in two or more cities
STRANGERS = 1  # groups elsewhere writing the template that make a one-city meeting not enough
HABITUAL = 0.25  # share of a group's ads a shingle must be in to count as the group's template
MIN_SHARED = 4
GROUP_CAP = 30  # a shingle in more groups' templates than this (and than GROUP_SHARE of them) is popular
GROUP_SHARE = 0.03  # ... so the cap grows with the corpus: a phrase 3% of all groups write is no one's own
COLOCATED_DAYS = 3.0
SUCCESSION_SIMILARITY = 0.35  # template agreement needed when one group takes over from another
SUCCESSION_DAYS = 30.0  # longest pause between one phone's last ad and the next one's first
ROUNDS = 4  # template linking is repeated on the joined groups until nothing joins (at most)
IDENT_GROUPS_CAP = 40  # a deferred identifier in more groups than this is not looked at with templates
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
    first: float  # day of its first and last ad
    last: float
    day_of: dict[int, float]  # member -> its day


def template_links(
    uf: UnionFind,
    n: int,
    text: TextIndex,
    place: Sequence[str | None],
    day: Sequence[float],
    rank: Sequence[int],
    *,
    deferred: Sequence[Sequence[int]] = (),
) -> list[TemplateLink]:
    """Links between the current groups of `uf` whose templates agree and who were together.

    `deferred`: the ads of each identifier that control deferred as a possible bridge. Two groups that
    both show one of them and write one template in a city they both worked are one operator (its
    phone moves between its persons and cities): the identifier and the wording each alone could be
    chance (a junk number; a copied template), both together are not.
    """
    groups = _groups(uf, n, text, place, day)
    if len(groups) < 2:
        return []
    scored: dict[tuple[int, int], tuple[float, int, int]] = {}  # (score, shared, co-located cities)
    neighbours: dict[int, list[int]] = defaultdict(list)
    pairs, rarity = _candidates(groups)
    own = [sum(rarity[s] * f for s, f in g.template.items()) for g in groups]
    for gi, gj, shared in pairs:
        score = _overlap(groups[gi], groups[gj], rarity, own[gi], own[gj])
        if score >= TRAVELLED_SIMILARITY:
            scored[(gi, gj)] = (score, shared, _colocated_cities(groups[gi], groups[gj]))
            neighbours[gi].append(gj)
            neighbours[gj].append(gi)
    same_ident = _sharing_identifier(groups, deferred)
    links: list[TemplateLink] = []
    one_city: list[tuple[float, int, int]] = []  # met in one city only: kept when each is the other's best
    for (gi, gj), (score, common, cities) in sorted(scored.items()):
        a, b = groups[gi], groups[gj]
        if (
            (gi, gj) in same_ident
            and score >= TEMPLATE_SIMILARITY
            and not a.visits.keys().isdisjoint(b.visits)
        ):
            ad_a, ad_b = _evidence_pair(a, b, text, place, day, rank)
            links.append(TemplateLink(ad_a, ad_b, round(score, 4), common, cities))
            continue
        if cities == 0 or score < (TRAVELLED_SIMILARITY if cities >= 2 else TEMPLATE_SIMILARITY):
            continue
        if cities < 2 and _strangers(groups, neighbours, scored, gi, gj) >= STRANGERS:
            continue
        if cities < 2:
            one_city.append((score, gi, gj))
            continue
        ad_a, ad_b = _evidence_pair(a, b, text, place, day, rank)
        links.append(TemplateLink(ad_a, ad_b, round(score, 4), common, cities))
    for gi, gj in _mutual_best(one_city):
        score, common, cities = scored[(gi, gj)]
        if common <= MIN_SHARED and len(groups[gi].members) > 1 and len(groups[gj].members) > 1:
            continue  # one meeting and one shared phrase (see the module docstring)
        ad_a, ad_b = _evidence_pair(groups[gi], groups[gj], text, place, day, rank)
        links.append(TemplateLink(ad_a, ad_b, round(score, 4), common, cities))
    for gi, gj in _successions(groups, scored, neighbours):
        score, shared, _cities = scored[(min(gi, gj), max(gi, gj))]
        a, b = groups[gi], groups[gj]
        ad_a, ad_b = _handover_pair(a, b, rank)
        links.append(TemplateLink(ad_a, ad_b, round(score, 4), shared, 0))
    links.sort(key=lambda link: (rank[link.ad_a], rank[link.ad_b]))
    return links


def _mutual_best(pairs: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """The pairs (i < j) in which each group is the other's best-scoring partner (ties: lower index).

    In a busy city many groups meet by chance, some writing alike; the more of them there are, the
    less one meeting says. Taking only mutual best matches makes the evidence relative to the
    corpus: a group is joined to the one that writes most like it, not to every one that is close."""
    best: dict[int, tuple[float, int]] = {}
    for score, gi, gj in pairs:
        for x, y in ((gi, gj), (gj, gi)):
            if (score, -y) > best.get(x, (0.0, 0)):
                best[x] = (score, -y)
    return sorted((gi, gj) for _s, gi, gj in pairs if best[gi][1] == -gj and best[gj][1] == -gi)


def _sharing_identifier(groups: list[_Group], deferred: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Pairs of groups (i < j) that both show one deferred identifier (not a widely shared one)."""
    group_of = {i: gi for gi, g in enumerate(groups) for i in g.members}
    pairs: set[tuple[int, int]] = set()
    for members in deferred:
        hit = sorted({group_of[i] for i in members if i in group_of})
        if len(hit) > IDENT_GROUPS_CAP:  # a junk number: many groups, no operator
            continue
        pairs.update((x, y) for k, x in enumerate(hit) for y in hit[k + 1 :])
    return pairs


def _successions(
    groups: list[_Group],
    scored: dict[tuple[int, int], tuple[float, int, int]],
    neighbours: dict[int, list[int]],
) -> list[tuple[int, int]]:
    """Groups that take over from one another: (earlier, later) pairs.

    An operator that switches phones (one stops being used where the next begins) leaves groups
    that never meet in time, so the co-located test cannot join them; they write one template and
    work the same cities. So a later group takes over from an earlier one when their templates agree
    (>= SUCCESSION_SIMILARITY), it starts after the earlier one ends (within SUCCESSION_DAYS, the
    two in use together at most COLOCATED_DAYS), both were in at least one city in common, and each
    is the other's best match: of all groups the corpus holds that could precede the later one, the
    earlier one writes most like it, and the other way round. Relative evidence, not one threshold:
    a copied popular template has many such candidates, and the best of them must be mutual; and a
    template that strangers write in other cities (`_strangers`) is not taken as one operator's.
    """
    best_next: dict[int, tuple[float, int]] = {}
    best_prev: dict[int, tuple[float, int]] = {}
    for (gi, gj), (score, _shared, cities) in scored.items():
        if cities > 0 or score < SUCCESSION_SIMILARITY:
            continue
        a, b = (gi, gj) if groups[gi].first <= groups[gj].first else (gj, gi)
        ga, gb = groups[a], groups[b]
        if gb.first < ga.last - COLOCATED_DAYS or gb.first - ga.last > SUCCESSION_DAYS:
            continue
        if (
            ga.visits.keys().isdisjoint(gb.visits)
            or _strangers(groups, neighbours, scored, a, b) >= STRANGERS
        ):
            continue
        # Ties by position: groups are in an order of their content (roots by content rank).
        if (score, -b) > best_next.get(a, (0.0, 0)):
            best_next[a] = (score, -b)
        if (score, -a) > best_prev.get(b, (0.0, 0)):
            best_prev[b] = (score, -a)
    return sorted((a, -nb) for a, (_score, nb) in best_next.items() if best_prev.get(-nb, (0.0, 1))[1] == -a)


def _handover_pair(a: _Group, b: _Group, rank: Sequence[int]) -> tuple[int, int]:
    """The earlier group's last ad and the later group's first (by time, ties by content)."""
    last = max(a.members, key=lambda i: (a.day_of[i], -rank[i]))
    first = min(b.members, key=lambda i: (b.day_of[i], rank[i]))
    lo, hi = sorted((last, first), key=rank.__getitem__)
    return lo, hi


def _strangers(
    groups: list[_Group],
    neighbours: dict[int, list[int]],
    scored: dict[tuple[int, int], tuple[float, int, int]],
    gi: int,
    gj: int,
) -> int:
    """Other groups, in none of the cities either of the two was in, that write like one of them at
    least as closely as the two write like each other.

    An operator's template travels with the operator (its other phones and persons turn up in the
    same cities, if not on the same days); a popular template is used by strangers in other cities.
    Two groups that met in one city only are not linked when a stranger agrees with either as well
    as they agree: then their agreement is what the template's popularity gives anyone. Relative to
    the pair, not a fixed similarity: phrases from the common stock many operators draw on make
    loose agreement with someone somewhere near certain in a large corpus, close agreement not.
    """
    found = 0
    places = set(groups[gi].visits) | set(groups[gj].visits)
    floor = scored[(min(gi, gj), max(gi, gj))][0]
    for g in (gi, gj):
        for c in neighbours[g]:
            if c in (gi, gj) or not places.isdisjoint(groups[c].visits):
                continue
            if scored[(min(g, c), max(g, c))][0] >= floor:
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
    # In the order of each group's first ad, not of its root: which member a set is rooted at depends
    # on how its joins were found (this machine or Spark), and group order breaks ties below.
    for root in sorted(members, key=lambda r: members[r][0]):
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
        days = [day[i] for i in ads]
        out.append(
            _Group(root, ads, template, weight, visits, min(days), max(days), {i: day[i] for i in ads})
        )
    return out


def popular_cap(groups: int) -> int:
    """How many groups' templates a shingle may be in before it counts as a popular phrase.

    Relative to the corpus: a phrase that a fixed share of operators write is in proportionally more
    groups' templates as the corpus grows, and a fixed count would call an operator's own habitual
    wording (built from phrases many others also use) popular in a large corpus alone."""
    return max(GROUP_CAP, math.floor(GROUP_SHARE * groups))


def _candidates(groups: list[_Group]) -> tuple[list[tuple[int, int, int]], dict[int, float]]:
    """Pairs of groups (indices, i < j) sharing at least MIN_SHARED uncommon template shingles, and
    each template shingle's rarity among the groups: log(1 + groups / groups using it), 0 for popular
    ones (in more groups' templates than `popular_cap`).

    Why rarity among groups, not ads: in a large corpus a phrase many operators write is still rare
    per ad (each uses it in a few ads), but it is in many groups' templates; an operator's own
    wording is in the templates of its own groups only. The shared counts are one sparse product
    of the group x shingle incidence (pairs of holders of a common phrase are many)."""
    users: dict[int, list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for s in g.template:
            users[s].append(gi)
    cap = popular_cap(len(groups))
    kept = [holders for holders in users.values() if 2 <= len(holders) <= cap]
    total = max(len(groups), 2)
    rarity = {
        s: (math.log1p(total / len(holders)) if len(holders) <= cap else 0.0) for s, holders in users.items()
    }
    if not kept:
        return [], rarity
    rows = np.fromiter((g for holders in kept for g in holders), dtype=np.int64)
    cols = np.repeat(np.arange(len(kept)), [len(h) for h in kept])
    incidence = csr_array((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(groups), len(kept)))
    shared = sparse_triu((incidence @ incidence.T).tocoo(), k=1).tocoo()
    hit = shared.data >= MIN_SHARED
    found = zip(shared.row[hit].tolist(), shared.col[hit].tolist(), shared.data[hit].tolist(), strict=True)
    return sorted(found), rarity


def _overlap(a: _Group, b: _Group, rarity: dict[int, float], weight_a: float, weight_b: float) -> float:
    """Weighted overlap coefficient of two templates (habitual use and rarity among groups as weights;
    `weight_a`/`weight_b`: each template's own weight)."""
    small, large = (a, b) if len(a.template) <= len(b.template) else (b, a)
    inter = sum(
        rarity[s] * min(f, large.template[s]) for s, f in small.template.items() if s in large.template
    )
    denom = min(weight_a, weight_b)
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
