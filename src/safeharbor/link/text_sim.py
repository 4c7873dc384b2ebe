"""Near-duplicate text: masked shingles, rarity weighting, MinHash/LSH candidates, exact verification.

Why masked: an operator's template keeps its wording while the phone, the working name, the age, the
price and the city change from ad to ad; masking those (and every number) lets the template match.
Why rarity-weighted: generic phrases and site boilerplate ("available now", "no blocked calls") are
shared by many unrelated operators. Shingles seen in more than `generic_cap` ads are dropped, and the
rest are weighed by inverse document frequency, so only distinctive passages join ads.
Why gated: unrelated people copy popular templates, so a text edge is accepted only between ads placed
in the same city (or not placed at all) whose contact details do not contradict each other.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from safeharbor.types import Extraction

SHINGLE = 3  # words per shingle
NUM_PERM = 64
BANDS, ROWS = 16, 4  # LSH candidate threshold ~ (1/16)^(1/4) = 0.5
MIN_SHARED = 3  # shared distinctive shingles needed for a text edge
MIN_SIMILARITY = 0.5  # rarity-weighted Jaccard needed for a text edge
SMALL_BUCKET = 24  # LSH buckets up to this size are verified pairwise; larger ones by time neighbours
NEIGHBOURS = 8
PERMUTATION_SEED = 11
SIGNATURE_CHUNK = 50_000  # shingles hashed per vectorised slice (64 x 50k x 8 bytes = 25 MB)

MASKED_KINDS = {"phone", "email", "handle", "name", "age", "price", "city"}
_TOKEN = re.compile(r"<[^>]{0,200}>|&#?\w{1,10};|\w+", re.UNICODE)
_MASK32 = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised: lower case, digits as '0', masked values as a placeholder word
    field: str
    start: int
    end: int


def placeholder(kind: str) -> str:
    return f"zq{kind}zq"


_TAG_OR_ENTITY = re.compile(r"<[^>]{0,200}>|&#?\w{1,10};")
_WORD = re.compile(r"\w+", re.UNICODE)
_NONZERO_DIGIT = re.compile(r"[1-9]")


def tokens_of(field: str, text: str, spans: Sequence[Extraction]) -> list[Token]:
    """Normalised word tokens of one field with positions (for showing passages), masks applied."""
    masks = sorted((e.start, e.end, e.kind) for e in spans if e.kind in MASKED_KINDS and e.field == field)
    out: list[Token] = []
    mi = 0
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        while mi < len(masks) and masks[mi][1] <= start:
            mi += 1
        if mi < len(masks) and masks[mi][0] < end:  # inside (or overlapping) a masked value
            mstart, mend, kind = masks[mi]
            if not out or out[-1].start != mstart:
                out.append(Token(placeholder(kind), field, mstart, mend))
            continue
        word = m.group()
        if word[0] in "<&":  # HTML tags and entities separate words but are not words
            continue
        out.append(Token(_NONZERO_DIGIT.sub("0", word.lower()), field, start, end))
    return out


def ad_tokens(title: str | None, body: str, spans: Sequence[Extraction]) -> list[Token]:
    return tokens_of("title", title or "", spans) + tokens_of("body", body, spans)


def words_of(text: str, masks: Sequence[tuple[int, int, str]]) -> list[str]:
    """The same words as `tokens_of`, fast (no positions): masks are sorted (start, end, kind)."""
    if masks:
        parts: list[str] = []
        last = 0
        for start, end, kind in masks:
            if start < last:
                continue
            parts.append(text[last:start])
            parts.append(f" {placeholder(kind)} ")
            last = end
        parts.append(text[last:])
        text = "".join(parts)
    text = _TAG_OR_ENTITY.sub(" ", text)
    return _WORD.findall(_NONZERO_DIGIT.sub("0", text.lower()))


_token_ids: dict[str, int] = {}


def _token_id(word: str) -> int:
    found = _token_ids.get(word)
    if found is None:
        found = zlib.crc32(word.encode())
        if len(_token_ids) < 1_000_000:
            _token_ids[word] = found
    return found


def batch_shingles(docs: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """shingle_hashes for many word lists at once (vectorised over the batch)."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    out: list[np.ndarray] = [np.zeros(0, dtype=np.uint32)] * len(docs)
    short = [i for i, n in enumerate(lengths) if 0 < n < SHINGLE]
    for i in short:
        out[i] = shingle_hashes([Token(w, "", 0, 0) for w in docs[i]])
    total = int(lengths.sum())
    if total == 0:
        return out
    ids = np.fromiter((_token_id(w) for d in docs for w in d), dtype=np.uint64, count=total)
    owner = np.repeat(np.arange(len(docs)), lengths)
    n = total - SHINGLE + 1
    if n <= 0:
        return out
    grams = ids[:n] * _MIX[0] + ids[1 : n + 1] * _MIX[1] + ids[2 : n + 2] * _MIX[2]
    grams ^= grams >> np.uint64(29)
    valid = owner[:n] == owner[SHINGLE - 1 : n + SHINGLE - 1]  # the 3 words belong to one document
    keyed = (owner[:n][valid].astype(np.uint64) << np.uint64(32)) | (grams[valid] & _MASK32)
    keyed = np.unique(keyed)
    doc_of = (keyed >> np.uint64(32)).astype(np.int64)
    values = (keyed & _MASK32).astype(np.uint32)
    bounds = np.searchsorted(doc_of, np.arange(len(docs) + 1))
    for i in range(len(docs)):
        if lengths[i] >= SHINGLE:
            out[i] = values[bounds[i] : bounds[i + 1]]
    return out


def shingle_hashes(tokens: Sequence[Token]) -> np.ndarray:
    """Sorted unique uint32 hashes of the word 3-grams (stable across runs and machines)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    ids = np.fromiter((_token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))
    if len(ids) < SHINGLE:
        grams = ids[:1] * _MIX[0]
        for k in range(1, len(ids)):
            grams = grams + ids[k : k + 1] * _MIX[k]
        return np.unique((grams & _MASK32).astype(np.uint32))
    n = len(ids) - SHINGLE + 1
    grams = ids[:n] * _MIX[0] + ids[1 : n + 1] * _MIX[1] + ids[2 : n + 2] * _MIX[2]
    grams ^= grams >> np.uint64(29)
    return np.unique((grams & _MASK32).astype(np.uint32))


def shingle_hash_list(tokens: Sequence[Token]) -> list[int]:
    """Per-position shingle hashes (same hashing as `shingle_hashes`), for locating passages."""
    if len(tokens) < SHINGLE:
        return []
    ids = np.fromiter((_token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))
    n = len(ids) - SHINGLE + 1
    grams = ids[:n] * _MIX[0] + ids[1 : n + 1] * _MIX[1] + ids[2 : n + 2] * _MIX[2]
    grams ^= grams >> np.uint64(29)
    return [int(x) for x in (grams & _MASK32).astype(np.uint32)]


@dataclass(frozen=True, slots=True)
class TextItem:
    """What the text step needs of one ad."""

    ad_key: int
    posting: int  # index of its (source, id): versions never need a text edge
    place: str | None  # "city|state" or None when the ad could not be placed
    posted_at: str
    contacts: frozenset[str]  # phones, emails, handles: contradicting contacts veto a text edge
    shingles: np.ndarray  # sorted unique uint32


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


@dataclass
class TextIndex:
    """Rarity weights over the corpus: each ad's distinctive shingles and its total weight."""

    distinctive: list[frozenset[int]]  # shingles in 2..cap ads (the only ones that can be shared)
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
    flat = np.concatenate([it.shingles for it in items]).astype(np.uint32)
    owner = np.repeat(np.arange(n), lengths)
    _uniq, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    df = counts[inverse]
    idf = np.log1p(
        base / rounded_df(df)
    )  # smoothed: a passage in every ad of a tiny corpus still counts a little
    keep = df <= cap
    # Each ad's total weight counts its unique passages too: unshared text makes ads less alike.
    totals = np.bincount(owner[keep], weights=idf[keep], minlength=n)
    shared_mask = keep & (df >= 2)
    weight = dict(zip(flat[shared_mask].tolist(), idf[shared_mask].tolist(), strict=True))
    distinctive: list[frozenset[int]] = [frozenset()] * n
    starts = np.concatenate([[0], np.cumsum(lengths)])
    sel_flat = np.where(shared_mask, flat.astype(np.int64), -1)
    for i in range(n):
        chunk = sel_flat[starts[i] : starts[i + 1]]
        chunk = chunk[chunk >= 0]
        if len(chunk):
            distinctive[i] = frozenset(chunk.tolist())
    return TextIndex(distinctive, totals, weight, int((counts > cap).sum()))


def text_edges(items: Sequence[TextItem], index: TextIndex) -> list[TextEdge]:
    """Accepted near-duplicate edges between ads (same place, no contradicting contacts)."""
    keys, usable = band_keys(items, index.distinctive)
    return verify_pairs(items, index, candidate_pairs(items, keys, usable))


def verify_pairs(
    items: Sequence[TextItem], index: TextIndex, candidates: Iterable[tuple[int, int]]
) -> list[TextEdge]:
    """The candidate pairs (indices) that are near-duplicates, as edges sorted by ad keys."""
    edges: list[TextEdge] = []
    for i, j in sorted(candidates):
        a, b = items[i], items[j]
        if a.contacts and b.contacts and not (a.contacts & b.contacts):
            continue
        sim, shared = index.similarity(i, j)
        if shared >= MIN_SHARED and sim >= MIN_SIMILARITY:
            lo, hi = (a, b) if a.ad_key < b.ad_key else (b, a)
            edges.append(TextEdge(lo.ad_key, hi.ad_key, round(float(sim), 4), shared))
    edges.sort(key=lambda e: (e.ad_a, e.ad_b))
    return edges


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (spreads shingle hashes before the affine permutations)."""
    h = h & _MASK32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _MASK32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _MASK32
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
        permuted = (a[:, None] * mixed[None, :] + b[:, None]) & _MASK32
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
    usable = np.fromiter((len(x) >= MIN_SHARED for x in sets), dtype=bool, count=len(sets))
    keys = np.zeros((len(sets), BANDS), dtype=np.uint64)
    rows_idx = np.flatnonzero(usable)
    if len(rows_idx) == 0:
        return keys, usable
    signatures = minhash_signatures([sets[i] for i in rows_idx.tolist()])
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
        return self.ordered[int(self.starts[bucket]) : int(self.ends[bucket])].tolist()

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


def candidate_pairs(items: Sequence[TextItem], keys: np.ndarray, usable: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of ads (indices) that share an LSH band in the same place; bounded work per bucket."""
    pairs: set[tuple[int, int]] = set()
    if int(usable.sum()) < 2:
        return pairs
    for band in range(BANDS):
        buckets = band_buckets(keys, usable, band)
        for b in range(len(buckets.keys)):
            pairs.update(bucket_candidates(buckets.members(b), items))
    return pairs


def _bucket_pairs(members: list[int], items: Sequence[TextItem]) -> Iterable[tuple[int, int]]:
    if len(members) <= SMALL_BUCKET:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]
        return
    # A large bucket is a template reposted many times: reposts follow one another in time,
    # so each ad is compared with its nearest neighbours in time, which keeps the work linear.
    ordered = sorted(members, key=lambda i: (items[i].posted_at, items[i].ad_key))
    for x in range(len(ordered)):
        for y in range(x + 1, min(len(ordered), x + 1 + NEIGHBOURS)):
            yield ordered[x], ordered[y]


def longest_common_passage(a: Sequence[Token], b: Sequence[Token]) -> tuple[int, int, int, int] | None:
    """Token index ranges [a0, a1), [b0, b1) of the longest run of shingles the two ads share."""
    ha, hb = shingle_hash_list(a), shingle_hash_list(b)
    if not ha or not hb:
        return None
    where: dict[int, list[int]] = defaultdict(list)
    for j, h in enumerate(hb):
        where[h].append(j)
    best = (0, 0, 0)  # length, i, j
    prev: dict[int, int] = {}
    for i, h in enumerate(ha):
        cur: dict[int, int] = {}
        for j in where.get(h, ()):
            cur[j] = prev.get(j - 1, 0) + 1
            if cur[j] > best[0]:
                best = (cur[j], i - cur[j] + 1, j - cur[j] + 1)
        prev = cur
    length, i, j = best
    if length == 0:
        return None
    return i, i + length + SHINGLE - 1, j, j + length + SHINGLE - 1
