"""One monitored history of the tiny generated apparel data, built once per session and copied by the tests
that change it: a build as of a past date and a run scoring it, then the normal build, a run at the last
day and a rescore of its model on the same data."""

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from scoring.build.full_build import build_features
from scoring.generate import calendar
from scoring.run.rescore import rescore
from scoring.run.result import RunResult
from scoring.run.train import train_and_score
from scoring.settings import Settings
from scoring.tasks import TASKS, FeatureSelection, SearchBudget
from tests.warehouses import at_scratch

# The purchase task (same name: apparel_realised_labels follows its runs) with the smallest budgets.
QUICK_PURCHASE = dataclasses.replace(
    TASKS["purchase_90d"],
    choice=dataclasses.replace(
        TASKS["purchase_90d"].choice, candidates=("baseline", "xgboost"), se_factor=0.0
    ),
    search=SearchBudget(seconds=30, max_trials=1, max_rounds=40, early_stopping_rounds=5),
    out_of_time_search=SearchBudget(seconds=30, max_trials=1, max_rounds=20, early_stopping_rounds=5),
    selection=FeatureSelection(sizes=()),
    validation=dataclasses.replace(TASKS["purchase_90d"].validation, cv_folds=2),
    shap_sample_rows=100,
)
HORIZON = timedelta(days=calendar.TARGET_DAYS)


@dataclass(frozen=True)
class History:
    data_dir: Path  # the generated files (apparel only)
    settings: Settings  # the warehouse after the normal build and the runs below
    past_date: date  # the data's last day - the horizon: the past run's window ends on the last day
    past: RunResult  # scored as of past_date, on a build as of past_date
    trained: RunResult  # scored as of the last day, on the normal build
    rescored: RunResult  # the trained model on the same data, without training
    past_build_labels: pl.DataFrame  # as_of_date, label_source, rows of apparel_labels in the past build
    build_problems: list[str]  # the data-health warnings of the normal build

    def copy(self, root: Path) -> Settings:
        """These settings on a copy of the warehouse (models and the data stay shared, read-only)."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.settings.warehouse, root / "warehouse.duckdb")
        return dataclasses.replace(
            self.settings, warehouse=root / "warehouse.duckdb", reports_dir=root / "reports"
        )


def build(settings: Settings, as_of: date | None = None) -> list[str]:
    """build_features on the settings' warehouse, run at the test process's scratch path (at_scratch)."""
    with at_scratch(settings.warehouse) as (warehouse, target):
        return build_features(
            dataclasses.replace(settings, warehouse=warehouse, as_of=as_of), target_path=target
        )


def query(warehouse: Path, sql: str, params=None) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql, params=params).pl()


@pytest.fixture(scope="session")
def quick_purchase():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TASKS, "purchase_90d", QUICK_PURCHASE)
        yield QUICK_PURCHASE


@pytest.fixture(scope="session")
def history(apparel_tiny: Path, quick_purchase, tmp_path_factory) -> History:
    """About a minute and a half: two builds, two training runs and a rescore on the tiny data."""
    root = tmp_path_factory.mktemp("monitored")
    data_dir = root / "data"
    shutil.copytree(apparel_tiny, data_dir / "apparel", ignore=shutil.ignore_patterns("_truth"))
    settings = Settings(
        data_dir=data_dir, warehouse=root / "warehouse.duckdb", models_dir=root / "models",
        reports_dir=root / "reports", seed=7,
    )  # fmt: skip
    last_day = pl.read_csv(data_dir / "apparel" / "apparel-purchases.csv", try_parse_dates=True)["date"].max()
    past_date = last_day - HORIZON
    build(settings, as_of=past_date)
    labels = query(
        settings.warehouse,
        "select as_of_date, label_source, count(*) as rows from main_marts.apparel_labels group by all",
    )
    past = train_and_score(dataclasses.replace(settings, as_of=past_date), quick_purchase, top_k=2)
    problems = build(settings)
    trained = train_and_score(settings, quick_purchase, top_k=2)
    rescored = rescore(settings, trained.model_run_id, top_k=2)
    return History(data_dir, settings, past_date, past, trained, rescored, labels, problems)
