"""Metrics of a probability score."""

import numpy as np
import pytest

from scoring.model.metrics import (
    calibration_table,
    evaluate,
    expected_calibration_error,
    lift_and_capture,
    score,
)


def test_lift_and_capture_count_the_positives_in_the_top_fractions():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1] * 10)  # 30 % positives
    p = np.linspace(1, 0, 100)  # the first rows rank highest
    lift, capture = lift_and_capture(y, p)
    assert capture["top_1pct"] == pytest.approx(1 / 30)
    assert lift["top_1pct"] == pytest.approx(1 / 0.3)
    assert capture["top_20pct"] == pytest.approx(6 / 30)


def test_calibration_table_bins_every_row_once_in_order_of_prediction():
    rng = np.random.default_rng(0)
    p = rng.random(1000)
    table = calibration_table((rng.random(1000) < p).astype(int), p, n_bins=10)
    assert sum(b.n for b in table) == 1000
    assert [b.mean_predicted for b in table] == sorted(b.mean_predicted for b in table)


def test_expected_calibration_error_is_small_for_calibrated_and_large_for_shifted_scores():
    rng = np.random.default_rng(1)
    p = rng.beta(1, 20, 200_000)
    y = (rng.random(len(p)) < p).astype(int)
    assert evaluate(y, p).ece < 0.002
    assert expected_calibration_error(calibration_table(y, p * 2)) > 0.03


def test_auc_is_nan_rather_than_an_error_with_one_class():
    metrics = evaluate(np.zeros(10, dtype=int), np.linspace(0, 1, 10))
    assert np.isnan(metrics.roc_auc) and np.isnan(metrics.average_precision)


def test_unknown_selection_metric_names_the_known_ones():
    with pytest.raises(ValueError, match="roc_auc"):
        score("accuracy", np.array([0, 1]), np.array([0.2, 0.8]))


def test_metrics_serialise_to_plain_json_values():
    metrics = evaluate(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.3, 0.6]))
    data = metrics.as_dict()
    assert data["roc_auc"] == 1.0 and isinstance(data["calibration_table"][0], dict)
