"""Image reuse: group perceptual hashes (64-bit pHash, hex) that are within a small Hamming distance.

Only hashes are compared; pixels were discarded at ingest. Matching uses multi-index hashing: the 64
bits are cut into 8 chunks of 8 bits and only hashes that agree exactly on some chunk are compared
(vectorised XOR + popcount), never all pairs. By the pigeonhole principle every pair within 7 bits
agrees on a chunk, so matching is exact up to GUARANTEED_DISTANCE; pairs 8..MAX_DISTANCE bits apart
are found when their differing bits leave one chunk untouched, which holds for most of them.

Why MAX_DISTANCE = 10: on generated corpora, reposted copies of one picture (cropped a few pixels,
resized, brightness changed, re-encoded) differ by 2-10 bits; different pictures by 12 or more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

CHUNKS = 8
GUARANTEED_DISTANCE = CHUNKS - 1
MAX_DISTANCE = 10
CHUNK_BITS = 64 // CHUNKS
BLOCK = 2048  # rows compared at once inside a large bucket (bounds memory)


@dataclass(frozen=True, slots=True)
class ImagePair:
    hash_a: str
    hash_b: str
    distance: int


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_pairs(hashes: Iterable[str], max_distance: int = MAX_DISTANCE) -> list[ImagePair]:
    """Every pair of distinct hashes within max_distance bits (hash_a < hash_b), sorted."""
    unique = sorted({h.lower() for h in hashes if h})
    if len(unique) < 2:
        return []
    values = np.array([int(h, 16) for h in unique], dtype=np.uint64)
    found: set[tuple[int, int]] = set()
    mask = np.uint64((1 << CHUNK_BITS) - 1)
    for c in range(CHUNKS):
        keys = (values >> np.uint64(c * CHUNK_BITS)) & mask
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        for group in np.split(order, bounds):
            if len(group) >= 2:
                _pairs_within(values, group, max_distance, found)
    pairs = [ImagePair(unique[i], unique[j], hamming(unique[i], unique[j])) for i, j in found]
    pairs.sort(key=lambda p: (p.hash_a, p.hash_b))
    return pairs


def near_pairs_involving(
    new: Iterable[str], hashes: Iterable[str], max_distance: int = MAX_DISTANCE
) -> list[ImagePair]:
    """The pairs `near_pairs(hashes)` would give that involve at least one hash of `new`.

    Same chunk rule (a pair is compared only when the hashes agree exactly on some 8-bit chunk), so
    stored pairs plus these equal a full `near_pairs` run; costs O(new x bucket) instead of O(all).
    """
    fresh = sorted({h.lower() for h in new if h})
    unique = sorted({h.lower() for h in hashes if h} | set(fresh))
    if not fresh or len(unique) < 2:
        return []
    values = np.array([int(h, 16) for h in unique], dtype=np.uint64)
    fresh_values = np.array([int(h, 16) for h in fresh], dtype=np.uint64)
    fresh_index = np.searchsorted(np.array(unique, dtype=object), np.array(fresh, dtype=object))
    found: set[tuple[int, int]] = set()
    mask = np.uint64((1 << CHUNK_BITS) - 1)
    for c in range(CHUNKS):
        shift = np.uint64(c * CHUNK_BITS)
        keys = (values >> shift) & mask
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        fresh_keys = (fresh_values >> shift) & mask
        lo = np.searchsorted(sorted_keys, fresh_keys, side="left")
        hi = np.searchsorted(sorted_keys, fresh_keys, side="right")
        for f, a, b in zip(fresh_index.tolist(), lo.tolist(), hi.tolist(), strict=True):
            if b - a < 2:
                continue
            others = order[a:b]
            dist = np.bitwise_count(values[others] ^ values[f])
            for o in others[dist <= max_distance].tolist():
                if o != f:
                    found.add((min(f, o), max(f, o)))
    pairs = [ImagePair(unique[i], unique[j], hamming(unique[i], unique[j])) for i, j in found]
    pairs.sort(key=lambda p: (p.hash_a, p.hash_b))
    return pairs


def _pairs_within(
    values: np.ndarray, group: np.ndarray, max_distance: int, found: set[tuple[int, int]]
) -> None:
    group = np.sort(group)
    sub = values[group]
    for start in range(0, len(group), BLOCK):
        rows = sub[start : start + BLOCK]
        dist = np.bitwise_count(rows[:, None] ^ sub[None, :])
        ri, ci = np.nonzero(dist <= max_distance)
        for r, c in zip((ri + start).tolist(), ci.tolist(), strict=True):
            if r < c:
                found.add((int(group[r]), int(group[c])))


def image_groups(hashes: Iterable[str], pairs: Iterable[ImagePair]) -> dict[str, str]:
    """Each hash's group, named by the smallest hash in it (near-duplicates chained together)."""
    parent: dict[str, str] = {h.lower(): h.lower() for h in hashes if h}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent.setdefault(p.hash_a, p.hash_a)
        parent.setdefault(p.hash_b, p.hash_b)
        ra, rb = find(p.hash_a), find(p.hash_b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {h: find(h) for h in parent}
