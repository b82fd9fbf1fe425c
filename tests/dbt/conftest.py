"""Fixtures for the dbt project: warehouses built from small generated data, and helpers to read them."""

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from scoring.features import build_features
from scoring.settings import Settings

MARTS = "main_marts"


def build(data_dir: Path, work_dir: Path, as_of: str | None = None) -> Path:
    """Build the feature store for `data_dir` into `work_dir`/warehouse.duckdb and return its path."""
    warehouse = work_dir / "warehouse.duckdb"
    settings = Settings(data_dir=data_dir, warehouse=warehouse, as_of=as_of)
    build_features(settings, target_path=work_dir / "target")
    return warehouse


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Run one query on a warehouse through a short read-only connection."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def copy_task(source_dir: Path, data_dir: Path) -> Path:
    """Copy an apparel folder (files only) to data_dir/apparel and return that folder."""
    target = data_dir / "apparel"
    target.mkdir(parents=True)
    for path in source_dir.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def tiny_build(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The feature store built from the tiny generated apparel data (default cutoff and spine)."""
    work_dir = tmp_path_factory.mktemp("tiny_build")
    return build(apparel_tiny.parent, work_dir)
