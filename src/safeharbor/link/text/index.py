"""Rarity weighting over the corpus, and exact verification of candidate near-duplicate pairs.

Why rarity-weighted: generic phrases and site boilerplate ("available now", "no blocked calls") are
shared by many unrelated operators. Shingles seen in more than `generic_cap` ads are dropped, and the
rest are weighed by inverse document frequency, so only distinctive passages join ads.
Why gated: unrelated people copy popular templates, so a text edge is accepted only between ads placed
in the same city (or not placed at all) whose contact details do not contradict each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

MIN_SHARED = 3  # shared distinctive shingles needed for a text edge
MIN_SIMILARITY = 0.5  # rarity-weighted Jaccard needed for a text edge


@dataclass(frozen=True, slots=True)
class TextItem:
    """What the text step needs of one ad."""

    ad_key: int
    posting: int  # index of its (source, id): versions never need a text edge
    place: str | None  # "city|state" or None when the ad could not be placed
    posted_at: str
    contacts: frozenset[str]  # phones, emails, handles: contradicting contacts veto a text edge
    shingles: np.ndarray  # sorted unique uint32
    order: int = 0  # position in an order of the ads' content (ties between equal times; never ingest order)


@dataclass(frozen=True, slots=True)
class TextEdge:
    ad_a: int
    ad_b: int
    similarity: float
    shared: int


def weight_base(n_ads: int) -> int:
    """The corpus size the rarity weights use: n rounded down to a power of 2^(1/4) (steps of ~19%).

    Why rounded: with the exact n every shingle's weight, and so every pair's similarity, would move
    whenever one ad is added, and an incremental run could not reuse anything. With the rounded size
    a weight changes only when the shingle's own document frequency does (or when the corpus crosses
    a step, which triggers a full recompute), and rebuild and incremental runs use the same value.
    """
    if n_ads < 2:
        return n_ads
    step = math.floor(4 * math.log2(n_ads) + 1e-9)
    return max(1, min(n_ads, math.floor(2 ** (step / 4) + 1e-9)))


EXACT_DF = 2  # document frequencies up to this are used as they are; above, rounded down
DF_STEPS = 1  # rounding steps per doubling of the document frequency


def rounded_df(df: np.ndarray) -> np.ndarray:
    """Document frequencies above EXACT_DF rounded down to a power of two.

    Why: a shingle's weight then changes only when its count crosses a power of two, not with every
    ad that uses it, so adding ads leaves the weights (and similarities) of most other ads untouched
    and an incremental run re-verifies only around the new ads. A weight log1p(n / df) moves by at
    most log(2) ~ 0.7 of ~5-11; B-cubed on the 10k bench corpus is unchanged (1.0000/0.9988/0.9994).
    """
    df = np.asarray(df, dtype=np.int64)
    steps = np.floor(DF_STEPS * np.log2(np.maximum(df, 1)) + 1e-9)
    return np.where(df <= EXACT_DF, df, np.floor(np.exp2(steps / DF_STEPS) + 1e-9).astype(np.int64))


def generic_cap_for(n_ads: int) -> int:
    """Shingles in more ads than this are generic boilerplate, not evidence of one operator."""
    return max(150, weight_base(n_ads) // 100)


class ShingleSets(Sequence[frozenset[int]]):
    """Each ad's distinctive shingles: one array of all of them with each ad's offsets, read as a
    frozenset per ad on demand.

    Why not a list of frozensets: a set of ~13 ints costs ~860 bytes (a 32-slot table), ~1.5 KB an ad
    with its ints, the link stage's largest holder; the array costs 4 bytes a shingle. A set made on
    demand is built from the same values in the same order as a stored one was, so it is the same set
    and iterates in the same order (sums over it are the same to the last bit).
    """

    def __init__(self, values: np.ndarray, starts: np.ndarray) -> None:
        self._values = values
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, i: int) -> frozenset[int]: ...

    @overload
    def __getitem__(self, i: slice) -> list[frozenset[int]]: ...

    def __getitem__(self, i: int | slice) -> frozenset[int] | list[frozenset[int]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        lo, hi = self._starts[i : i + 2].tolist()
        return frozenset(self._values[lo:hi].tolist()) if hi > lo else EMPTY

    def __iter__(self) -> Iterator[frozenset[int]]:
        return (self[i] for i in range(len(self)))

    def sizes(self) -> np.ndarray:
        """How many distinctive shingles each ad has."""
        return np.diff(self._starts)


EMPTY: frozenset[int] = frozenset()


@dataclass
class TextIndex:
    """Rarity weights over the corpus: each ad's distinctive shingles and its total weight."""

    distinctive: Sequence[frozenset[int]]  # shingles in 2..cap ads (the only ones that can be shared)
    totals: np.ndarray  # per ad: summed weight of all its non-generic shingles (unique ones included)
    weight: dict[int, float]  # idf of each distinctive shingle
    generic: int  # how many shingles were dropped as generic

    def similarity(self, i: int, j: int) -> tuple[float, int]:
        """Rarity-weighted Jaccard of two ads, and how many distinctive shingles they share."""
        common = self.distinctive[i] & self.distinctive[j]
        if not common:
            return 0.0, 0
        inter = sum(map(self.weight.__getitem__, common))
        union = float(self.totals[i] + self.totals[j]) - inter
        return (inter / union if union > 0 else 0.0), len(common)

    def overlap(self, a: frozenset[int], b: frozenset[int]) -> float:
        """Weighted overlap coefficient of two shingle sets (how much of the smaller one is shared)."""
        common = a & b
        if not common:
            return 0.0
        get = self.weight.__getitem__
        inter = sum(map(get, common))
        smaller = min(sum(map(get, a)), sum(map(get, b)))
        return inter / smaller if smaller > 0 else 0.0


def build_index(items: Sequence[TextItem], *, generic_cap: int | None = None) -> TextIndex:
    n = len(items)
    empty = TextIndex([frozenset()] * n, np.zeros(n), {}, 0)
    if n < 2:
        return empty
    cap = generic_cap if generic_cap is not None else generic_cap_for(n)
    base = weight_base(n)
    lengths = np.fromiter((len(it.shingles) for it in items), dtype=np.int64, count=n)
    if lengths.sum() == 0:
        return empty
    flat = np.concatenate([it.shingles for it in items]).astype(np.uint32, copy=False)
    owner = np.repeat(np.arange(n, dtype=np.int32), lengths)
    # Per distinct shingle, not per occurrence (at 1M ads there are ~26M occurrences: each array
    # over them costs 100-200 MB): its idf, and whether it is generic or shared.
    uniq, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    idf = np.log1p(
        base / rounded_df(counts)
    )  # smoothed: a passage in every ad of a tiny corpus still counts a little
    kept = counts <= cap
    shared = kept & (counts >= 2)
    keep = kept[inverse]
    # Each ad's total weight counts its unique passages too: unshared text makes ads less alike.
    totals = np.bincount(owner[keep], weights=idf[inverse[keep]], minlength=n)
    del keep
    shared_mask = shared[inverse]
    del inverse
    weight = dict(zip(uniq[shared].tolist(), idf[shared].tolist(), strict=True))
    per_ad = np.bincount(owner[shared_mask], minlength=n)
    distinctive = ShingleSets(flat[shared_mask], np.concatenate([[0], np.cumsum(per_ad)]).astype(np.int64))
    return TextIndex(distinctive, totals, weight, int((counts > cap).sum()))


PAIR_CHUNK = 65_536  # candidate pairs turned into Python ints at a time


def _in_order(candidates: Iterable[tuple[int, int]] | np.ndarray) -> Iterator[tuple[int, int]]:
    """Candidate pairs in sorted order; an (m, 2) array (already sorted) is read a slice at a time."""
    if not isinstance(candidates, np.ndarray):
        yield from sorted(candidates)
        return
    for start in range(0, len(candidates), PAIR_CHUNK):
        yield from candidates[start : start + PAIR_CHUNK].tolist()  # [i, j] lists: unpacked as pairs


def verify_pairs(
    items: Sequence[TextItem], index: TextIndex, candidates: Iterable[tuple[int, int]] | np.ndarray
) -> list[TextEdge]:
    """The candidate pairs (indices) that are near-duplicates, as edges sorted by ad keys."""
    edges: list[TextEdge] = []
    for i, j in _in_order(candidates):
        a, b = items[i], items[j]
        if a.contacts and b.contacts and not (a.contacts & b.contacts):
            continue
        sim, shared = index.similarity(i, j)
        if shared >= MIN_SHARED and sim >= MIN_SIMILARITY:
            lo, hi = (a, b) if a.ad_key < b.ad_key else (b, a)
            edges.append(TextEdge(lo.ad_key, hi.ad_key, round(float(sim), 4), shared))
    edges.sort(key=lambda e: (e.ad_a, e.ad_b))
    return edges
