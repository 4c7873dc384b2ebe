"""Incremental near-duplicate text edges: recompute only what new ads can change.

With the rarity weights taken from the rounded corpus size (`index.weight_base`) and rounded
document frequencies (`rounded_df`), new ads change an old ad in two ways:
- its *signature* (distinctive shingles, hence MinHash and LSH band keys) changes only when one of its
  shingles becomes shared (count 1 -> 2) or generic (crosses the cap): rare;
- its *weights* (total weight, weights of shared shingles, hence its similarities) change when the
  rounded count of one of its shingles crosses a step.
Ads with neither change keep their stored band keys, and a pair of two such ads keeps its similarity.
An LSH bucket is "touched" when an ad whose signature changed is in it now or was in it last run (its
membership, and so the pairs it proposes, may have changed). So:

    edges = verified(pairs proposed by touched buckets)
          + verified(pairs of untouched buckets with an ad whose weights changed)
          + last run's edges between unchanged ads that an untouched bucket still proposes,

which is exactly what a full recompute gives (tested in tests/test_link_incremental.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safeharbor.link.text import minhash
from safeharbor.link.text.index import TextEdge, TextIndex, TextItem, rounded_df, verify_pairs


@dataclass(frozen=True, slots=True)
class Changed:
    """Which ads the new ads change (boolean masks over the corpus; signature implies weights)."""

    signature: np.ndarray
    weights: np.ndarray


def changed_ads(items: Sequence[TextItem], is_new: np.ndarray, cap: int) -> Changed:
    """New ads, and old ads whose signature or shingle weights the new ads change."""
    signature, weights = is_new.copy(), is_new.copy()
    n = len(items)
    lengths = np.fromiter((len(it.shingles) for it in items), dtype=np.int64, count=n)
    if not is_new.any() or lengths.sum() == 0:
        return Changed(signature, weights)
    flat = np.concatenate([it.shingles for it in items]).astype(np.uint32)
    owner = np.repeat(np.arange(n), lengths)
    new_shingles, new_counts = np.unique(flat[is_new[owner]], return_counts=True)
    if len(new_shingles) == 0:
        return Changed(signature, weights)
    hit = np.isin(flat, new_shingles)
    sub, sub_owner = flat[hit], owner[hit]  # occurrences of the new ads' shingles, in any ad
    found, total = np.unique(sub, return_counts=True)  # found == new_shingles
    old_df = total - new_counts
    used_before = (old_df >= 1) & (old_df <= cap)  # counted in some old ad's weights
    sig_change = used_before & ((old_df == 1) | (total > cap))
    weight_change = sig_change | (used_before & (rounded_df(old_df) != rounded_df(total)))
    for mask, shingles in ((signature, found[sig_change]), (weights, found[weight_change])):
        if len(shingles):
            mask[sub_owner[np.isin(sub, shingles)]] = True
    return Changed(signature, weights)


def incremental_edges(
    items: Sequence[TextItem],
    index: TextIndex,
    changed: Changed,
    stored_keys: np.ndarray,
    stored_usable: np.ndarray,
    old_edges: Sequence[TextEdge],
) -> tuple[list[TextEdge], np.ndarray, np.ndarray]:
    """Text edges of the whole corpus, recomputing only around changed ads.

    `stored_keys` / `stored_usable` hold last run's band keys (aligned with `items`) of every ad that
    is not new (not usable: too little distinctive wording). Returns the edges and the current band
    keys and usable mask of all ads.
    """
    signed = _resign(items, index, changed, stored_keys, stored_usable)
    kept = _kept_edges(items, changed.weights, old_edges)
    to_verify, still_proposed = _proposals(items, signed, changed.weights, kept)
    edges = {(e.ad_a, e.ad_b): e for e in verify_pairs(items, index, to_verify)}
    for edge, ok in zip(kept.edges, still_proposed.tolist(), strict=True):
        if ok:
            edges.setdefault((edge.ad_a, edge.ad_b), edge)
    return [edges[k] for k in sorted(edges)], signed.keys, signed.usable


@dataclass(frozen=True, slots=True)
class _Signed:
    """Current band keys of every ad, and the keys of buckets whose membership may have changed."""

    keys: np.ndarray
    usable: np.ndarray
    flagged: np.ndarray  # band keys (now or last run) of ads whose signature changed


def _resign(
    items: Sequence[TextItem],
    index: TextIndex,
    changed: Changed,
    stored_keys: np.ndarray,
    stored_usable: np.ndarray,
) -> _Signed:
    """New band keys for ads whose signature changed; stored keys for the others."""
    resigned = np.flatnonzero(changed.signature)
    keep = stored_usable & ~changed.signature
    keys = np.where(keep[:, None], stored_keys, np.uint64(0)).astype(np.uint64)
    usable = keep.copy()
    old_flagged = stored_keys[stored_usable & changed.signature]  # band keys re-signed ads had last run
    new_keys, new_usable = minhash.band_keys(
        [items[i] for i in resigned.tolist()], [index.distinctive[i] for i in resigned.tolist()]
    )
    keys[resigned] = new_keys
    usable[resigned] = new_usable
    flagged = np.concatenate([keys[resigned[usable[resigned]]], old_flagged]).astype(np.uint64)
    return _Signed(keys, usable, flagged)


@dataclass(frozen=True, slots=True)
class _Kept:
    """Last run's edges between two ads whose weights did not change, with their positions."""

    edges: list[TextEdge]
    u: np.ndarray
    v: np.ndarray


def _kept_edges(items: Sequence[TextItem], reweighed: np.ndarray, old_edges: Sequence[TextEdge]) -> _Kept:
    n = len(items)
    ad_keys = np.fromiter((it.ad_key for it in items), dtype=np.int64, count=n)  # sorted
    edge_a = np.fromiter((e.ad_a for e in old_edges), dtype=np.int64, count=len(old_edges))
    edge_b = np.fromiter((e.ad_b for e in old_edges), dtype=np.int64, count=len(old_edges))
    pos_a = np.minimum(np.searchsorted(ad_keys, edge_a), max(n - 1, 0))
    pos_b = np.minimum(np.searchsorted(ad_keys, edge_b), max(n - 1, 0))
    keep_edge = (ad_keys[pos_a] == edge_a) & (ad_keys[pos_b] == edge_b) if n else edge_a < 0
    keep_edge &= ~reweighed[pos_a] & ~reweighed[pos_b]
    kept_idx = np.flatnonzero(keep_edge)
    return _Kept([old_edges[e] for e in kept_idx.tolist()], pos_a[kept_idx], pos_b[kept_idx])


def _proposals(
    items: Sequence[TextItem], signed: _Signed, reweighed: np.ndarray, kept: _Kept
) -> tuple[set[tuple[int, int]], np.ndarray]:
    """Pairs to verify, and which kept edges an untouched bucket still proposes, over all bands."""
    still_proposed = np.zeros(len(kept.edges), dtype=bool)
    reweighed_usable = np.flatnonzero(reweighed & signed.usable)
    to_verify: set[tuple[int, int]] = set()
    for band in range(minhash.BANDS):
        buckets = minhash.band_buckets(signed.keys, signed.usable, band)
        touched = np.isin(buckets.keys, signed.flagged[:, band])
        for b in np.flatnonzero(touched).tolist():
            to_verify.update(minhash.bucket_candidates(buckets.members(b), items))
        # Untouched buckets propose the same pairs as last run: re-verify those with a reweighed ad.
        found = buckets.find(signed.keys[reweighed_usable, band])
        for b in sorted(set(found[found >= 0].tolist()) - set(np.flatnonzero(touched).tolist())):
            to_verify.update(
                (i, j)
                for i, j in minhash.bucket_candidates(buckets.members(b), items)
                if reweighed[i] or reweighed[j]
            )
        if kept.edges:
            _mark_still_proposed(items, signed, buckets, touched, band, kept, still_proposed)
    return to_verify, still_proposed


def _mark_still_proposed(
    items: Sequence[TextItem],
    signed: _Signed,
    buckets: minhash.Buckets,
    touched: np.ndarray,
    band: int,
    kept: _Kept,
    still_proposed: np.ndarray,
) -> None:
    """Last run's edges between unchanged ads: still proposed if an untouched bucket holds both."""
    keys, usable = signed.keys, signed.usable
    where = buckets.find(keys[kept.u, band])
    same = (keys[kept.u, band] == keys[kept.v, band]) & usable[kept.u] & usable[kept.v]
    in_untouched = same & (where >= 0) & ~touched[np.maximum(where, 0)]
    open_edges = np.flatnonzero(in_untouched & ~still_proposed).tolist()
    large: set[int] = set()
    for e in open_edges:
        b = int(where[e])
        if int(buckets.ends[b] - buckets.starts[b]) <= minhash.SMALL_BUCKET:
            still_proposed[e] = True
        else:
            large.add(b)
    if large:
        proposed = {
            pair for b in sorted(large) for pair in minhash.bucket_candidates(buckets.members(b), items)
        }
        for e in open_edges:
            u, v = int(kept.u[e]), int(kept.v[e])
            if (min(u, v), max(u, v)) in proposed:
                still_proposed[e] = True
