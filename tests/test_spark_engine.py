"""The Spark engine gives what the local engine gives: same exports, same derived tables (risk to 1e-9).

One Spark session (local[2]) for the module; two SQLite stores fed the same demo corpus, one analysed
by each engine, then a second batch of ads analysed incrementally on both. Select with `-m spark`;
skipped where PySpark is not installed (it is in the dev extra, so `make test` runs it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import MetaData, Table, select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.demo import generate
from safeharbor.export.ads import ad_records
from safeharbor.export.networks import network_records
from safeharbor.ingest import ingest_file
from safeharbor.link.cluster import connected_labels
from safeharbor.pipeline import AnalyzeSummary, analyze
from safeharbor.spark import SparkConfig, spark_engine, spark_session
from safeharbor.spark.components import spark_components
from safeharbor.spark.session import SparkSession
from safeharbor.store import Store, open_store

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one worker, one session, one JVM (pyproject: --dist loadgroup)
    pytest.mark.skipif(SparkSession is None, reason="PySpark is not installed (pip install '.[spark]')"),
]

ADS = 2000
MORE_ADS = 300
# Columns that say when a run happened, not what it found.
RUN_TIMES = {"extracted_at", "scored_at", "computed_at", "updated_at", "created_at", "linked_at"}
DERIVED_PREFIXES = ("extract", "ad_places", "link_", "score_")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local[2] session for the module, stopped at its end."""
    with spark_session(SparkConfig(master="local[2]")) as session:
        yield session


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, spark: SparkSession
) -> Iterator[tuple[Store, Store, list[AnalyzeSummary]]]:
    """(local store, Spark store, the Spark runs' summaries), both analysed twice (full, incremental)."""
    root = tmp_path_factory.mktemp("engines")
    first = generate(root / "first", ADS, 11, images=True)
    more = generate(root / "more", MORE_ADS, 12, images=True)
    local, on_spark = open_store(str(root / "local.db")), open_store(str(root / "spark.db"))
    summaries: list[AnalyzeSummary] = []
    engine = spark_engine(spark)
    for corpus in (first, more):
        for store in (local, on_spark):
            ingest_file(store, corpus.ads_path)
        analyze(local)
        summaries.append(analyze(on_spark, engine=engine))
    yield local, on_spark, summaries
    local.dispose()
    on_spark.dispose()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _exports(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with store.connect() as conn:
        return list(ad_records(conn)), list(network_records(conn))


def _derived(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the analysis writes, rows sorted, without run times."""
    meta = MetaData()
    meta.reflect(store.engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if not name.startswith(DERIVED_PREFIXES):
                continue
            out[name] = _rows(conn, table)
    return out


def _rows(conn: Any, table: Table) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if c.name not in RUN_TIMES]
    rows = [tuple(r) for r in conn.execute(select(*columns))]
    if table.name == "score_state":
        rows = [r for r in rows if r[0] != "scored_at"]
    return sorted(rows, key=repr)


def test_the_spark_engine_ran_and_found_networks(runs: tuple[Store, Store, list[AnalyzeSummary]]) -> None:
    _, _, summaries = runs
    full, incremental = summaries
    assert [name for name, _ in full.stages][:4] == ["extract", "index", "link", "score"]
    text = " ".join(full.lines())
    assert f"{ADS:,} ads" in text and "networks" in text
    assert f"{MORE_ADS:,} ads" in " ".join(incremental.lines()) or incremental.lines()


def test_exports_are_identical(runs: tuple[Store, Store, list[AnalyzeSummary]]) -> None:
    local, on_spark, _ = runs
    local_ads, local_networks = _exports(local)
    spark_ads, spark_networks = _exports(on_spark)
    assert len(local_ads) == ADS + MORE_ADS or len(local_ads) > ADS
    assert local_networks, "the demo corpus has networks"
    assert any(ad["flags"] for ad in local_ads), "and flags"
    assert _same(local_ads, spark_ads)
    assert _same(local_networks, spark_networks)


def test_every_derived_table_is_identical(runs: tuple[Store, Store, list[AnalyzeSummary]]) -> None:
    """Networks, cuts, text and image evidence, flags, risk, leads: row for row (floats to 1e-9)."""
    local, on_spark, _ = runs
    mine, theirs = _derived(local), _derived(on_spark)
    assert mine.keys() == theirs.keys()
    assert {"link_cuts", "link_ad_network", "score_flags", "score_ads", "link_text_edges"} <= mine.keys()
    assert mine["link_cuts"] and mine["link_text_edges"], "the corpus exercises control and text"
    for name in mine:
        assert len(mine[name]) == len(theirs[name]), name
        assert _same(mine[name], theirs[name]), name


def _graph() -> tuple[int, np.ndarray, np.ndarray]:
    """One graph of pieces that stress the rounds (side by side: one search, one set of rounds): a
    long path in a scrambled order, a star around a middle node, random sparse pieces with isolated
    nodes, self-loops and duplicate edges."""
    rng = np.random.default_rng(7)
    path = rng.permutation(120)
    star_src, star_dst = np.full(29, 137), np.delete(np.arange(120, 150), 17)
    a, b = rng.integers(150, 600, 300), rng.integers(150, 600, 300)
    src = np.concatenate([path[:-1], star_src, a, a[:30], np.arange(150, 160)])
    dst = np.concatenate([path[1:], star_dst, b, b[:30], np.arange(150, 160)])
    return 600, src.astype(np.int64), dst.astype(np.int64)


def test_spark_components_are_the_local_ones(spark: SparkSession) -> None:
    find = spark_components(spark)
    n, src, dst = _graph()
    expected = connected_labels(n, src, dst)
    found = find(n, src, dst)
    assert found.tolist() == expected.tolist()
    assert all(found[i] <= i for i in range(n))  # each label is its component's smallest node
    assert len(set(found[:120].tolist())) == 1 and len(set(found[120:150].tolist())) == 1
    assert find(5, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == list(range(5))


def test_spark_settings_must_be_key_value(tmp_path: Path) -> None:
    open_store(str(tmp_path / "x.db")).dispose()
    result = CliRunner().invoke(
        app,
        ["analyze", "--db", str(tmp_path / "x.db"), "--engine", "spark", "--spark-conf", "no-equals"],
    )
    assert result.exit_code != 0
    assert "KEY=VALUE" in result.output
