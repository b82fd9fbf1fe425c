"""Feature selection on validation rows only: rank features by mean |SHAP| on the validation rows, refit
on the top k, and keep the smallest set that scores as well as all of them (within a tolerance).

Every size is tried until one passes, so the same seed selects the same features; the task's
FeatureSelection.seconds is only a safety stop, recorded in `stopped_by_time` when it is hit."""

import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from scoring.model import metrics
from scoring.model.candidates import BoostedTrees
from scoring.model.xgboost_search import fit_early_stopped
from scoring.tasks import FeatureSelection, SearchBudget

_IMPORTANCE_ROWS = 10_000


@dataclass(frozen=True)
class SelectionResult:
    """The features kept, how each smaller set scored on validation rows, and the full set's score."""

    selected: tuple[str, ...]
    full_score: float
    size_scores: dict[int, float]
    validation_importance: dict[str, float]  # mean |SHAP| on validation rows, all features
    n_rounds: int
    seconds: float
    stopped_by_time: bool = False  # the safety stop cut the selection short: not reproducible to the byte


def rank_on_validation(model: BoostedTrees, X_valid: np.ndarray, names: tuple[str, ...], seed: int) -> dict:
    """Mean |SHAP| per feature on (a seeded sample of) the validation rows, largest first."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(X_valid), size=min(_IMPORTANCE_ROWS, len(X_valid)), replace=False))
    values = np.abs(model.contributions(X_valid[rows], desc="selection: shap")).mean(axis=0)
    order = np.argsort(-values, kind="stable")
    return {names[i]: float(values[i]) for i in order}


def select_features(
    model: BoostedTrees,
    params: dict,
    arrays: tuple,
    y_train,
    y_valid,
    names: tuple[str, ...],
    selection: FeatureSelection,
    budget: SearchBudget,
    metric: str,
    seed: int,
) -> SelectionResult:
    """The smallest top-k set whose validation `metric` is within selection.tolerance of the full set's (each
    smaller set refitted with early stopping under `budget`)."""
    start = time.perf_counter()
    X_train, X_valid = arrays
    ranking = rank_on_validation(model, X_valid, names, seed)
    full_score = metrics.score(metric, y_valid, model.predict_proba(X_valid)[:, 1])
    size_scores, selected, n_rounds = {}, tuple(names), model.n_estimators
    position = {name: i for i, name in enumerate(names)}
    sizes = [k for k in sorted(selection.sizes) if k < len(names)]
    deadline, stopped_by_time = start + selection.seconds, False
    for k in tqdm(sizes, desc="feature selection", unit="set", leave=False):
        keep = [position[name] for name in list(ranking)[:k]]
        smaller, _, cut = fit_early_stopped(
            params, X_train[:, keep], y_train, X_valid[:, keep], y_valid, budget, metric, deadline
        )
        if cut:  # out of time: a half-trained set proves nothing, keep what is decided so far
            stopped_by_time = True
            break
        size_scores[k] = metrics.score(metric, y_valid, smaller.predict_proba(X_valid[:, keep])[:, 1])
        if size_scores[k] >= full_score - selection.tolerance:
            selected, n_rounds = tuple(names[i] for i in sorted(keep)), smaller.n_estimators
            break
    elapsed = time.perf_counter() - start
    return SelectionResult(selected, full_score, size_scores, ranking, n_rounds, elapsed, stopped_by_time)
