"""Giant-component control: split identifiers that bridge otherwise separate groups of ads.

Real data has numbers and photos that many unrelated people use: junk numbers, shared agency lines,
stolen stock photos. Joining on them merges unrelated operators into one giant "network". So every
identifier seen in at least CHECK_FROM postings is tested before it may join anything:

1. The graph starts from the evidence that cannot bridge operators on its own: versions of one
   posting, accepted near-duplicate text (already gated by place and contacts), and identifiers seen in
   fewer than CHECK_FROM postings.
2. Identifiers are then taken from the least to the most widely used. For each, its ads are grouped
   by the graph so far (i.e. by all *other* evidence). Groups are then merged when they plausibly belong
   to one operator anyway: their ads were posted in the same city within COLOCATED_DAYS of each other
   (persons of one network travel together; unrelated users of a junk number are spread across cities
   and weeks), or they share at least TEMPLATE_OVERLAP of their distinctive (rare) wording (one
   operator reuses its template with names swapped). Working names are not used: popular names are
   shared by many unrelated people.
3. If the identifier would still join at least CUT_GROUPS groups of two or more postings each (ads
   standing alone are no evidence of separate operators), it is deferred; otherwise it joins its ads
   and becomes part of the graph. Deferred identifiers are tried again after each pass, since genuine
   identifiers joined later may show their groups to be one operator. Then template linking
   (`link.templates`, the `merge` step) joins groups that write one operator's template in the same
   cities at the same times, and the deferred identifiers are tried once more.
4. Those still bridging are split, not cut: inside each group of two or more postings they keep
   joining that group's ads (and ads standing alone posted in that group's city within days, when no
   other group was there), and only the bridge between groups is refused. So an operator whose handle
   an unrelated operator happens to share loses no link the handle gave it inside its own group. The
   figures behind the decision are logged (`safeharbor network --cuts`, `link_cuts`), and `--cuts`
   names the networks each identifier is kept within.

Measured on generated corpora (bench/linking.py), this keeps precision near 1 where joining on any
shared identifier falls to ~0.6-0.8, while cutting almost no genuine identifiers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from safeharbor.link.cluster import ComponentFinder, UnionFind, connected_labels
from safeharbor.link.text.index import TextIndex

CHECK_FROM = 3  # identifiers in fewer postings than this are joined unchecked
CUT_GROUPS = 2
COLOCATED_DAYS = 3.0
MAX_PASSES = 8
USE_NAMES = False  # kept switchable for experiments; see the module docstring
TEMPLATE_OVERLAP = 0.15  # share of the smaller group's distinctive wording found in the other

IdentKey = tuple[str, str]  # (kind, value)


@dataclass(frozen=True, slots=True)
class AdFacts:
    """What control needs of each ad (index-aligned lists)."""

    posting: Sequence[int]
    place: Sequence[str | None]
    day: Sequence[float]  # days since the epoch
    names: Sequence[frozenset[str]]
    text: TextIndex | None = None  # distinctive (template) passages of each ad


@dataclass(frozen=True, slots=True)
class Cut:
    kind: str
    value: str
    ads: int
    postings: int
    groups: int
    cities: int
    first_day: float
    last_day: float
    reason: str
    kept_in: tuple[tuple[int, ...], ...] = ()  # the ads (indices) it still joins, group by group


def control(
    n: int,
    facts: AdFacts,
    base_pairs: Sequence[tuple[int, int]],
    idents: Mapping[IdentKey, Sequence[int]],
    merge: Callable[[UnionFind, Sequence[Sequence[int]]], Sequence[tuple[int, int]]] | None = None,
    components: ComponentFinder = connected_labels,
) -> tuple[UnionFind, list[Cut]]:
    """Join ads on base evidence and every identifier that passes the test; return the cuts.

    `merge` proposes further joins from the groups made so far (template linking, `link.templates`),
    given the ads of each identifier still deferred (two groups showing one of them and writing one
    template are one operator's); identifiers still deferred then are tested again.
    """
    weights, src, dst, pending = _base_graph(n, facts, base_pairs, idents)
    # The graph of step 1 is one connected-components search (on this machine or a Spark job); the
    # decisions below are taken one identifier at a time on its sets.
    uf = UnionFind.from_labels(components(n, src, dst), weights)
    verdicts: dict[IdentKey, tuple[frozenset[tuple[int, int]], int]] = {}  # groups (root, size) last seen
    pending = _passes(uf, facts, pending, verdicts)
    if merge is not None:
        # Groups that other evidence joins (one operator's template) may settle a deferred identifier.
        for a, b in merge(uf, [members for _key, members, _postings in pending]):
            uf.union(a, b)
        if pending:
            pending = _passes(uf, facts, pending, verdicts)
    # Split, not cut: each still-bridging identifier joins its ads inside each group it belongs to
    # (the groups other evidence, place and wording show to be one operator), never across them.
    parts = {key: _split_parts(uf, facts, members) for key, members, _postings in pending}
    for key, _members, _postings in pending:
        for part in parts[key]:
            uf.union_all(part)
    cuts = [
        _describe_cut(kind, value, members, postings, verdicts[(kind, value)][1], parts[(kind, value)], facts)
        for (kind, value), members, postings in pending
    ]
    return uf, cuts


Pending = list[tuple[IdentKey, Sequence[int], int]]


def _base_graph(
    n: int, facts: AdFacts, base_pairs: Sequence[tuple[int, int]], idents: Mapping[IdentKey, Sequence[int]]
) -> tuple[list[int], np.ndarray, np.ndarray, Pending]:
    """Step 1's graph as edge arrays: versions of one posting (each to the posting's first ad), the
    base pairs, and identifiers in fewer than CHECK_FROM postings (each to its first ad); with each
    ad's weight (1 for a posting's first ad: a set weighs its postings) and the identifiers to test,
    least used first."""
    first_of_posting: dict[int, int] = {}
    weights = [0] * n
    for i in range(n):
        if facts.posting[i] not in first_of_posting:
            first_of_posting[facts.posting[i]] = i
            weights[i] = 1
    src = list(range(n))
    dst = [first_of_posting[facts.posting[i]] for i in range(n)]
    for a, b in base_pairs:
        src.append(a)
        dst.append(b)
    ordered = sorted(idents.items(), key=lambda kv: (len({facts.posting[i] for i in kv[1]}), kv[0]))
    pending: Pending = []
    for (kind, value), members in ordered:
        postings = len({facts.posting[i] for i in members})
        if postings < CHECK_FROM:
            src.extend(members[1:])
            dst.extend([members[0]] * (len(members) - 1))
        else:
            pending.append(((kind, value), members, postings))
    return weights, np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), pending


def _passes(
    uf: UnionFind,
    facts: AdFacts,
    pending: Pending,
    verdicts: dict[IdentKey, tuple[frozenset[tuple[int, int]], int]],
) -> Pending:
    """Join each pending identifier that no longer bridges groups; return those that still do.

    Passes until nothing changes: an identifier that looked like a bridge early on may join groups
    that other (genuine) identifiers have since shown to be one operator.
    """
    for _ in range(MAX_PASSES):
        deferred: list[tuple[IdentKey, Sequence[int], int]] = []
        for key, members, postings in pending:
            roots = frozenset((r, uf.weight[r]) for r in {uf.find(i) for i in members})
            seen = verdicts.get(key)
            if seen is not None and seen[0] == roots:  # nothing joined its groups since: same verdict
                groups = seen[1]
            else:
                groups = len(_poles(uf, facts, members))
                verdicts[key] = (roots, groups)
            if groups >= CUT_GROUPS:
                deferred.append((key, members, postings))
            else:
                uf.union_all(members)
        if len(deferred) == len(pending):
            break
        pending = deferred
    return pending


def _poles(uf: UnionFind, facts: AdFacts, members: Sequence[int]) -> list[tuple[int, ...]]:
    """The identifier's ads grouped by operator: groups of the graph so far (of two or more postings),
    merged when posted in one city within days or sharing their wording, with the ads standing alone
    that place or wording ties to them. Ads tied to no such group are in none."""
    roots = sorted({uf.find(i) for i in members})
    if len(roots) < CUT_GROUPS:
        return [tuple(sorted(members))] if any(uf.weight[r] >= 2 for r in roots) else []
    local = {r: r for r in roots}

    def find(x: int) -> int:
        while local[x] != x:
            local[x] = local[local[x]]
            x = local[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            local[max(ra, rb)] = min(ra, rb)

    root_of = {i: uf.find(i) for i in members}
    if USE_NAMES:
        by_name: dict[str, int] = {}
        for i in members:
            for name in facts.names[i]:
                if name in by_name:
                    join(by_name[name], root_of[i])
                else:
                    by_name[name] = root_of[i]
    placed = sorted((facts.place[i] or "", facts.day[i], i) for i in members if facts.place[i])
    for (pa, da, ia), (pb, db, ib) in zip(placed, placed[1:], strict=False):
        if pa == pb and db - da <= COLOCATED_DAYS:
            join(root_of[ia], root_of[ib])
    if facts.text is not None:
        _join_by_template(facts.text, members, root_of, find, join)
    distinct = {find(r) for r in roots if uf.weight[r] >= 2}
    out: dict[int, list[int]] = {}
    for i in members:
        pole = find(root_of[i])
        if pole in distinct:
            out.setdefault(pole, []).append(i)
    return sorted(tuple(sorted(m)) for m in out.values())


def _join_by_template(text: TextIndex, members: Sequence[int], root_of: dict[int, int], find, join) -> None:  # type: ignore[no-untyped-def]
    """Join groups whose ads (of this identifier) share most of their distinctive wording."""
    passages: dict[int, set[int]] = {}
    for i in members:
        passages.setdefault(root_of[i], set()).update(text.distinctive[i])
    roots = [r for r in sorted(passages) if passages[r]]
    frozen = {r: frozenset(passages[r]) for r in roots}
    for x, ra in enumerate(roots):
        for rb in roots[x + 1 :]:
            if find(ra) != find(rb) and text.overlap(frozen[ra], frozen[rb]) >= TEMPLATE_OVERLAP:
                join(ra, rb)


def _split_parts(uf: UnionFind, facts: AdFacts, members: Sequence[int]) -> list[tuple[int, ...]]:
    """The identifier's ads in each group of two or more postings, with the ads standing alone that
    were posted in the same city within COLOCATED_DAYS of that group's ads and of no other group's.

    Narrower than the groups `_poles` counts (which also merge groups by place and wording to decide
    whether the identifier bridges at all): a split must never join two groups."""
    root_of = {i: uf.find(i) for i in members}
    grouped: dict[int, list[int]] = defaultdict(list)
    loose: list[int] = []
    for i in members:
        (grouped[root_of[i]] if uf.weight[root_of[i]] >= 2 else loose).append(i)
    for i in loose:
        if not facts.place[i]:
            continue
        near = {
            r
            for r, ads in grouped.items()
            if any(
                facts.place[j] == facts.place[i] and abs(facts.day[j] - facts.day[i]) <= COLOCATED_DAYS
                for j in ads
            )
        }
        if len(near) == 1:
            grouped[near.pop()].append(i)
    return sorted(tuple(sorted(ads)) for ads in grouped.values() if len(ads) >= 2)


def _describe_cut(
    kind: str,
    value: str,
    members: Sequence[int],
    postings: int,
    groups: int,
    parts: Sequence[tuple[int, ...]],
    facts: AdFacts,
) -> Cut:
    cities = {facts.place[i] for i in members if facts.place[i]}
    days = [facts.day[i] for i in members]
    span = max(days) - min(days)
    reason = (
        f"{kind} {value} appears in {postings} postings that fall into {groups} otherwise separate groups "
        f"(no other shared contact, image or near-duplicate text, little shared wording, not posted in "
        f"the same city within {COLOCATED_DAYS:g} days) across {len(cities)} cities over {span:.0f} days: "
        f"a shared or junk {'image' if kind == 'image' else 'identifier'}, so it is split: it links ads "
        "within each of those groups, and the bridge between them is refused"
    )
    return Cut(
        kind, value, len(members), postings, groups, len(cities), min(days), max(days), reason, tuple(parts)
    )
