"""MinHash signatures and LSH bands: which pairs of ads are worth verifying.

Signatures use datasketch's "affine32" scheme, computed for all ads at once with numpy. Band keys mix
in the ad's place, so only ads of one city meet in a bucket; they depend only on the ad itself, so
they are stored and reused by incremental runs.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from safeharbor.link.text.index import MIN_SHARED, ShingleSets, TextItem
from safeharbor.link.text.tokens import MASK32

NUM_PERM = 64
BANDS, ROWS = 16, 4  # LSH candidate threshold ~ (1/16)^(1/4) = 0.5
SMALL_BUCKET = 24  # LSH buckets up to this size are verified pairwise; larger ones by time neighbours
NEIGHBOURS = 8
PERMUTATION_SEED = 11
SIGNATURE_ADS = 20_000  # ads whose shingle sets are made at a time
SIGNATURE_CHUNK = 50_000  # shingles hashed per vectorised slice (64 x 50k x 8 bytes = 25 MB)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (spreads shingle hashes before the affine permutations)."""
    h = h & MASK32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & MASK32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & MASK32
    h ^= h >> np.uint64(16)
    return h


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(PERMUTATION_SEED)
    a = rng.randint(0, 1 << 31, NUM_PERM, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.randint(0, 1 << 32, NUM_PERM, dtype=np.int64).astype(np.uint64)
    return a, b


def minhash_signatures(sets: Sequence[frozenset[int]]) -> np.ndarray:
    """MinHash signatures (NUM_PERM uint32 per set, affine permutations mod 2^32), vectorised.

    Same scheme as datasketch's "affine32" MinHash, computed for all sets at once: the per-set
    Python API would cost ~100 µs an ad, too slow for 100k ads in the linking budget.
    """
    lengths = np.fromiter((len(x) for x in sets), dtype=np.int64, count=len(sets))
    out = np.full((len(sets), NUM_PERM), 0xFFFFFFFF, dtype=np.uint32)
    nonempty = np.flatnonzero(lengths)
    if len(nonempty) == 0:
        return out
    a, b = _permutations()
    # Work in slices of ads so the (perms x shingles) matrix stays small.
    slice_start = 0
    while slice_start < len(nonempty):
        stop, budget = slice_start, 0
        while stop < len(nonempty) and (budget == 0 or budget + lengths[nonempty[stop]] <= SIGNATURE_CHUNK):
            budget += int(lengths[nonempty[stop]])
            stop += 1
        rows = nonempty[slice_start:stop]
        flat = np.fromiter((h for r in rows for h in sets[r]), dtype=np.uint64, count=budget)
        mixed = _fmix32(flat)
        permuted = a[:, None] * mixed[None, :]  # in place from here: one (perms x shingles) matrix
        permuted += b[:, None]
        permuted &= MASK32
        offsets = np.concatenate([[0], np.cumsum(lengths[rows])[:-1]])
        out[rows] = np.minimum.reduceat(permuted, offsets, axis=1).T.astype(np.uint32)
        slice_start = stop
    return out


def place_hash(place: str | None) -> int:
    """A stable 64-bit hash of an ad's place (band keys are stored, so no per-run numbering)."""
    return int.from_bytes(hashlib.blake2b((place or "\x00").encode(), digest_size=8).digest(), "little")


def band_keys(items: Sequence[TextItem], sets: Sequence[frozenset[int]]) -> tuple[np.ndarray, np.ndarray]:
    """LSH band keys of each ad (n x BANDS uint64, its place mixed in), and which ads are usable.

    An ad is usable when it has at least MIN_SHARED distinctive shingles; others get zero keys.
    Keys depend only on the ad's own place and distinctive shingles, so they can be stored and reused.
    """
    sizes = (
        sets.sizes()
        if isinstance(sets, ShingleSets)
        else np.fromiter((len(x) for x in sets), dtype=np.int64, count=len(sets))
    )
    usable = sizes >= MIN_SHARED
    keys = np.zeros((len(sets), BANDS), dtype=np.uint64)
    rows_idx = np.flatnonzero(usable)
    if len(rows_idx) == 0:
        return keys, usable
    # A slice of ads at a time: sets read from a ShingleSets are made on demand, and all of them at
    # once would cost what storing them as sets did. Each ad's signature is its own, so it is exact.
    signatures = np.concatenate(
        [
            minhash_signatures([sets[i] for i in rows_idx[lo : lo + SIGNATURE_ADS].tolist()])
            for lo in range(0, len(rows_idx), SIGNATURE_ADS)
        ]
    )
    place = np.fromiter(
        (place_hash(items[i].place) for i in rows_idx.tolist()), dtype=np.uint64, count=len(rows_idx)
    )
    sig = signatures.astype(np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            key = place * np.uint64(0x9E3779B97F4A7C15) + np.uint64(band)
            for r in range(ROWS):
                key = (key ^ sig[:, band * ROWS + r]) * np.uint64(0xBF58476D1CE4E5B9)
                key ^= key >> np.uint64(31)
            keys[rows_idx, band] = key
    return keys, usable


@dataclass(frozen=True, slots=True)
class Buckets:
    """The LSH buckets of one band holding two or more usable ads (members read on demand)."""

    keys: np.ndarray  # bucket key, sorted
    starts: np.ndarray
    ends: np.ndarray
    ordered: np.ndarray  # ad indices ordered by key

    def members(self, bucket: int) -> list[int]:
        members: list[int] = self.ordered[int(self.starts[bucket]) : int(self.ends[bucket])].tolist()
        return members

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Bucket index of each key, -1 where no bucket of two or more ads has it."""
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[where] == keys, where, -1)


def band_buckets(keys: np.ndarray, usable: np.ndarray, band: int) -> Buckets:
    rows_idx = np.flatnonzero(usable)
    column = keys[rows_idx, band]
    order = np.argsort(column, kind="stable")
    sorted_key = column[order]
    bounds = np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64)
    ends = np.concatenate([bounds, [len(sorted_key)]]).astype(np.int64)
    multi = np.flatnonzero(ends - starts >= 2)
    return Buckets(sorted_key[starts[multi]], starts[multi], ends[multi], rows_idx[order])


def bucket_candidates(members: list[int], items: Sequence[TextItem]) -> Iterable[tuple[int, int]]:
    """The pairs one bucket proposes (i < j), versions of one posting left out."""
    for i, j in _bucket_pairs(members, items):
        if items[i].posting != items[j].posting:
            yield (i, j) if i < j else (j, i)


def candidate_pairs(items: Sequence[TextItem], keys: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Pairs of ads (indices, i < j) that share an LSH band in the same place; bounded work per bucket.

    An (m, 2) int64 array in sorted order, each pair once. Why an array, not a set of tuples: a
    Python tuple in a set costs ~150 bytes a pair, and there are tens of pairs an ad (~3 KB an ad, the
    link stage's peak at 1M ads); encoded as one int64 a pair costs 8.
    """
    n = len(items)
    if int(usable.sum()) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    per_band: list[np.ndarray] = []
    for band in range(BANDS):
        buckets = band_buckets(keys, usable, band)
        codes = array(  # 8 bytes a pair while collecting (a list of Python ints costs 40)
            "q",
            (
                i * n + j
                for b in range(len(buckets.keys))
                for i, j in bucket_candidates(buckets.members(b), items)
            ),
        )
        per_band.append(np.unique(np.frombuffer(codes, dtype=np.int64)))
        del codes
    codes_all = np.unique(np.concatenate(per_band))
    del per_band
    pairs = np.empty((len(codes_all), 2), dtype=np.int64)
    pairs[:, 0] = codes_all // n
    pairs[:, 1] = codes_all % n
    return pairs


def _bucket_pairs(members: list[int], items: Sequence[TextItem]) -> Iterable[tuple[int, int]]:
    if len(members) <= SMALL_BUCKET:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]
        return
    # A large bucket is a template reposted many times: reposts follow one another in time,
    # so each ad is compared with its nearest neighbours in time, which keeps the work linear.
    ordered = sorted(members, key=lambda i: (items[i].posted_at, items[i].order))
    for x in range(len(ordered)):
        for y in range(x + 1, min(len(ordered), x + 1 + NEIGHBOURS)):
            yield ordered[x], ordered[y]
