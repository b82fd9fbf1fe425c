"""Spark, on the same small generated files as DuckDB (tests/spark/conftest.py builds both once).

The marts: the same dbt project builds on Spark, and its marts equal DuckDB's row by row and column by column.
DuckDB's marts are read through DuckDB, Spark's straight from the Parquet files it wrote (as the scoring job
reads them), both into Polars. Values must be equal exactly, floats included: every float in the marts is a
ratio of two exact counts or decimal sums, a cast of one, or a sum of decimals, so both engines compute it
from the same two numbers with the same IEEE operation. A difference is a portability bug to fix in SQL, not
a tolerance to widen.

The handoff: the scoring job reads the Parquet tables Spark wrote (Polars, no Spark session) exactly as it
reads DuckDB's, and the rows it writes become tables that Spark queries.

One module, so that under pytest-xdist (make test: one module per worker at a time) every test of the one
Spark build runs in the same worker.
"""

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.run.train import tasks_with_marts
from scoring.settings import Settings
from scoring.store import lake, warehouse
from scoring.store.lake import schema_tables
from scoring.tasks import TASKS
from tests.dbt.conftest import APPAREL_MARTS
from tests.spark.build_then_handoff import BUILT_IN_TESTS

pytestmark = [pytest.mark.slow, pytest.mark.spark]

MARTS = "main_marts"
KEYS = ("client_id", "as_of_date")


def duckdb_marts(warehouse: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            row[0]
            for row in con.sql(
                "select table_name from information_schema.tables where table_schema = ?", params=[MARTS]
            ).fetchall()
        ]
        return {name: con.sql(f"select * from {MARTS}.{name}").pl() for name in names}


def ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in key order (both marts are unique on their key), so that rows can be compared one to one."""
    keys = [key for key in KEYS if key in frame.columns]
    assert keys, frame.columns
    return frame.sort(keys)


def test_spark_builds_the_same_marts_as_duckdb(duckdb_warehouse, spark_warehouse):
    duck = duckdb_marts(duckdb_warehouse)
    spark_paths = schema_tables(spark_warehouse, MARTS)
    assert {"apparel_training_set", "one_click_training_set"} <= set(duck)
    assert sorted(spark_paths) == sorted(duck)


@pytest.mark.parametrize(
    "mart",
    [*APPAREL_MARTS, "one_click_features", "one_click_training_set"],
)
def test_spark_mart_equals_the_duckdb_mart_row_by_row_and_column_by_column(
    duckdb_warehouse, spark_warehouse, mart
):
    with duckdb.connect(str(duckdb_warehouse), read_only=True) as con:
        expected = ordered(con.sql(f"select * from {MARTS}.{mart}").pl())
    actual = ordered(pl.read_parquet(schema_tables(spark_warehouse, MARTS)[mart] / "*.parquet"))
    assert expected.height > 0
    assert actual.columns == expected.columns
    assert dict(actual.schema) == dict(expected.schema)
    assert_frame_equal(actual, expected, check_exact=True)


def test_every_data_test_whose_sql_is_ours_passes_on_spark(duckdb_warehouse, spark_build, spark_warehouse):
    """The Spark build leaves out dbt's built-in generic tests (build_then_handoff.BUILT_IN_TESTS, which says
    why); every other data test of the project, as the DuckDB build's manifest lists them, passed on Spark."""
    manifest = json.loads((duckdb_warehouse.parent / "target" / "manifest.json").read_text())
    ours = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") not in BUILT_IN_TESTS
    }
    ran = spark_build.results()
    assert len(ours) >= 20, sorted(ours)  # the generic tests of ours, the health tests, the singular tests
    assert {unique_id: ran.get(unique_id) for unique_id in ours} == dict.fromkeys(ours, "pass")


# The dbt project's tasks, by name: other tests add tasks of their own to TASKS for the session.
TASK_NAMES = ("purchase_90d", "activity_decline")


def test_spark_target_finds_every_task_in_the_spark_warehouse(spark_warehouse, tmp_path):
    settings = Settings(target="spark", spark_warehouse=spark_warehouse, warehouse=tmp_path / "none.duckdb")
    assert {task.name for task in tasks_with_marts(settings)} == set(TASK_NAMES)
    assert tasks_with_marts(replace(settings, target="duckdb")) == []


@pytest.mark.parametrize("task", [TASKS[name] for name in TASK_NAMES], ids=lambda task: task.name)
def test_scoring_reads_the_spark_marts_as_it_reads_the_duckdb_ones(duckdb_warehouse, spark_warehouse, task):
    marts = (task.training_mart, task.feature_mart, task.columns.label, task.columns.key, None)
    expected = warehouse.read_task_frames(duckdb_warehouse, *marts)
    actual = lake.read_task_frames(spark_warehouse, *marts)
    assert actual[2] == expected[2]
    for got, want in zip(actual[:2], expected[:2], strict=True):
        assert want.height > 0
        assert_frame_equal(got, want, check_exact=True)


def test_a_scoring_run_becomes_spark_tables_spark_can_query(spark_build, spark_warehouse):
    """The build's process, after the build, exported a run written to DuckDB, registered its tables and
    queried them in Spark (tests/spark/build_then_handoff.py)."""
    handoff = spark_build.handoff()
    assert "error" not in handoff, handoff.get("error")
    tables = ["explanations", "feature_importance", "model_runs", "scores"]
    assert sorted(handoff["exported"]) == tables
    exported = pl.read_parquet(Path(handoff["exported"]["scores"]) / "*.parquet")
    assert exported.height == 3 and exported.columns[:3] == ["task", "model_run_id", "client_id"]
    assert handoff["registered"] == tables
    assert handoff["rows"] == [["purchase_90d", "3", "a"]]
