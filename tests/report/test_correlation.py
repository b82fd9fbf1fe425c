"""The mixed-type correlation matrix: phik where it imports, Spearman with coded categories where not."""

import sys

import numpy as np
import polars as pl
import pytest

from scoring.report.correlation import mixed_correlation, sample_rows
from tests.report.fakes import development_data

FEATURES = ["recency_days", "count_purchases_90d", "channel", "is_subscribed", "noise", "constant"]


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    data, _ = development_data(1500, seed=5)
    return data.with_columns(constant=pl.lit(1.0))


def test_phik_matrix_covers_numeric_and_categorical_columns_and_the_label(frame):
    corr = mixed_correlation(frame, FEATURES, "label", n_rows=1000, seed=1)
    assert corr.method == "phik" and corr.n_rows == 1000
    assert corr.names == ("recency_days", "count_purchases_90d", "channel", "is_subscribed", "noise", "label")
    assert corr.constant == ("constant",)
    assert np.allclose(corr.matrix, corr.matrix.T, equal_nan=True) and np.allclose(np.diag(corr.matrix), 1)
    label = dict(zip(corr.names, corr.matrix[-1], strict=True))
    assert label["recency_days"] > label["noise"]


def test_without_phik_falls_back_to_spearman_with_coded_categories(frame, monkeypatch):
    monkeypatch.setitem(sys.modules, "phik", None)  # makes `import phik` fail as if not installed
    corr = mixed_correlation(frame, FEATURES, "label", n_rows=1000, seed=1)
    assert corr.method == "spearman"
    label = dict(zip(corr.names, corr.matrix[-1], strict=True))
    assert label["recency_days"] < -0.1 and label["channel"] > 0.05 and abs(label["noise"]) < 0.1


def test_sample_rows_is_seeded_and_keeps_row_order(frame):
    first, second = sample_rows(frame, 100, seed=3), sample_rows(frame, 100, seed=3)
    assert first.equals(second) and first.height == 100
    assert first["client_id"].is_sorted()
