"""Union-find over ads, and stable network ids across runs.

A network is a connected group of ads spanning at least two postings (distinct source and id); an ad
whose group is only itself (and its own versions) stands alone. Ids (`N-000123`) are carried over from
the previous run by largest overlap, so an analyst's bookmarks survive new data where possible.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

MIN_POSTINGS = 2


class UnionFind:
    """Disjoint sets over 0..n-1 that also count, per set, a weight (here: postings)."""

    def __init__(self, weights: Sequence[int]) -> None:
        self.parent = list(range(len(weights)))
        self.weight = list(weights)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.weight[ra] < self.weight[rb] or (self.weight[ra] == self.weight[rb] and ra > rb):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.weight[ra] += self.weight[rb]
        return ra

    def union_all(self, members: Iterable[int]) -> None:
        it = iter(members)
        first = next(it, None)
        if first is None:
            return
        for m in it:
            self.union(first, m)

    def size(self, x: int) -> int:
        return self.weight[self.find(x)]


def components(uf: UnionFind, n: int) -> list[list[int]]:
    """Groups of indices with at least MIN_POSTINGS postings, each sorted, ordered by first member."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    out = [sorted(g) for root, g in groups.items() if uf.weight[root] >= MIN_POSTINGS]
    out.sort(key=lambda g: g[0])
    return out


def assign_ids(
    groups: Sequence[Sequence[int]], previous: Mapping[int, str], next_number: int
) -> tuple[list[str], int]:
    """Network id for each group (of ad keys): previous ids by largest overlap, else new ones.

    Groups come in an order of their ads' content (earliest first), and ties go by that order, so a
    rebuild numbers networks the same whatever order the ads were ingested in.

    Returns the ids (in the order of `groups`) and the next unused number.
    """
    claims: list[tuple[int, int, str, int]] = []  # (-overlap, group index, old id, group index)
    for gi, group in enumerate(groups):
        counts = Counter(previous[k] for k in group if k in previous)
        for old, overlap in counts.items():
            claims.append((-overlap, gi, old, gi))
    claims.sort()
    ids: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for _neg, _first, old, gi in claims:
        if ids[gi] is None and old not in taken:
            ids[gi] = old
            taken.add(old)
    out: list[str] = []
    for found in ids:
        if found is None:
            found = format_id(next_number)
            next_number += 1
        out.append(found)
    return out, next_number


def format_id(number: int) -> str:
    return f"N-{number:06d}"
