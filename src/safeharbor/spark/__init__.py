"""The Spark engine: `safeharbor analyze --engine spark` runs the stages' compute steps as PySpark jobs.

Nothing here decides anything: extraction, features, text-edge search and indicator matching are the
stages' own pure functions (extract/run.py, link/features.py, link/text/, score/match.py), run on
Spark executors; loading what they need and writing what they return stays with the stages, in this
process, so both engines give the same results (tests/test_spark_engine.py) into the same store.
The core never imports this package (tests/test_architecture.py): pyspark is an optional extra.
"""

from safeharbor.spark.engine import SparkConfig, analyze_on_spark, spark_engine
from safeharbor.spark.session import SparkUnavailable, spark_session

__all__ = ["SparkConfig", "SparkUnavailable", "analyze_on_spark", "spark_engine", "spark_session"]
