"""Per-batch stage work on Spark executors: extraction, link features, indicator matching.

Each runner hands batches of ad keys to the executors, which run the very function the local worker
pool runs on them (`extract_keys`, `feature_rows_in_worker`, `match_rows_in_worker`): it reads its
batch from the store by key, computes, and returns finished rows. The driver writes them back with
the stage's own writer, batch by batch in key order. Batches go out in waves of a few per core, so the
driver holds at most one wave of results, whatever the corpus size.

Why executors read the store themselves instead of staging ads in Parquet or reading them over JDBC:
the same load functions then serve both engines, and a batch's read is one indexed query by key. The
alternatives were not measured against it; docs/scale.md ("Plan past one machine") says when staging
would be worth it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from safeharbor.extract.run import BatchResult, extract_keys
from safeharbor.link.features import feature_rows_in_worker
from safeharbor.link.run import FeatureBatches
from safeharbor.score.catalogue import Indicator
from safeharbor.score.match import FlagRows, match_rows_in_worker
from safeharbor.score.model import ScoringModel
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

T = TypeVar("T")
R = TypeVar("R")
WAVE_PER_CORE = 2  # batches in flight per core: enough to keep every core busy, little to hold


def run_batches(spark: SparkSession, work: Callable[[T], R], batches: Sequence[T]) -> Iterator[R]:
    """`work(batch)` for every batch on the executors; results in batch order, one wave at a time."""
    sc = spark.sparkContext
    wave = max(2, sc.defaultParallelism * WAVE_PER_CORE)
    for group in chunks(list(batches), wave):
        group = list(group)
        yield from sc.parallelize(group, len(group)).map(work).collect()


def extract_runner(spark: SparkSession) -> Callable[[Store, list[list[int]]], Iterator[BatchResult]]:
    def run(store: Store, batches: list[list[int]]) -> Iterator[BatchResult]:
        return run_batches(spark, partial(extract_keys, store.url), batches)

    return run


def feature_runner(spark: SparkSession) -> Callable[[Store, list[list[int]], dict[int, str]], FeatureBatches]:
    def run(store: Store, batches: list[list[int]], versions: dict[int, str]) -> FeatureBatches:
        work = [(keys, {k: versions[k] for k in keys}) for keys in batches]
        return run_batches(spark, partial(_features_in, store.url), work)

    return run


def _features_in(
    db_url: str, batch: tuple[list[int], dict[int, str]]
) -> tuple[list[int], list[tuple[object, ...]], list[tuple[object, ...]]]:
    keys, versions = batch
    return feature_rows_in_worker(db_url, keys, versions)


def match_runner(
    spark: SparkSession,
) -> Callable[[Store, list[list[int]], Sequence[Indicator], ScoringModel], Iterator[FlagRows]]:
    def run(
        store: Store, batches: list[list[int]], indicators: Sequence[Indicator], model: ScoringModel
    ) -> Iterator[FlagRows]:
        work = partial(_match_in, store.url, list(indicators), model)
        return run_batches(spark, work, batches)

    return run


def _match_in(db_url: str, indicators: list[Indicator], model: ScoringModel, keys: list[int]) -> FlagRows:
    return match_rows_in_worker(db_url, keys, indicators, model)
