"""Abstract generated images (gradients, stripes, circles, noise; never people).

Each base image is a deterministic function of (corpus seed, base key). Variants of a base are the
kinds of change reposting causes (a few pixels cropped, brightness +-10-20%, resized, re-encoded) and
keep perceptual hashes within a small Hamming distance; different bases are far apart. Each
(base, variant) file is written once, on first use, and shared by every ad that refers to it.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

BASE_SIZE = 128
# A variant's pHash stays within this many bits of its base's (milder variants are tried if not).
MAX_VARIANT_DISTANCE = 6


def _seed(*parts: object) -> int:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def base_image(corpus_seed: int, key: str) -> np.ndarray:
    """A 128x128 RGB abstract picture: gradient background, soft stripes, a few discs, sometimes noise."""
    rng = np.random.default_rng(_seed(corpus_seed, key))
    n = BASE_SIZE // 2  # drawn at half size and enlarged: the structure is low-frequency anyway
    axis = np.linspace(0.0, 1.0, n, dtype=np.float32)
    x, y = axis[None, :], axis[:, None]
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.float32(np.cos(angle)) * x + np.float32(np.sin(angle)) * y
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    # Colours stay in 25..205 so that brightening a variant by 20% does not clip (clipping moves the hash).
    c0, c1 = rng.uniform(25, 175, 3).astype(np.float32), rng.uniform(25, 175, 3).astype(np.float32)
    # Low-frequency stripes and discs dominate the perceptual hash, so they are what tells bases apart.
    freq = rng.uniform(0.8, 3.0)
    s_angle = rng.uniform(0, np.pi)
    phase = np.float32(2 * np.pi * freq) * (np.float32(np.cos(s_angle)) * x + np.float32(np.sin(s_angle)) * y)
    stripes = np.sin(phase + np.float32(rng.uniform(0, 6.3)))
    amp = rng.uniform(15, 30, 3).astype(np.float32)
    img = c0 + (c1 - c0) * ramp[..., None] + stripes[..., None] * amp
    for _ in range(rng.integers(2, 6)):
        cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.08, 0.3)
        mask = ((x - cx) ** 2 + (y - cy) ** 2) < r * r
        img[mask] = img[mask] * 0.3 + rng.uniform(25, 205, 3).astype(np.float32) * 0.7
    if rng.random() < 0.3:
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(6)
    small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    return np.asarray(small.resize((BASE_SIZE, BASE_SIZE), Image.Resampling.BILINEAR))


def variant(pixels: np.ndarray, corpus_seed: int, key: str, index: int, attempt: int = 0) -> Image.Image:
    """Variant 0 is the base itself; others are cropped, brightened/darkened, resized, maybe re-encoded.

    Later attempts are milder (no crop, then only a resize) for the few pictures whose hash is fragile.
    """
    img = Image.fromarray(pixels, "RGB")
    if index == 0:
        return img
    rng = np.random.default_rng(_seed(corpus_seed, key, index, attempt))
    if attempt == 0:
        # 1-2 pixels cropped per axis: more than that moves a 128px picture's pHash by 10+ bits.
        left, top, right, bottom = (int(v) for v in rng.integers(0, 2, 4))
        left = max(left, 1 - (top + right + bottom))
        img = img.crop((left, top, BASE_SIZE - right, BASE_SIZE - bottom))
    factor = float(rng.choice([-1, 1]) * rng.uniform(0.10, 0.20) + 1) if attempt < 2 else 1.0
    arr = np.asarray(img, dtype=np.float32) * factor
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    size = int(rng.integers(96, 161))
    img = img.resize((size, size), Image.Resampling.BILINEAR)
    if attempt < 2 and rng.random() < 0.4:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(60, 90)))
        buf.seek(0)
        img = Image.open(buf).convert("RGB")
    return img


class ImageBank:
    """Hands out relative paths for (base, variant) images and writes each file once, in `flush`.

    Writing is deferred so that each base picture is drawn once however many ads use its variants.
    """

    def __init__(self, out_dir: Path, corpus_seed: int, *, enabled: bool) -> None:
        self.dir = out_dir / "images"
        self.seed = corpus_seed
        self.enabled = enabled
        self.files: dict[tuple[str, int], str] = {}

    def ref(self, key: str, index: int) -> str:
        found = self.files.get((key, index))
        if found is None:
            found = f"images/{_seed(self.seed, key, index, 'file'):016x}.png"
            self.files[(key, index)] = found
        return found

    def flush(self) -> int:
        """Write every referenced file; returns how many were written."""
        if not self.enabled:
            return 0
        self.dir.mkdir(parents=True, exist_ok=True)
        by_key: dict[str, list[tuple[int, str]]] = {}
        for (key, index), name in self.files.items():
            by_key.setdefault(key, []).append((index, name))
        for key, wanted in by_key.items():
            pixels = base_image(self.seed, key)
            base_hash = None
            for index, name in sorted(wanted):
                for attempt in range(3):
                    picture = _palette(variant(pixels, self.seed, key, index, attempt))
                    if index == 0:
                        break
                    if base_hash is None:
                        base_hash = imagehash.phash(_palette(Image.fromarray(pixels, "RGB")))
                    if imagehash.phash(picture) - base_hash <= MAX_VARIANT_DISTANCE:
                        break
                picture.save(self.dir / name.split("/", 1)[1], "PNG", compress_level=1)
        return len(self.files)


def _palette(picture: Image.Image) -> Image.Image:
    """A 256-colour palette keeps files ~7 KB and fast to write, and moves pHash by <= 2 bits."""
    return picture.quantize(256, method=Image.Quantize.FASTOCTREE)
