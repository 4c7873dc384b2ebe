"""Connected components of the link stage's base graph as a Spark job (large-star / small-star).

The graph control starts from (versions of one posting, near-duplicate text, identifiers in few
postings: `link.bridges._base_graph`) is the part of linking that grows with the corpus; the
decisions about widely used identifiers that follow are taken one at a time on its components, in
the driver, by the same code as on this machine (`bridges.control`). Components are found with the
alternating large-star / small-star rounds of Kiveris et al. ("Connected Components in MapReduce
and Beyond", SoCC 2014) as Spark SQL over an edge table, each edge kept as (larger, smaller):

- large-star: every node links its larger neighbours to the smallest node of its neighbourhood;
- small-star: every node links itself and its smaller neighbours to the smallest of those.

Both keep every component connected and shrink its diameter; after O(log n) rounds each component is
a star around its smallest node, which is then every member's label: exactly what
`cluster.connected_labels` gives, so both engines build the same sets. Each round's edges are
checkpointed (`localCheckpoint`: the lineage stays one round long; a lost executor reruns the round
from the driver's data, not all of them). Plain Spark SQL: no GraphFrames, no jar fetched at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from safeharbor.link.cluster import ComponentFinder

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MAX_ROUNDS = 64  # rounds grow with log(n)^2 at worst; a corpus needing more than this is a bug

LARGE_STAR = """
WITH nb AS (SELECT u AS a, v AS b FROM {edges} UNION ALL SELECT v AS a, u AS b FROM {edges}),
     low AS (SELECT a, LEAST(a, MIN(b)) AS m FROM nb GROUP BY a)
SELECT DISTINCT nb.b AS u, low.m AS v FROM nb JOIN low ON nb.a = low.a WHERE nb.b > nb.a
"""
SMALL_STAR = """
WITH low AS (SELECT u, MIN(v) AS m FROM {edges} GROUP BY u)
SELECT DISTINCT u, v FROM (
  SELECT e.v AS u, low.m AS v FROM {edges} e JOIN low ON e.u = low.u WHERE e.v <> low.m
  UNION ALL
  SELECT u, m AS v FROM low
)
"""
# What tells one round's edges from the next: equal on a fixed point (checked then to be stars).
FINGERPRINT = "SELECT COUNT(*), SUM(u), SUM(v), SUM(CAST(xxhash64(u, v) AS DECIMAL(38, 0))) FROM {edges}"


def spark_components(spark: SparkSession) -> ComponentFinder:
    """A `ComponentFinder` (link/cluster.py) that runs on this session."""

    def find(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        labels = np.arange(n, dtype=np.int64)
        loops = src == dst
        if loops.all():
            return labels
        big = np.maximum(src, dst)[~loops].tolist()
        small = np.minimum(src, dst)[~loops].tolist()
        slices = max(2, spark.sparkContext.defaultParallelism)
        rows = spark.sparkContext.parallelize(list(zip(big, small, strict=True)), slices)
        edges = spark.createDataFrame(rows, "u long, v long").distinct().localCheckpoint()
        seen: tuple[object, ...] | None = None
        for _ in range(MAX_ROUNDS):
            edges = star_round(spark, edges)
            # One pass over the checkpointed edges (no shuffle); a round that changes nothing is done.
            mark = tuple(spark.sql(FINGERPRINT, edges=edges).collect()[0])
            if mark == seen:
                found = np.array(edges.collect(), dtype=np.int64).reshape(-1, 2)
                if _stars(found):
                    labels[found[:, 0]] = found[:, 1]
                    return labels
            seen = mark
        raise RuntimeError(f"connected components did not settle in {MAX_ROUNDS} rounds")

    return find


def _stars(edges: np.ndarray) -> bool:
    """Whether (leaf, centre) rows are stars: every leaf has one centre, no centre is a leaf."""
    leaves = edges[:, 0]
    return len(np.unique(leaves)) == len(leaves) and not np.isin(edges[:, 1], leaves).any()


def star_round(spark: SparkSession, edges: DataFrame) -> DataFrame:
    """One large-star then one small-star step, checkpointed."""
    larger = spark.sql(LARGE_STAR, edges=edges)
    return spark.sql(SMALL_STAR, edges=larger).localCheckpoint()
