"""From mart frames to estimator inputs."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from scoring.model.dataset import Rows, StreamingFingerprint, feature_spec, fingerprint, labelled_rows
from tests.synthetic import TEST_TASK, synthetic_marts


def test_feature_spec_leaves_out_keys_labels_and_non_features():
    _, training = synthetic_marts(50)
    spec = feature_spec(TEST_TASK.columns, training.schema, TEST_TASK.training_mart)
    assert not {"client_id", "as_of_date", "label", "label_source", "cutoff_index"} & set(spec.columns)
    assert spec.categorical == ("segment",)
    assert "has_purchase_history" in spec.numeric  # booleans are numeric


def test_missing_baseline_column_names_the_relation_and_the_fix():
    _, training = synthetic_marts(50)
    with pytest.raises(
        ValueError, match=r"marts.training_set has no column count_purchase_days_lifetime.*tasks.py"
    ):
        schema = training.drop("count_purchase_days_lifetime").schema
        feature_spec(TEST_TASK.columns, schema, "marts.training_set", ("count_purchase_days_lifetime",))


def test_labelled_rows_keep_only_rows_with_a_label_and_flag_the_provided_ones():
    _, training = synthetic_marts(50)
    spec = feature_spec(TEST_TASK.columns, training.schema, TEST_TASK.training_mart)
    rows = labelled_rows(training, TEST_TASK.columns, spec, TEST_TASK.training_mart)
    assert len(rows) == training.filter(pl.col("label").is_not_null()).height
    assert rows.keys["is_provided"].sum() == training.filter(pl.col("label_source") == "provided").height
    assert rows.features.schema["noise_b"] == pl.Float32


def _fingerprint_rows(a=(1.5, None, 2.0), labels=(0, 1, 0)) -> Rows:
    keys = pl.DataFrame(
        {"client_id": [1, 2, 3], "as_of_date": [date(2024, 2, 16)] * 3, "is_provided": [True, False, True]}
    )
    features = pl.DataFrame(
        {"a": list(a), "segment": ["loyal", None, "new"]}, schema={"a": pl.Float32, "segment": pl.String}
    )
    return Rows(keys, features, np.array(labels, dtype=np.int8))


def test_fingerprint_is_a_pinned_value_that_no_library_upgrade_may_move():
    # the hash is of plain little-endian bytes; if this value changes, old runs no longer match new ones
    assert fingerprint(_fingerprint_rows()) == "c3afc464534632b0fdfa34df289185fc"


def test_fingerprint_moves_with_a_value_a_null_or_a_label():
    base = fingerprint(_fingerprint_rows())
    assert fingerprint(_fingerprint_rows(a=(1.5, None, 2.5))) != base
    assert fingerprint(_fingerprint_rows(a=(1.5, 0.0, 2.0))) != base  # a null is not a zero
    assert fingerprint(_fingerprint_rows(labels=(1, 1, 0))) != base


@pytest.mark.parametrize("batch_rows", [1, 2, 5, 7, 1000])
def test_fingerprint_of_batches_equals_the_fingerprint_of_all_rows_at_once(batch_rows):
    n = 23
    rng = np.random.default_rng(3)
    keys = pl.DataFrame({"client_id": np.arange(n), "as_of_date": [date(2024, 2, 16)] * n})
    features = pl.DataFrame(
        {
            "a": pl.Series(rng.normal(size=n), dtype=pl.Float32).scatter([0, 9, 17], None),
            "flag": pl.Series(rng.random(n) < 0.5).scatter([3], None),
            "segment": pl.Series(rng.choice(["loyal", "new", "ы"], n)).scatter([8, 9, 22], None),
        }
    )
    rows = Rows(keys, features)
    stream = StreamingFingerprint()
    for start in range(0, n, batch_rows):
        stream.add(rows.take(np.arange(start, min(start + batch_rows, n))))
    assert stream.hexdigest() == fingerprint(rows)
