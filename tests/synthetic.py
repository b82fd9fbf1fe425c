"""Small synthetic marts shaped like the dbt ones and a task that reads them, for the model, store and run
tests (their shared job run is the fixture `job_runs` in tests/conftest.py)."""

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from scoring.settings import Settings
from scoring.store.warehouse import connect
from scoring.tasks import FeatureSelection, MartColumns, ModelChoice, SearchBudget, Task

CUTOFFS = (date(2024, 2, 16), date(2023, 11, 18), date(2023, 8, 20), date(2023, 5, 22))

TEST_TASK = Task(
    name="purchase_test",
    feature_mart="marts.client_features",
    training_mart="marts.training_set",
    columns=MartColumns(
        non_features=("cutoff_index", "is_latest_cutoff"), target_population="has_purchase_history"
    ),
    choice=ModelChoice(
        baseline_features=("days_since_last_purchase", "count_purchase_days_lifetime"),
        # 900 clients cannot tell the trees from the linear model beyond noise, so the default one-SE
        # rule would (rightly) choose the simpler one; the job tests need the trees path, the rule has
        # its own tests
        se_factor=0.0,
        knn_max_rows=1_000,
    ),
    search=SearchBudget(seconds=120, max_trials=2, max_rounds=60, early_stopping_rounds=10),
    out_of_time_search=SearchBudget(seconds=120, max_trials=1, max_rounds=40, early_stopping_rounds=10),
    selection=FeatureSelection(sizes=(4,), tolerance=0.05),
    shap_sample_rows=200,
)


def _cutoff_rows(latent: np.ndarray, ids: np.ndarray, cutoff_index: int, rng) -> pl.DataFrame:
    n = len(ids)
    bought = rng.random(n) < 0.85
    recency = np.where(bought, rng.exponential(120 * np.exp(-latent / 2)), np.nan)
    return pl.DataFrame(
        {
            "client_id": ids,
            "as_of_date": [CUTOFFS[cutoff_index]] * n,
            "cutoff_index": np.full(n, cutoff_index, dtype=np.int32),
            "is_latest_cutoff": np.full(n, cutoff_index == 0),
            "has_purchase_history": bought,
            "days_since_last_purchase": recency,
            "count_purchase_days_lifetime": np.where(bought, 1 + rng.poisson(np.exp(latent / 2)), 0).astype(
                np.int32
            ),
            "count_clicks_30d": rng.poisson(np.exp(latent / 3), n).astype(np.int32),
            "sum_revenue_365d": np.where(bought, rng.lognormal(7 + latent / 4, 1.0), 0.0),
            "noise_a": rng.normal(size=n),
            "noise_b": rng.integers(0, 5, n).astype(np.int32),
            "segment": rng.choice(["loyal", "new", ""], n),
        },
        schema_overrides={"segment": pl.String},
    ).with_columns(pl.col("days_since_last_purchase").fill_nan(None), pl.col("segment").replace("", None))


def _labels(frame: pl.DataFrame, latent: np.ndarray, rng) -> np.ndarray:
    recency = frame["days_since_last_purchase"].fill_null(400).to_numpy()
    loyal = (frame["segment"] == "loyal").fill_null(False).to_numpy()
    # a threshold interaction that trees find and linear models miss
    burst = (frame["noise_b"].to_numpy() >= 3) & (frame["count_clicks_30d"].to_numpy() >= 2)
    logit = -2.5 + latent - recency / 150 + 0.5 * loyal + 2.5 * burst
    return (rng.random(frame.height) < 1 / (1 + np.exp(-logit))).astype(np.int32)


def synthetic_marts(n_clients: int = 900, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(feature mart, training mart): every client at every cutoff; derived labels at past cutoffs, the
    provided label at the latest one for the clients who bought (others unlabelled there)."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(np.arange(10**18, 10**18 + 10**7), n_clients, replace=False)).astype(np.int64)
    latent = rng.normal(size=n_clients)
    is_new = rng.random(n_clients) < 0.1  # first seen after the past cutoffs: no derived label
    features, training = [], []
    for index in range(len(CUTOFFS)):
        present = np.ones(n_clients, dtype=bool) if index == 0 else ~is_new
        rows = _cutoff_rows(latent[present], ids[present], index, rng)
        label = pl.Series("label", _labels(rows, latent[present], rng), dtype=pl.Int32)
        source = "provided" if index == 0 else "derived"
        labelled = rows["has_purchase_history"] if index == 0 else pl.Series([True] * rows.height)
        training.append(
            rows.with_columns(
                label=pl.when(labelled).then(label).otherwise(None),
                label_source=pl.when(labelled).then(pl.lit(source)).otherwise(None),
            )
        )
        features.append(rows)
    return pl.concat(features), pl.concat(training)


def write_marts(warehouse: Path, features: pl.DataFrame, training: pl.DataFrame) -> None:
    with connect(warehouse) as con:
        con.execute("create schema if not exists marts")
        for name, frame in (("client_features", features), ("training_set", training)):
            con.register("frame", frame.to_arrow())
            con.execute(f"create or replace table marts.{name} as select * from frame")
            con.unregister("frame")


def make_settings(root: Path, seed: int = 42) -> Settings:
    return Settings(
        warehouse=root / "warehouse.duckdb",
        models_dir=root / "models",
        reports_dir=root / "reports",
        seed=seed,
    )


def read(settings: Settings, query: str, params=None) -> pl.DataFrame:
    with connect(settings.warehouse, read_only=True) as con:
        return con.sql(query, params=params).pl()
