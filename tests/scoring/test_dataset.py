"""From mart frames to estimator inputs."""

import polars as pl
import pytest

from scoring.dataset import feature_spec, labelled_rows
from tests.scoring.conftest import TEST_TASK, synthetic_marts


def test_feature_spec_leaves_out_keys_labels_and_non_features():
    _, training = synthetic_marts(50)
    spec = feature_spec(TEST_TASK, training.schema, TEST_TASK.training_mart)
    assert not {"client_id", "as_of_date", "label", "label_source", "cutoff_index"} & set(spec.columns)
    assert spec.categorical == ("segment",)
    assert "has_purchase_history" in spec.numeric  # booleans are numeric


def test_missing_baseline_column_names_the_relation_and_the_fix():
    _, training = synthetic_marts(50)
    with pytest.raises(
        ValueError, match=r"marts.training_set has no column count_purchase_days_lifetime.*tasks.py"
    ):
        feature_spec(TEST_TASK, training.drop("count_purchase_days_lifetime").schema, TEST_TASK.training_mart)


def test_labelled_rows_keep_only_rows_with_a_label_and_flag_the_provided_ones():
    _, training = synthetic_marts(50)
    spec = feature_spec(TEST_TASK, training.schema, TEST_TASK.training_mart)
    rows = labelled_rows(training, TEST_TASK, spec)
    assert len(rows) == training.filter(pl.col("label").is_not_null()).height
    assert rows.keys["is_provided"].sum() == training.filter(pl.col("label_source") == "provided").height
    assert rows.features.schema["noise_b"] == pl.Float32
