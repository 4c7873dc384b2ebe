"""Union-find over ads, and stable network ids across runs.

A network is a connected group of ads spanning at least two postings (distinct source and id); an ad
whose group is only itself (and its own versions) stands alone. Ids (`N-000123`) are derived from the
network's first posting (`content_ids`), so they are a function of the ads alone, not of the order or
batches they were ingested in, and survive new data while the network's first posting stays first.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

MIN_POSTINGS = 2
ID_SPACE = 999_999  # N-000001 .. N-999999
WIDE_ID_SPACE = 999_999_999  # used once a store holds more than half a million networks


# Who finds the connected components of a graph over ads 0..n-1 given as edge arrays (src, dst): each
# ad's label is the smallest ad in its component. This machine (`connected_labels`) or a Spark job
# (safeharbor.spark.components); both give the same labels, so the same networks.
ComponentFinder = Callable[[int, np.ndarray, np.ndarray], np.ndarray]


def connected_labels(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Each node's component label: the smallest node of its component (SciPy's sparse graph search)."""
    nodes = np.arange(n, dtype=np.int64)
    if n == 0 or len(src) == 0:
        return nodes
    graph = coo_array((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    _count, found = connected_components(graph, directed=False)
    smallest = np.full(int(found.max()) + 1, n, dtype=np.int64)
    np.minimum.at(smallest, found, nodes)
    labels: np.ndarray = smallest[found]
    return labels


class UnionFind:
    """Disjoint sets over 0..n-1 that also count, per set, a weight (here: postings)."""

    def __init__(self, weights: Sequence[int]) -> None:
        self.parent = list(range(len(weights)))
        self.weight = list(weights)

    @classmethod
    def from_labels(cls, labels: np.ndarray, weights: Sequence[int]) -> UnionFind:
        """The sets of a component labelling (label = a member, e.g. the smallest), each rooted at its
        label and weighing the sum of its members' weights: what unioning every edge would give."""
        uf = cls(weights)
        if len(labels):
            summed = np.bincount(labels, weights=np.asarray(weights, dtype=np.float64), minlength=len(labels))
            uf.parent = labels.tolist()
            uf.weight = summed.astype(np.int64).tolist()  # a root's is its set's; others' are unused
        return uf

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


def content_ids(anchors: Sequence[str]) -> list[str]:
    """Network id of each group, from its anchor alone: the posting key of its first posting.

    Why from content: an id carried over from earlier runs would depend on the order ads arrived in
    and on how they were batched; partners and cases need the same network to have the same id
    whatever the history. The anchor is the group's earliest posting (posted time, then source and
    id), so new, later ads rarely change it: a network keeps its id while it grows, and two that
    merge keep the earlier one's. The number is a hash of the anchor (`N-` and six digits, as
    before); when two anchors hash alike, the earlier anchor keeps the number and the later one
    takes the next free one (in anchor order, so this too is a function of the ads alone).
    """
    space = ID_SPACE if len(anchors) < ID_SPACE // 2 else WIDE_ID_SPACE
    taken: set[int] = set()
    out: list[str] = [""] * len(anchors)
    for gi in sorted(range(len(anchors)), key=anchors.__getitem__):
        digest = hashlib.blake2b(anchors[gi].encode(), digest_size=8).digest()
        number = int.from_bytes(digest, "big") % space + 1
        while number in taken:
            number = number % space + 1
        taken.add(number)
        out[gi] = format_id(number)
    return out


def format_id(number: int) -> str:
    return f"N-{number:06d}"
