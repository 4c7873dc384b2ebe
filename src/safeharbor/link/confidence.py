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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

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
    for join in _strongest_first(list(joins), rank):
        ra, rb = uf.find(join.a), uf.find(join.b)
        if ra == rb:
            continue
        weakest.pop(ra, None)
        weakest.pop(rb, None)
        weakest[uf.union(ra, rb)] = join  # taken in descending strength: this one is the weakest so far
    return uf, weakest


ORDER_CHUNK = 65_536


def _strongest_first(joins: list[Join], rank: Sequence[int]) -> Iterator[Join]:
    """The joins by descending strength, then by the content rank of their ends (lower, higher).

    The order `sorted` with that key gives (both are stable), from numpy arrays: a key tuple per
    join cost ~150 bytes, several per ad at 1M ads."""
    count = len(joins)
    strength = np.fromiter((j.strength for j in joins), dtype=np.float64, count=count)
    rank_a = np.fromiter((rank[j.a] for j in joins), dtype=np.int64, count=count)
    rank_b = np.fromiter((rank[j.b] for j in joins), dtype=np.int64, count=count)
    order = np.lexsort((np.maximum(rank_a, rank_b), np.minimum(rank_a, rank_b), -strength))
    del strength, rank_a, rank_b
    for start in range(0, count, ORDER_CHUNK):
        for k in order[start : start + ORDER_CHUNK].tolist():
            yield joins[k]


def star(members: Sequence[int], strength: float, kind: str, detail: str, rank: Sequence[int]) -> list[Join]:
    """Joins from the first (by content) of `members` to each other one: an identifier's evidence."""
    if len(members) < 2:
        return []
    hub = min(members, key=rank.__getitem__)
    return [Join(hub, m, strength, kind, detail) for m in members if m != hub]
