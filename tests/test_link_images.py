"""Image reuse: perceptual hashes of a crop/brightness-changed copy match; an unrelated image does not."""

from __future__ import annotations

import random

import imagehash
from PIL import Image, ImageDraw, ImageEnhance

from safeharbor.link.images import GUARANTEED_DISTANCE, MAX_DISTANCE, hamming, image_groups, near_pairs


def abstract(seed: int, size: int = 128) -> Image.Image:
    """A generated abstract picture: gradient background, circles and stripes (never a person)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    c1 = [rng.randrange(256) for _ in range(3)]
    c2 = [rng.randrange(256) for _ in range(3)]
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(c1, c2, strict=True)))
    for _ in range(6):
        x, y, r = rng.randrange(size), rng.randrange(size), rng.randrange(8, 40)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(3):
        x = rng.randrange(size)
        draw.rectangle(
            (x, 0, x + rng.randrange(4, 12), size), fill=tuple(rng.randrange(256) for _ in range(3))
        )
    return img


def phash(img: Image.Image) -> str:
    return str(imagehash.phash(img))


def variant(img: Image.Image) -> Image.Image:
    """What a repost does to a picture: crop a few pixels, resize back, change the brightness."""
    w, h = img.size
    cropped = img.crop((3, 2, w - 2, h - 3)).resize((w, h))
    return ImageEnhance.Brightness(cropped).enhance(1.15)


def test_a_cropped_brighter_copy_matches_and_an_unrelated_image_does_not() -> None:
    for seed in range(5):
        original = abstract(seed)
        copy_hash, original_hash = phash(variant(original)), phash(original)
        unrelated_hash = phash(abstract(seed + 100))
        assert hamming(original_hash, copy_hash) <= MAX_DISTANCE
        assert hamming(original_hash, unrelated_hash) > MAX_DISTANCE
        pairs = near_pairs([original_hash, copy_hash, unrelated_hash])
        matched = {frozenset((p.hash_a, p.hash_b)) for p in pairs}
        if original_hash != copy_hash:
            assert frozenset((original_hash, copy_hash)) in matched
        assert not any(unrelated_hash in m for m in matched)


def test_multi_index_matching_is_exact_up_to_the_guaranteed_distance_and_finds_most_beyond() -> None:
    rng = random.Random(7)
    base = [rng.getrandbits(64) for _ in range(300)]
    hashes = [f"{b:016x}" for b in base]
    for b in base[:100]:  # near copies with 1..MAX_DISTANCE flipped bits
        flipped = b
        for bit in rng.sample(range(64), rng.randint(1, MAX_DISTANCE)):
            flipped ^= 1 << bit
        hashes.append(f"{flipped:016x}")
    found = {(p.hash_a, p.hash_b) for p in near_pairs(hashes)}
    unique = sorted(set(hashes))
    brute = {(a, b) for i, a in enumerate(unique) for b in unique[i + 1 :] if hamming(a, b) <= MAX_DISTANCE}
    exact = {p for p in brute if hamming(*p) <= GUARANTEED_DISTANCE}
    assert exact <= found <= brute
    assert len(found) >= 0.9 * len(brute) and len(brute) >= 100


def test_groups_chain_near_copies_under_the_smallest_hash() -> None:
    a, b, c = "0000000000000000", "0000000000000003", "000000000000000f"
    groups = image_groups([a, b, c, "ffffffffffffffff"], near_pairs([a, b, c, "ffffffffffffffff"]))
    assert groups[a] == groups[b] == groups[c] == a
    assert groups["ffffffffffffffff"] == "ffffffffffffffff"


def test_matching_only_new_hashes_finds_exactly_the_pairs_a_full_run_adds() -> None:
    import random

    from safeharbor.link.images import near_pairs, near_pairs_involving

    rng = random.Random(5)
    bases = [rng.getrandbits(64) for _ in range(40)]
    hashes = []
    for base in bases:  # families of near-identical hashes (a few flipped bits) plus strangers
        for _ in range(rng.randint(1, 5)):
            flipped = base
            for bit in rng.sample(range(64), rng.randint(0, 12)):
                flipped ^= 1 << bit
            hashes.append(f"{flipped:016x}")
    old, new = hashes[: len(hashes) // 2], hashes[len(hashes) // 2 :]
    full = near_pairs(hashes)
    added = near_pairs_involving(new, hashes)
    old_set = set(old)
    assert sorted(set(near_pairs(old)) | set(added), key=lambda p: (p.hash_a, p.hash_b)) == full
    assert all(
        not (p.hash_a in old_set and p.hash_b in old_set) or p.hash_a in new or p.hash_b in new for p in added
    )
    assert near_pairs_involving([], hashes) == []
