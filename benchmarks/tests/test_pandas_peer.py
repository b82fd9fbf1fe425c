"""The pandas peer computes the same features as the dbt mart apparel_features, column by column."""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from benchmarks.pandas_features import Params
from benchmarks.pandas_peer import features_from_files, main
from scoring.build.dbt import DBT_PROJECT_DIR

SPINE_COLUMNS = ["cutoff_index", "is_latest_cutoff"]  # the mart's spine metadata, not features


def mart_at(warehouse: Path, cutoff_index: int) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select * exclude ({', '.join(SPINE_COLUMNS)}) from main_marts.apparel_features "
            f"where cutoff_index = {cutoff_index} order by client_id"
        ).df()


def mismatched_columns(mart: pd.DataFrame, peer: pd.DataFrame) -> list[str]:
    """Columns whose values differ: numbers beyond float rounding (nulls must match), others exactly."""
    mismatched = []
    for name in mart.columns:
        expected, actual = mart[name], peer[name]
        if pd.api.types.is_numeric_dtype(expected) and not pd.api.types.is_bool_dtype(expected):
            same = np.allclose(
                expected.astype("float64").to_numpy(),
                actual.astype("float64").to_numpy(),
                rtol=1e-9,
                atol=1e-12,
                equal_nan=True,
            )
        else:
            same = (expected.astype(str).to_numpy() == actual.astype(str).to_numpy()).all()
        if not same:
            mismatched.append(name)
    return mismatched


def assert_same_features(mart: pd.DataFrame, peer: pd.DataFrame) -> None:
    assert list(peer.columns) == list(mart.columns)
    peer = peer.sort_values("client_id").reset_index(drop=True)
    assert peer["client_id"].tolist() == mart["client_id"].tolist()
    assert (peer["as_of_date"].astype(str) == mart["as_of_date"].astype(str)).all()
    assert mismatched_columns(mart, peer) == []


@pytest.mark.slow
def test_pandas_peer_computes_every_mart_feature_at_the_latest_cutoff(daily_build, apparel_daily):
    mart = mart_at(daily_build, 0)
    peer = features_from_files(apparel_daily)
    assert_same_features(mart, peer)
    # The optional campaign file was used, so the base-wide rates are compared on real values.
    assert peer["mean_campaign_base_open_rate_lifetime"].notna().sum() > 0


@pytest.mark.slow
def test_pandas_peer_matches_the_mart_at_the_oldest_past_cutoff_too(daily_build, apparel_daily):
    mart = mart_at(daily_build, 4)
    peer = features_from_files(apparel_daily, as_of=str(mart["as_of_date"].iloc[0])[:10])
    assert_same_features(mart, peer)


def test_peer_parameters_are_the_dbt_project_vars():
    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    params = Params()
    assert list(params.windows) == variables["feature_windows_days"]
    assert params.trend == variables["trend_window_days"]
    assert params.maturity == variables["campaign_rate_maturity_days"]
    assert params.recent == variables["campaign_recent_window_days"]
    assert list(params.top_category_ids) == variables["apparel_top_category_ids"]


def test_peer_command_writes_one_row_per_client(apparel_tiny, tmp_path):
    out = tmp_path / "features.parquet"
    main([str(apparel_tiny), "--out", str(out)])
    features = pd.read_parquet(out)
    assert features["client_id"].is_unique
    assert len(features) > 100
    assert features["as_of_date"].nunique() == 1
