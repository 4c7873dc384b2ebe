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

import pytest
from sqlalchemy import MetaData, Table, select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.demo import generate
from safeharbor.export.ads import ad_records
from safeharbor.export.networks import network_records
from safeharbor.ingest import ingest_file
from safeharbor.pipeline import AnalyzeSummary, analyze
from safeharbor.spark import SparkConfig, spark_engine, spark_session
from safeharbor.spark.session import SparkSession
from safeharbor.store import Store, open_store

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(SparkSession is None, reason="PySpark is not installed (pip install '.[spark]')"),
]

ADS = 2000
MORE_ADS = 300
# Columns that say when a run happened, not what it found.
RUN_TIMES = {"extracted_at", "scored_at", "computed_at", "updated_at", "created_at", "linked_at"}
DERIVED_PREFIXES = ("extract", "ad_places", "link_", "score_")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store, list[AnalyzeSummary]]]:
    """(local store, Spark store, the Spark runs' summaries), both analysed twice (full, incremental)."""
    root = tmp_path_factory.mktemp("engines")
    first = generate(root / "first", ADS, 11, images=True)
    more = generate(root / "more", MORE_ADS, 12, images=True)
    local, on_spark = open_store(str(root / "local.db")), open_store(str(root / "spark.db"))
    summaries: list[AnalyzeSummary] = []
    with spark_session(SparkConfig(master="local[2]")) as spark:
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


def test_spark_settings_must_be_key_value(tmp_path: Path) -> None:
    open_store(str(tmp_path / "x.db")).dispose()
    result = CliRunner().invoke(
        app,
        ["analyze", "--db", str(tmp_path / "x.db"), "--engine", "spark", "--spark-conf", "no-equals"],
    )
    assert result.exit_code != 0
    assert "KEY=VALUE" in result.output
