"""How strongly each network holds: the weakest link of its strongest spanning tree.

Every join has a strength: two versions of one posting 1.0, a shared phone or email 0.9, a handle
0.8, a near-identical image 0.7, near-duplicate text its rarity-weighted similarity (0.5-1), a
template link the overlap of the two groups' templates (from 0.18). Among all the ways to connect a
network's ads, take the one whose weakest join is strongest (a maximum spanning tree, built with
Kruskal's algorithm); that weakest join is the network's confidence: the merge an analyst should
question first. A network held together by phones alone says 0.9; one that rests on a template link
says so, and which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safeharbor.link.cluster import UnionFind


@dataclass(frozen=True, slots=True)
class Join:
    """One piece of evidence joining two ads (indices), with its strength and a readable label."""

    a: int
    b: int
    strength: float
    kind: str
    detail: str


def weakest_joins(n: int, joins: Iterable[Join], rank: Sequence[int]) -> tuple[UnionFind, dict[int, Join]]:
    """Union-find of the joins and, per component root, the weakest join of its maximum spanning tree.

    Ties are taken in an order of the ads' content (`rank`), so the join named does not depend on
    the order of ingest.
    """
    uf = UnionFind([1] * n)
    weakest: dict[int, Join] = {}
    ordered = sorted(joins, key=lambda j: (-j.strength, min(rank[j.a], rank[j.b]), max(rank[j.a], rank[j.b])))
    for join in ordered:
        ra, rb = uf.find(join.a), uf.find(join.b)
        if ra == rb:
            continue
        weakest.pop(ra, None)
        weakest.pop(rb, None)
        weakest[uf.union(ra, rb)] = join  # taken in descending strength: this one is the weakest so far
    return uf, weakest


def star(members: Sequence[int], strength: float, kind: str, detail: str, rank: Sequence[int]) -> list[Join]:
    """Joins from the first (by content) of `members` to each other one: an identifier's evidence."""
    if len(members) < 2:
        return []
    hub = min(members, key=rank.__getitem__)
    return [Join(hub, m, strength, kind, detail) for m in members if m != hub]
