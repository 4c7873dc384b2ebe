"""The Spark engine as a pipeline `Engine`, and `analyze` on a session started for the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from safeharbor.pipeline import AnalyzeSummary, Engine, analyze
from safeharbor.spark.batches import extract_runner, feature_runner, match_runner
from safeharbor.spark.components import spark_components
from safeharbor.spark.session import SparkConfig, spark_session
from safeharbor.spark.text import spark_text_edges
from safeharbor.storage.engine import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkConfig", "SparkRun", "analyze_on_spark", "spark_engine"]


def spark_engine(spark: SparkSession) -> Engine:
    """Extraction, link features, the text-edge search, the link graph's connected components and
    indicator matching on this session."""
    return Engine(
        name=f"spark ({spark.sparkContext.master})",
        extract=extract_runner(spark),
        features=feature_runner(spark),
        text_edges=spark_text_edges(spark),
        components=spark_components(spark),
        match=match_runner(spark),
    )


@dataclass
class SparkRun:
    summary: AnalyzeSummary
    master: str
    spark_version: str

    def lines(self) -> list[str]:
        return [f"Engine: Spark {self.spark_version} on {self.master}", *self.summary.lines()]


def analyze_on_spark(
    store: Store,
    config: SparkConfig,
    *,
    rebuild: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> SparkRun:
    """`analyze` with the Spark engine, on a session that lives exactly as long as the run."""
    with spark_session(config) as spark:
        summary = analyze(store, rebuild=rebuild, progress=progress, engine=spark_engine(spark))
        return SparkRun(summary, spark.sparkContext.master or config.master, spark.version)
