"""Spark tests: small files built once by both engines (DuckDB in-process, Spark as `make build-features
TARGET=spark` runs it), shared by the comparison and handoff tests.

They need a Java runtime (pyspark itself is installed with the project): without one they skip, except in
CI, where a skip would hide that the Spark build is no longer checked."""

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

from scoring.generate.apparel_write import generate_apparel
from tests.warehouses import build


def run_python(code: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Python code in its own process, so the JVM and its memory go away with it."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def pytest_collection_modifyitems(items):
    if shutil.which("java") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="no java on PATH: pyspark 4 needs Java 17 or 21 (see the README)")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir(one_click_tiny: Path, tmp_path_factory) -> Path:
    """Both tasks at a small scale (the one-click files are the session's), the apparel files in all three
    formats the readers accept."""
    data_dir = tmp_path_factory.mktemp("spark_data")
    apparel = data_dir / "apparel"
    generate_apparel(apparel, scale=0.01, seed=5)
    shutil.copytree(one_click_tiny / "one_click", data_dir / "one_click")
    purchases = apparel / "apparel-purchases.csv"
    with purchases.open("rb") as plain, gzip.open(apparel / "apparel-purchases.csv.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    purchases.unlink()
    target = apparel / "apparel-target_binary.csv"
    pl.read_csv(target).write_parquet(apparel / "apparel-target_binary.parquet")
    target.unlink()
    return data_dir


@pytest.fixture(scope="session")
def as_of(data_dir: Path) -> str:
    """The last purchase day: the default cutoff, written out so that the one-click date (the build day when
    no AS_OF is given) cannot differ between two builds that straddle midnight."""
    with duckdb.connect() as con:
        last = con.sql(
            f"select max(date) from read_csv('{data_dir}/apparel/apparel-purchases.csv.gz', all_varchar=true)"
        ).fetchall()[0][0]
    return date.fromisoformat(last).isoformat()


@pytest.fixture(scope="session")
def duckdb_warehouse(data_dir: Path, as_of: str, tmp_path_factory) -> Path:
    return build(data_dir, tmp_path_factory.mktemp("duckdb_build"), as_of=as_of)


@pytest.fixture(scope="session")
def spark_warehouse(data_dir: Path, as_of: str, tmp_path_factory) -> Path:
    """`scoring build-features` with TARGET=spark, as `make build-features TARGET=spark` runs it, in its own
    process: the JVM and its memory go away with it."""
    work = tmp_path_factory.mktemp("spark_build")
    env = {
        "TARGET": "spark",
        "DATA_DIR": str(data_dir),
        "WAREHOUSE": str(work / "unused.duckdb"),
        "SPARK_WAREHOUSE": str(work / "spark-warehouse"),
        "AS_OF": as_of,
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    run = run_python("from scoring.cli import main; main()", ["build-features"], env)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-3000:]
    assert "ERROR=0" in run.stdout and "SKIP=0" in run.stdout, run.stdout[-3000:]
    return work / "spark-warehouse"
