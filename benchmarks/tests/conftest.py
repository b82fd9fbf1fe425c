"""Fixtures for the benchmark's tests: a small data set with the optional campaign file, built by dbt once."""

import shutil
from pathlib import Path

import pytest

from scoring.build.full_build import build_features
from scoring.settings import Settings
from tests import conftest as product_fixtures
from tests.daily_events import write_daily_events

apparel_tiny = product_fixtures.apparel_tiny  # the product tests' fixture, for the tests under benchmarks/


@pytest.fixture(scope="session")
def apparel_with_daily_events(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The tiny generated apparel data plus the optional daily campaign aggregates."""
    target = tmp_path_factory.mktemp("bench_data") / "apparel"
    shutil.copytree(apparel_tiny, target, ignore=shutil.ignore_patterns("_truth"))
    write_daily_events(target)
    return target


@pytest.fixture(scope="session")
def mart_warehouse(apparel_with_daily_events: Path, tmp_path_factory) -> Path:
    """The feature store built by dbt (default cutoff and spine, every test) from that data."""
    work_dir = tmp_path_factory.mktemp("bench_build")
    warehouse = work_dir / "warehouse.duckdb"
    settings = Settings(data_dir=apparel_with_daily_events.parent, warehouse=warehouse)
    build_features(settings, target_path=work_dir / "target")
    return warehouse
