"""Fixtures for the dbt project: warehouses built from small generated data, and helpers to read them."""

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from scoring.build.full_build import build_features
from scoring.settings import Settings

MARTS = "main_marts"
# Every apparel mart: what the equality tests (refresh against a full build, Spark against DuckDB) compare.
APPAREL_MARTS = (
    "apparel_features",
    "apparel_features_purchases",
    "apparel_features_message_engagement",
    "apparel_features_subscriptions",
    "apparel_features_campaigns",
    "apparel_features_categories",
    "apparel_labels",
    "apparel_training_set",
)


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


def assert_documented(warehouse: Path, tag: str) -> None:
    """Every model of the task `tag` has a description, and so has every column it has in the warehouse."""
    manifest = json.loads((warehouse.parent / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and tag in n["tags"]]
    assert models
    for node in models:
        assert node["description"].strip(), node["name"]
        in_warehouse = query(
            warehouse,
            "select column_name from information_schema.columns "
            f"where table_schema = '{node['schema']}' and table_name = '{node['name']}'",
        )["column_name"].to_list()
        assert in_warehouse, f"{node['name']} was not built"
        documented = {name: c["description"].strip() for name, c in node["columns"].items()}
        missing = [c for c in in_warehouse if not documented.get(c)]
        assert not missing, f"{node['name']}: undocumented columns {missing}"
        stale = sorted(set(documented) - set(in_warehouse))
        assert not stale, f"{node['name']}: documented columns that do not exist {stale}"


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
