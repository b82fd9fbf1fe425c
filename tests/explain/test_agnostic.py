"""Permutation SHAP for models without an exact explainer: additive, seeded, zero for unused features."""

import numpy as np
import polars as pl
import pytest
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from scoring.explain.agnostic import affordable, permutation_contributions
from scoring.explain.contributions import contributions
from scoring.model.candidates import linear_preprocessor, tree_preprocessor
from scoring.model.cv_spaces import MarginSVC
from scoring.model.dataset import FeatureSpec

SPEC = FeatureSpec(("a", "b", "unused"), ("colour",))


def _data(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pl.DataFrame(
        {
            "a": rng.normal(size=n).astype(np.float32),
            "b": rng.normal(size=n).astype(np.float32),
            "unused": rng.normal(size=n).astype(np.float32),
            "colour": rng.choice(["red", "blue", "green"], n),
        }
    )
    logit = 2 * X["a"].to_numpy() - X["b"].to_numpy() + (X["colour"] == "red").to_numpy()
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def _log_odds(pipeline, X):
    p = np.clip(pipeline.predict_proba(X)[:, 1], 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def test_values_add_up_to_each_rows_log_odds_minus_a_common_baseline():
    X, y = _data()
    svc = Pipeline([("prep", linear_preprocessor(SPEC)), ("model", MarginSVC(random_state=0))]).fit(X, y)
    values = permutation_contributions(svc, X, SPEC, seed=1)
    baseline = _log_odds(svc, X) - values.sum(axis=1)
    assert values.shape == (len(X), 4)
    assert np.ptp(baseline) == pytest.approx(0, abs=1e-9)


def test_a_feature_the_model_never_uses_gets_zero():
    X, y = _data()
    tree = Pipeline(
        [("prep", tree_preprocessor(SPEC)), ("model", DecisionTreeClassifier(max_depth=3, random_state=0))]
    )
    tree.fit(X.with_columns(unused=pl.lit(0.0, dtype=pl.Float32)), y)  # a constant: never split on
    values, names = contributions(tree, X, SPEC)
    assert names == SPEC.columns
    assert np.abs(values[:, 2]).max() == 0
    assert np.abs(values[:, 0]).mean() > np.abs(values[:, 1]).mean()  # a matters most, as in the labels


def test_same_seed_same_values():
    X, y = _data(120)
    svc = Pipeline([("prep", linear_preprocessor(SPEC)), ("model", MarginSVC(random_state=0))]).fit(X, y)
    first = permutation_contributions(svc, X, SPEC, seed=3)
    assert np.array_equal(first, permutation_contributions(svc, X, SPEC, seed=3))


def test_large_inputs_are_not_explained_model_agnostically():
    assert affordable(1_300, 16)
    assert not affordable(50_000, 150)
    assert not affordable(1_000, 246)  # the apparel mart at SCALE=0.02: six minutes for a KNN
