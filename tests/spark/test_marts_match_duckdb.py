"""The same dbt project builds on Spark, and its marts equal DuckDB's row by row and column by column.

Both engines build from the same small generated files; DuckDB's marts are read through DuckDB, Spark's
straight from the Parquet files it wrote (as the scoring job reads them), both into Polars. Values must be
equal exactly, floats included: every float in the marts is a ratio of two exact counts or decimal sums, a
cast of one, or a sum of decimals, so both engines compute it from the same two numbers with the same IEEE
operation. A difference is a portability bug to fix in SQL, not a tolerance to widen.
"""

import gzip
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.features import build_features
from scoring.generate.apparel_write import generate_apparel
from scoring.generate.one_click import generate_one_click
from scoring.lake import schema_tables
from scoring.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.spark]

MARTS = "main_marts"
KEYS = ("client_id", "as_of_date")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Both tasks at a small scale, the apparel files in all three formats the readers accept."""
    data_dir = tmp_path_factory.mktemp("spark_data")
    apparel = data_dir / "apparel"
    generate_apparel(apparel, scale=0.01, seed=5)
    generate_one_click(data_dir / "one_click", seed=5, n_clients=400, n_unlabelled=80)
    purchases = apparel / "apparel-purchases.csv"
    with purchases.open("rb") as plain, gzip.open(apparel / "apparel-purchases.csv.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    purchases.unlink()
    target = apparel / "apparel-target_binary.csv"
    pl.read_csv(target).write_parquet(apparel / "apparel-target_binary.parquet")
    target.unlink()
    return data_dir


@pytest.fixture(scope="module")
def as_of(data_dir: Path) -> str:
    """The last purchase day: the default cutoff, written out so that the one-click date (the build day when
    no AS_OF is given) cannot differ between two builds that straddle midnight."""
    with duckdb.connect() as con:
        last = con.sql(
            f"select max(date) from read_csv('{data_dir}/apparel/apparel-purchases.csv.gz', all_varchar=true)"
        ).fetchall()[0][0]
    return date.fromisoformat(last).isoformat()


@pytest.fixture(scope="module")
def duckdb_warehouse(data_dir: Path, as_of: str, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("duckdb_build")
    warehouse = work / "warehouse.duckdb"
    build_features(
        Settings(data_dir=data_dir, warehouse=warehouse, as_of=date.fromisoformat(as_of)),
        target_path=work / "target",
    )
    return warehouse


@pytest.fixture(scope="module")
def spark_warehouse(data_dir: Path, as_of: str, tmp_path_factory) -> Path:
    """`scoring build-features` with TARGET=spark, as `make build-features TARGET=spark` runs it, in its own
    process: the JVM and its memory go away with it."""
    work = tmp_path_factory.mktemp("spark_build")
    env = {
        **os.environ,
        "TARGET": "spark",
        "DATA_DIR": str(data_dir),
        "WAREHOUSE": str(work / "unused.duckdb"),
        "SPARK_WAREHOUSE": str(work / "spark-warehouse"),
        "AS_OF": as_of,
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    run = subprocess.run(
        [sys.executable, "-c", "from scoring.cli import main; main()", "build-features"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-3000:]
    assert "ERROR=0" in run.stdout and "SKIP=0" in run.stdout, run.stdout[-3000:]
    return work / "spark-warehouse"


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
    [
        "apparel_features",
        "apparel_features_purchases",
        "apparel_features_message_engagement",
        "apparel_features_subscriptions",
        "apparel_features_campaigns",
        "apparel_features_categories",
        "apparel_labels",
        "apparel_training_set",
        "one_click_features",
        "one_click_training_set",
    ],
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
