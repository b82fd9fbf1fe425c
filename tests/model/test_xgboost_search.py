"""The time-budgeted XGBoost search."""

import numpy as np

from scoring.model.xgboost_search import search_xgboost, trial_params
from scoring.tasks import SearchBudget


def _data(n: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, 0] + X[:, 1] * X[:, 2] - 2)))).astype(np.int8)
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


def test_trial_sequence_depends_on_the_seed_only():
    y = np.array([0, 1] * 50)
    budget = SearchBudget(max_trials=5)
    assert trial_params(budget, y, 7) == trial_params(budget, y, 7)
    assert trial_params(budget, y, 7) != trial_params(budget, y, 8)
    assert all(3 <= p["max_depth"] <= 5 for p in trial_params(budget, y, 7))


def test_search_stops_on_trials_and_returns_the_best_fitted_model():
    X_train, y_train, X_valid, y_valid = _data()
    budget = SearchBudget(seconds=300, max_trials=3, max_rounds=50, early_stopping_rounds=5)
    result, model = search_xgboost(X_train, y_train, X_valid, y_valid, budget, "roc_auc", seed=0)
    assert result.stopped_by == "trials" and len(result.trials) == 3
    assert result.best.score == max(t.score for t in result.trials)
    assert model.n_estimators == result.best.n_rounds == model.booster_.num_boosted_rounds()


def test_search_stops_on_time_after_the_first_trial():
    X_train, y_train, X_valid, y_valid = _data()
    budget = SearchBudget(seconds=0.0, max_trials=5, max_rounds=20, early_stopping_rounds=5)
    result, _ = search_xgboost(X_train, y_train, X_valid, y_valid, budget, "roc_auc", seed=0)
    assert result.stopped_by == "time" and len(result.trials) == 1
