"""Batching for `IN (...)` queries: one helper instead of a loop in every reader.

Databases cap the number of bound parameters in one statement (SQLite's default is 32,766, older
builds 999), so a list of keys is read in chunks of `BATCH`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

BATCH = 2000


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def sorted_chunks(keys: Iterable[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """The distinct keys, sorted (stable index order for the database), in chunks."""
    ordered: list[T] = sorted(set(keys))  # type: ignore[type-var]
    return chunks(ordered, size)
