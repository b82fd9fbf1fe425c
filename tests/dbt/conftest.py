"""Helpers for the dbt project's tests. The warehouses they read are the session builds of tests/conftest.py
(tiny_build, daily_build, one_click_build, ...); `build` and `query` live in tests/warehouses.py."""

import json
import shutil
from pathlib import Path

from tests.warehouses import build, query

__all__ = ["APPAREL_MARTS", "MARTS", "assert_documented", "build", "copy_task", "query"]

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
