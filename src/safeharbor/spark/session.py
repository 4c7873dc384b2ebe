"""Starting and always stopping a Spark session (a JVM: Java 17+), configured for Safe Harbor's jobs."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

try:  # pyspark is the optional `spark` extra: without it, --engine spark says how to get it
    from pyspark.sql import SparkSession
except ImportError:  # pragma: no cover - exercised only where the extra is not installed
    SparkSession = None  # type: ignore[assignment,misc]

from safeharbor.settings import DEFAULT_SPARK_MASTER

INSTALL_HINT = "pip install 'safeharbor[spark]' (PySpark) and Java 17 or newer (`java -version`)"


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing: a clear message instead of a stack trace."""


@dataclass(frozen=True)
class SparkConfig:
    master: str = (
        DEFAULT_SPARK_MASTER  # local[N], local[*] or a cluster URL (spark://host:7077, yarn, k8s://...)
    )
    driver_memory: str = "2g"  # the driver holds the link stage's global step (see docs/scale.md)
    conf: Mapping[str, str] = field(default_factory=dict)  # any further spark.* setting, as given


def _settings(config: SparkConfig) -> dict[str, str]:
    """Our defaults, then the user's: the Spark UI is off (nothing listens on a port unasked) and few
    shuffle partitions (our shuffles are small: see docs/scale.md)."""
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": config.driver_memory,
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.adaptive.enabled": "true",
        **config.conf,
    }


@contextmanager
def spark_session(config: SparkConfig) -> Iterator[SparkSession]:
    """A session for one run; stopped on the way out whatever happens (no JVM outlives its run)."""
    if SparkSession is None:
        raise SparkUnavailable(f"the Spark engine needs PySpark: {INSTALL_HINT}")
    builder = SparkSession.builder.master(config.master).appName("safeharbor-analyze")
    for key, value in _settings(config).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except RuntimeError as exc:  # PySparkRuntimeError: the JVM did not start (no Java, too old a Java)
        raise SparkUnavailable(f"Spark could not start ({exc}); it needs {INSTALL_HINT}") from exc
    session.sparkContext.setLogLevel("ERROR")
    # Python workers run `spark.pyspark.python` when given; in local mode, else this interpreter (which
    # has safeharbor installed). PySpark itself would take `python3` from the PATH.
    python = config.conf.get("spark.pyspark.python")
    if python or config.master.startswith("local"):
        session.sparkContext.pythonExec = python or sys.executable
    try:
        yield session
    finally:
        session.stop()
