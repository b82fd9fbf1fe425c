"""The same dbt project builds on Spark, and its marts equal DuckDB's row by row and column by column.

Both engines build from the same small generated files; DuckDB's marts are read through DuckDB, Spark's
straight from the Parquet files it wrote (as the scoring job reads them), both into Polars. Values must be
equal exactly, floats included: every float in the marts is a ratio of two exact counts or decimal sums, a
cast of one, or a sum of decimals, so both engines compute it from the same two numbers with the same IEEE
operation. A difference is a portability bug to fix in SQL, not a tolerance to widen.
"""

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.store.lake import schema_tables
from tests.dbt.conftest import APPAREL_MARTS

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
