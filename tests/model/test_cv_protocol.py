"""The cross-validated protocol: tunes and compares candidates on development rows only."""

import numpy as np
import polars as pl
import pytest

from scoring.model.cv_protocol import cross_validated_protocol, duplicate_groups
from scoring.model.dataset import FeatureSpec, Rows
from scoring.model.splits import client_split
from scoring.tasks import CvSearch, ModelChoice

CHOICE = ModelChoice(candidates=("logistic_regression", "decision_tree"))
SEARCH = CvSearch(n_iter=2, folds=3, n_jobs=1)
SPEC = FeatureSpec(("signal", "noise"), ("colour",))


def _rows(n: int = 400, seed: int = 0, ids=None) -> Rows:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    features = pl.DataFrame(
        {
            "signal": signal.astype(np.float32),
            "noise": rng.normal(size=n).astype(np.float32),
            "colour": rng.choice(["red", "blue"], n),
        }
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * signal))).astype(np.int8)
    keys = pl.DataFrame({"client_id": np.arange(n) if ids is None else ids, "as_of_date": [None] * n})
    return Rows(keys.with_columns(is_provided=pl.lit(True)), features, y)


def _split(rows: Rows):
    return client_split(rows.keys, rows.y, np.ones(len(rows), bool), 0.2, 0.2, seed=0)


def test_every_candidate_is_scored_and_the_best_out_of_fold_score_is_chosen():
    rows = _rows()
    fitted = cross_validated_protocol(rows, _split(rows), SPEC, CHOICE, SEARCH, seed=0)
    result = fitted.result
    assert {c.name for c in result.candidates} == {"logistic_regression", "decision_tree"}
    assert result.chosen == max(result.candidates, key=lambda c: c.valid_score).name
    assert result.candidate(result.chosen).valid_score > 0.8  # the signal is strong
    assert set(fitted.pipelines) == {"logistic_regression", "decision_tree"}


def test_the_search_never_sees_the_test_clients():
    rows = _rows()
    split = _split(rows)
    result = cross_validated_protocol(rows, split, SPEC, CHOICE, SEARCH, seed=0).result
    assert result.sizes["train"]["rows"] == len(split.train) + len(split.valid)
    assert result.sizes["test"]["rows"] == len(split.test)
    assert result.candidate(result.chosen).valid.n == len(split.train) + len(split.valid)
    assert set(result.test_client_ids).isdisjoint(rows.keys["client_id"].to_numpy()[split.train])


def test_several_rows_of_one_client_are_rejected_with_what_to_do():
    rows = _rows(ids=np.repeat(np.arange(200), 2))
    with pytest.raises(ValueError, match=r"one labelled row per client.*cv_search=None"):
        cross_validated_protocol(rows, _split(rows), SPEC, CHOICE, SEARCH, seed=0)


def test_identical_feature_rows_share_a_group_and_others_do_not():
    frame = pl.DataFrame({"a": [1.0, 2.0, 1.0, 3.0], "b": ["x", "y", "x", "x"]})
    groups = duplicate_groups(frame)
    assert groups[0] == groups[2]
    assert len(set(groups)) == 3
