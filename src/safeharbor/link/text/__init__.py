"""Near-duplicate text: masked shingles (`tokens`), rarity weighting and verification (`index`),
MinHash/LSH candidates (`minhash`), and incremental recomputation (`update`).
"""

from __future__ import annotations

from collections.abc import Sequence

from safeharbor.link.text.index import TextEdge, TextIndex, TextItem, verify_pairs
from safeharbor.link.text.minhash import band_keys, candidate_pairs


def text_edges(items: Sequence[TextItem], index: TextIndex) -> list[TextEdge]:
    """Accepted near-duplicate edges between ads (same place, no contradicting contacts)."""
    keys, usable = band_keys(items, index.distinctive)
    return verify_pairs(items, index, candidate_pairs(items, keys, usable))
