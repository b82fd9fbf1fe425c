"""Candidates tuned by cross-validated search: each a Pipeline with its own preprocessing and the
distributions its hyperparameters are drawn from.

Scale-sensitive models (logistic regression, SVC, KNN) get scaled numbers and one-hot categories; trees
(a decision tree, XGBoost) get the numbers as they are and categories as ordinal codes.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import loguniform, randint, uniform
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from scoring.model.candidates import BoostedTrees, linear_preprocessor, tree_preprocessor
from scoring.model.dataset import FeatureSpec

CV_CANDIDATES = ("logistic_regression", "svc", "knn", "decision_tree", "xgboost")


@dataclass(frozen=True)
class SearchSpace:
    """An unfitted candidate and the distributions of its hyperparameters (Pipeline parameter names)."""

    name: str
    estimator: BaseEstimator
    distributions: dict


def _logistic(spec: FeatureSpec, seed: int) -> SearchSpace:
    # l2 only: lbfgs is several times faster than saga, and l1 never won on the real data
    model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)
    return SearchSpace(
        "logistic_regression",
        Pipeline([("prep", linear_preprocessor(spec)), ("model", model)]),
        {"model__C": loguniform(1e-4, 1e2)},
    )


class MarginSVC(SVC):
    """An SVC whose predict_proba is the logistic function of its margin.

    A ranking score, not a probability: the job's calibrator, fitted on out-of-fold scores, makes it one.
    scikit-learn deprecates SVC(probability=True), and its replacement (CalibratedClassifierCV) fits a
    sigmoid per training set, which on a strongly regularised SVC (nearly flat margins) comes out flat and
    at a different level in each fold, so pooled out-of-fold scores lose their ranking (ROC-AUC 0.91 -> 0.71
    on the real one-click data).
    """

    def predict_proba(self, X) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.decision_function(X).astype(np.float64)))
        return np.column_stack([1 - p, p])


def _svc(spec: FeatureSpec, seed: int) -> SearchSpace:
    model = MarginSVC(class_weight="balanced", random_state=seed)
    return SearchSpace(
        "svc",
        Pipeline([("prep", linear_preprocessor(spec)), ("model", model)]),
        {
            "model__kernel": ["rbf", "linear"],
            # below C ~ 0.05 the margins flatten and their level drifts between refits
            # (scoring.model.cv_protocol rejects such settings on pooled scores; the bound keeps the budget
            # for useful ones)
            "model__C": loguniform(5e-2, 1e2),
            "model__gamma": loguniform(1e-3, 1e0),
        },
    )


def _knn(spec: FeatureSpec, seed: int) -> SearchSpace:
    return SearchSpace(
        "knn",
        Pipeline([("prep", linear_preprocessor(spec)), ("model", KNeighborsClassifier(algorithm="brute"))]),
        {
            "model__n_neighbors": randint(5, 150),
            "model__weights": ["uniform", "distance"],
            "model__p": [1, 2],
        },
    )


def _decision_tree(spec: FeatureSpec, seed: int) -> SearchSpace:
    model = DecisionTreeClassifier(class_weight="balanced", random_state=seed)
    return SearchSpace(
        "decision_tree",
        Pipeline([("prep", tree_preprocessor(spec)), ("model", model)]),
        {
            "model__max_depth": randint(2, 10),
            "model__min_samples_leaf": randint(1, 60),
            "model__criterion": ["gini", "entropy"],
        },
    )


def _xgboost(spec: FeatureSpec, seed: int) -> SearchSpace:
    return SearchSpace(
        "xgboost",
        Pipeline([("prep", tree_preprocessor(spec)), ("model", BoostedTrees(random_state=seed, n_jobs=1))]),
        {
            "model__n_estimators": randint(50, 400),
            "model__learning_rate": loguniform(0.01, 0.3),
            "model__max_depth": randint(2, 6),
            "model__min_child_weight": loguniform(1.0, 20.0),
            "model__subsample": uniform(0.6, 0.4),
            "model__colsample_bytree": uniform(0.4, 0.6),
            "model__reg_lambda": loguniform(0.5, 20.0),
        },
    )


_BUILDERS = {
    "logistic_regression": _logistic,
    "svc": _svc,
    "knn": _knn,
    "decision_tree": _decision_tree,
    "xgboost": _xgboost,
}


def search_spaces(names: tuple[str, ...], spec: FeatureSpec, seed: int) -> list[SearchSpace]:
    """The search spaces of the named candidates, in the given order."""
    unknown = [n for n in names if n not in _BUILDERS]
    if unknown:
        raise ValueError(
            f"No cross-validated search space for {unknown}: use some of {', '.join(CV_CANDIDATES)} "
            "in the task's candidates (scoring/tasks.py)"
        )
    return [_BUILDERS[name](spec, seed) for name in names]
