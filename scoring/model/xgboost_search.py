"""XGBoost hyperparameter search: a fixed number of seeded random trials, early stopping on validation rows.

The training matrix is quantised once and shared by every trial. The trial sequence depends on the seed
only and the search runs all of it, so the same seed gives the same model. The budget's seconds are only a
safety stop: a search cut short by the clock (between trials, or inside one, which then keeps its best
round so far) says so in stopped_by='time'.
"""

import time
from dataclasses import dataclass

import numpy as np
import xgboost as xgb
from tqdm.auto import tqdm

from scoring.model.candidates import BoostedTrees
from scoring.tasks import SearchBudget

_EVAL_METRIC = {"roc_auc": "auc", "average_precision": "aucpr"}


@dataclass(frozen=True)
class Trial:
    """One set of hyperparameters, its best number of rounds and its validation score there."""

    params: dict
    n_rounds: int
    score: float
    seconds: float


@dataclass(frozen=True)
class SearchResult:
    """All trials, the best one, and what stopped the search ('trials' or 'time')."""

    best: Trial
    trials: tuple[Trial, ...]
    stopped_by: str
    seconds: float


def default_params(seed: int) -> dict:
    """The first trial: a sound default, so even a one-trial search gives a good model."""
    return {
        "learning_rate": 0.08,
        "max_depth": 4,
        "min_child_weight": 5.0,
        "subsample": 0.8,
        "colsample_bytree": 0.5,
        "reg_lambda": 1.0,
        "scale_pos_weight": 1.0,
        "random_state": seed,
    }


def sample_params(rng: np.random.Generator, positive_ratio: float, seed: int) -> dict:
    """A random trial. Depth stays at most 5 so exact TreeSHAP for every client stays fast."""
    return {
        "learning_rate": float(np.exp(rng.uniform(np.log(0.03), np.log(0.15)))),
        "max_depth": int(rng.integers(3, 6)),
        "min_child_weight": float(np.exp(rng.uniform(np.log(1.0), np.log(50.0)))),
        "subsample": float(rng.uniform(0.6, 1.0)),
        "colsample_bytree": float(rng.uniform(0.3, 0.9)),
        "reg_lambda": float(np.exp(rng.uniform(np.log(0.5), np.log(20.0)))),
        # weights, not resampling: none, or the square root of the class ratio
        "scale_pos_weight": float(rng.choice([1.0, np.sqrt(positive_ratio)])),
        "random_state": seed,
    }


def trial_params(budget: SearchBudget, y_train: np.ndarray, seed: int) -> list[dict]:
    """The whole trial sequence, fixed by the seed before any trial runs."""
    rng = np.random.default_rng(seed)
    positive_ratio = max(1.0, (len(y_train) - y_train.sum()) / max(1, y_train.sum()))
    return [default_params(seed)] + [
        sample_params(rng, positive_ratio, seed) for _ in range(budget.max_trials - 1)
    ]


class _Deadline(xgb.callback.TrainingCallback):
    """Stops boosting at a wall-clock deadline (the trial keeps its best round so far)."""

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline
        self.hit = False

    def after_iteration(self, model, epoch: int, evals_log) -> bool:
        self.hit = time.perf_counter() > self.deadline
        return self.hit


def _train_trial(
    params: dict,
    train: xgb.DMatrix,
    valid: xgb.DMatrix,
    budget: SearchBudget,
    metric: str,
    deadline: float = float("inf"),
):
    model = BoostedTrees(**params)
    xgb_params = {**model.xgb_params(), "eval_metric": _EVAL_METRIC[metric]}
    clock, history = _Deadline(deadline), {}
    booster = xgb.train(
        xgb_params,
        train,
        num_boost_round=budget.max_rounds,
        evals=[(valid, "valid")],
        early_stopping_rounds=budget.early_stopping_rounds,
        verbose_eval=False,
        callbacks=[clock],
        evals_result=history,
    )
    scores = history["valid"][xgb_params["eval_metric"]]
    best = int(np.argmax(scores))  # the first best round, as early stopping keeps it
    return booster[: best + 1], best + 1, float(scores[best]), clock.hit


def search_xgboost(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_valid: np.ndarray,
    y_valid: np.ndarray,
    budget: SearchBudget,
    metric: str,
    seed: int,
    desc: str = "xgboost search",
) -> tuple[SearchResult, BoostedTrees]:
    """Random search with early stopping; returns the trials and the best model, fitted on X_train.

    Runs budget.max_trials trials unless budget.seconds (a safety stop) runs out first.
    """
    if metric not in _EVAL_METRIC:
        raise ValueError(
            f"Unknown metric {metric!r}: use one of {', '.join(_EVAL_METRIC)} in scoring/tasks.py"
        )
    start = time.perf_counter()
    train = xgb.QuantileDMatrix(X_train, label=y_train, max_bin=256, nthread=2)
    valid = xgb.DMatrix(X_valid, label=y_valid, nthread=2)
    trials, best_booster, stopped_by = [], None, "trials"
    for params in tqdm(trial_params(budget, y_train, seed), desc=desc, unit="trial", leave=False):
        if trials and time.perf_counter() - start > budget.seconds:  # the safety stop only
            stopped_by = "time"
            break
        trial_start = time.perf_counter()
        deadline = start + budget.seconds
        booster, n_rounds, score, cut = _train_trial(params, train, valid, budget, metric, deadline)
        trials.append(Trial(params, n_rounds, score, time.perf_counter() - trial_start))
        if best_booster is None or score > max(t.score for t in trials[:-1]):
            best_booster = booster
        if cut:  # the clock ran out inside this trial
            stopped_by = "time"
            break
    best = max(trials, key=lambda t: t.score)
    model = BoostedTrees.from_booster(
        best_booster, X_train.shape[1], n_estimators=best.n_rounds, **best.params
    )
    result = SearchResult(best, tuple(trials), stopped_by, time.perf_counter() - start)
    return result, model


def fit_early_stopped(
    params: dict,
    X_train,
    y_train,
    X_valid,
    y_valid,
    budget: SearchBudget,
    metric: str,
    deadline: float = float("inf"),
) -> tuple[BoostedTrees, float, bool]:
    """One set of hyperparameters fitted with early stopping on validation rows: the model, its score
    there, and whether the wall-clock deadline (time.perf_counter()) cut it short."""
    train = xgb.QuantileDMatrix(X_train, label=y_train, max_bin=256, nthread=2)
    valid = xgb.DMatrix(X_valid, label=y_valid, nthread=2)
    booster, n_rounds, score, cut = _train_trial(params, train, valid, budget, metric, deadline)
    model = BoostedTrees.from_booster(booster, X_train.shape[1], n_estimators=n_rounds, **params)
    return model, score, cut
