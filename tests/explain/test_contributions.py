"""Explanations: exact TreeSHAP, the top reasons per client, importance."""

import numpy as np
import polars as pl

from scoring.explain.contributions import importance, top_reasons
from scoring.model.candidates import BoostedTrees


def test_tree_shap_values_add_up_to_the_model_margin():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4)).astype(np.float32)
    y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
    model = BoostedTrees(n_estimators=20, max_depth=3).fit(X, y)
    values = model.contributions(X)
    bias = model.decision_function(X) - values.sum(axis=1)
    assert values.shape == (500, 4)
    np.testing.assert_allclose(bias, bias[0], atol=1e-4)  # the same expected value for every row


def test_top_reasons_rank_by_absolute_value_and_carry_the_feature_values():
    values = np.array([[0.1, -0.5, 0.3], [0.0, 0.2, -0.1]])
    X = pl.DataFrame({"a": [1.0, 2.0], "b": [None, 5.0], "c": ["x", "y"]})
    reasons = top_reasons(values, X, ("a", "b", "c"), k=2)
    assert reasons.filter(pl.col("row") == 0)["feature"].to_list() == ["b", "c"]
    assert reasons.filter(pl.col("row") == 0)["feature_value"].to_list() == [None, "x"]
    assert reasons.filter(pl.col("row") == 1)["feature"].to_list() == ["b", "c"]
    assert reasons["rank"].to_list() == [1, 2, 1, 2]


def test_importance_is_the_mean_absolute_value_largest_first():
    frame = importance(np.array([[1.0, -3.0], [-1.0, 1.0]]), ("a", "b"))
    assert frame["feature"].to_list() == ["b", "a"]
    assert frame["mean_abs_shap"].to_list() == [2.0, 1.0]
    assert frame["rank"].to_list() == [1, 2]
