"""Perceptual hashing of ad images at ingest. The pixels are read, hashed and dropped: never stored.

pHash (64-bit DCT hash, via `imagehash`) survives the small crops, re-encodes and brightness changes
that reposts make, and is what the linking stage matches within a Hamming distance.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import imagehash
from PIL import Image

from safeharbor.types import ImageHash

Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs rather than hashing them


def resolve(ref: str, base_dir: Path) -> Path | None:
    """Images are files inside the input file's folder; a URL means the file downloaded there.

    None for a path that leads outside that folder (`../../…`, an absolute path, a symbolic link out):
    a feed names images, it does not get to make ingest open any file on the machine.
    """
    if ref.startswith(("http://", "https://")):
        ref = Path(urlparse(ref).path).name
    if not ref or "\x00" in ref:
        return None
    try:
        base = base_dir.resolve()
        path = (base / ref).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
    return path if path.is_relative_to(base) and path != base else None


@lru_cache(maxsize=50_000)
def _phash_file(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime too, so a file replaced between runs is hashed again. Many ads reuse
    # one file, so the cache saves most of the decoding on real feeds.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            img.draft("L", (64, 64))  # lets JPEG decode at reduced size; a no-op for others
            return str(imagehash.phash(img))


def hash_image(ref: str, base_dir: Path) -> ImageHash:
    path = resolve(ref, base_dir)
    if path is None:
        return ImageHash(
            ref=ref, phash=None, status="refused", reason="outside the input file's folder (not opened)"
        )
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return ImageHash(ref=ref, phash=None, status="missing", reason=f"file not found: {path.name}")
    if not path.is_file():
        return ImageHash(ref=ref, phash=None, status="missing", reason=f"not a file: {path.name}")
    try:
        return ImageHash(ref=ref, phash=_phash_file(str(path), stat.st_size, stat.st_mtime_ns))
    except Exception as exc:  # any decoder failure means the same thing to the analyst: unreadable
        return ImageHash(
            ref=ref, phash=None, status="unreadable", reason=f"{type(exc).__name__}: {exc}"[:200]
        )
