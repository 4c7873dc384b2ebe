"""Near-duplicate text edges on Spark: band keys per partition, candidate pairs by a join on the
blocking key, verification per partition, with the link stage's own functions at every step.

1. `minhash.band_keys` over slices of the ads (each ad's keys depend on its own place and distinctive
   shingles only, so slices give exactly the keys the whole list gives);
2. (band, key) -> ad rows grouped by key (the blocking join, one shuffle): each LSH bucket of two or
   more ads, its members sorted as the local engine has them, proposes pairs with
   `minhash.bucket_candidates`;
3. distinct pairs are verified with `index.verify_pairs` per partition (the rarity index is broadcast:
   it is global by nature, built once by the driver over all ads).
The driver gets back the band keys (stored for incremental runs) and the sorted edges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from safeharbor.link.text import minhash
from safeharbor.link.text.index import TextEdge, TextIndex, TextItem, verify_pairs
from safeharbor.storage.batching import chunks

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import SparkSession

SLICE = 10_000  # ads per band-key task
EdgeResult = tuple[np.ndarray, np.ndarray, list[TextEdge]]


def _slice_keys(
    items: Broadcast[list[TextItem]], sets: Broadcast[Sequence[frozenset[int]]], bounds: tuple[int, int]
) -> tuple[int, bytes, bytes]:
    lo, hi = bounds
    keys, usable = minhash.band_keys(items.value[lo:hi], sets.value[lo:hi])
    return lo, keys.astype("<u8").tobytes(), usable.tobytes()


def _bucket_rows(lo: int, blob: bytes, usable_blob: bytes) -> Iterator[tuple[tuple[int, int], int]]:
    """((band, key), ad index) of each usable ad."""
    keys = np.frombuffer(blob, dtype="<u8").reshape(-1, minhash.BANDS)
    usable = np.frombuffer(usable_blob, dtype=bool)
    for offset in np.flatnonzero(usable).tolist():
        for band, key in enumerate(keys[offset].tolist()):
            yield (band, key), lo + offset


def _partitions(n: int) -> int:
    """Shuffle partitions for the bucket join: ~50k ads' rows each (a few MB), at least 2."""
    return max(2, n // 50_000)


def _candidates(items: Broadcast[list[TextItem]], members: list[int]) -> Iterable[tuple[int, int]]:
    return minhash.bucket_candidates(sorted(members), items.value)


def _verify(
    items: Broadcast[list[TextItem]], index: Broadcast[TextIndex], pairs: Iterable[tuple[int, int]]
) -> list[TextEdge]:
    return verify_pairs(items.value, index.value, pairs)


def spark_text_edges(spark: SparkSession) -> Callable[[list[TextItem], TextIndex], EdgeResult]:
    """An `EdgeFinder` (link/run.py) that runs on this session."""

    def find(items: list[TextItem], index: TextIndex) -> EdgeResult:
        n = len(items)
        keys = np.zeros((n, minhash.BANDS), dtype=np.uint64)
        usable = np.zeros(n, dtype=bool)
        if n == 0:
            return keys, usable, []
        sc = spark.sparkContext
        b_items = sc.broadcast(items)
        b_sets = sc.broadcast(index.distinctive)
        b_index = sc.broadcast(index)
        try:
            bounds = [(s[0], s[-1] + 1) for s in chunks(range(n), SLICE)]
            sliced = (
                sc.parallelize(bounds, len(bounds)).map(lambda b: _slice_keys(b_items, b_sets, b)).cache()
            )
            for lo, blob, usable_blob in sliced.collect():
                part = np.frombuffer(blob, dtype="<u8").reshape(-1, minhash.BANDS)
                keys[lo : lo + len(part)] = part
                usable[lo : lo + len(part)] = np.frombuffer(usable_blob, dtype=bool)
            if int(usable.sum()) < 2:
                return keys, usable, []
            # The blocking join: ads keyed by (band, bucket key), grouped; buckets of two or more propose.
            buckets = sliced.flatMap(lambda s: _bucket_rows(*s)).groupByKey(_partitions(n))
            multi = buckets.values().map(list).filter(lambda members: len(members) >= 2)
            pairs = multi.flatMap(lambda members: _candidates(b_items, members)).distinct()
            edges = pairs.mapPartitions(lambda part: _verify(b_items, b_index, part)).collect()
            sliced.unpersist()
        finally:
            for b in (b_items, b_sets, b_index):
                b.destroy()
        edges.sort(key=lambda e: (e.ad_a, e.ad_b))
        return keys, usable, edges

    return find
