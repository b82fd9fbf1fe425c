"""The candidate models, each a scikit-learn Pipeline whose first step encodes the features.

Class imbalance is handled by weights (balanced class weights, XGBoost's positive weight), never by
resampling; the calibrator fitted afterwards on held-out rows restores honest probabilities.
"""

from dataclasses import dataclass

import numpy as np
import xgboost as xgb
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler
from tqdm.auto import tqdm

from scoring.model.dataset import FeatureSpec
from scoring.tasks import ModelChoice


@dataclass(frozen=True)
class Candidate:
    """A named, unfitted candidate; `max_train_rows` caps the rows it is fitted on (KNN keeps them all)."""

    name: str
    estimator: BaseEstimator
    max_train_rows: int | None = None


def fit_candidate(candidate: Candidate, X, y: np.ndarray, seed: int):
    """A fitted clone of the candidate on (a seeded sample of at most max_train_rows of) the rows."""
    index = np.arange(len(y))
    if candidate.max_train_rows is not None and len(index) > candidate.max_train_rows:
        index = np.sort(np.random.default_rng(seed).choice(index, candidate.max_train_rows, replace=False))
    estimator = clone(candidate.estimator)
    if isinstance(estimator[-1], KNeighborsClassifier):  # tiny data: no more neighbours than rows
        estimator.set_params(model__n_neighbors=min(estimator[-1].n_neighbors, len(index)))
    return estimator.fit(X[index], y[index])


def input_features(pipeline: Pipeline) -> tuple[str, ...]:
    """The columns a candidate's pipeline reads (its first step's non-dropped columns), in its order."""
    prep = pipeline[0]
    used = [c for _, transformer, columns in prep.transformers if transformer != "drop" for c in columns]
    if prep.remainder != "drop":
        raise ValueError("a candidate's preprocessor must name every column it reads (remainder='drop')")
    return tuple(dict.fromkeys(used))


def tree_preprocessor(spec: FeatureSpec) -> ColumnTransformer:
    """Numeric features as they are (trees take missing values), categorical ones as ordinal codes."""
    encoder = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    return ColumnTransformer(
        [("num", "passthrough", list(spec.numeric)), ("cat", encoder, list(spec.categorical))],
        verbose_feature_names_out=False,
    )


def _numeric_scaler() -> Pipeline:
    # arcsinh tames the long tails of counts and money; missing values get the mean and an indicator
    return make_pipeline(
        FunctionTransformer(np.arcsinh, feature_names_out="one-to-one"),
        SimpleImputer(strategy="mean", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
    )


def linear_preprocessor(spec: FeatureSpec) -> ColumnTransformer:
    """Scaled numeric features with missing indicators, one-hot categorical ones (for LR and KNN)."""
    return ColumnTransformer(
        [
            ("num", _numeric_scaler(), list(spec.numeric)),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(spec.categorical)),
        ]
    )


_SHAP_CHUNK_ROWS = 10_000  # rows per TreeSHAP call: bounds the memory of the contributions matrix


class BoostedTrees(ClassifierMixin, BaseEstimator):
    """A gradient-boosted tree classifier on XGBoost's `hist` method, with the scikit-learn API.

    The fitted booster (`booster_`) is saved as XGBoost's own UBJ/JSON, and its exact TreeSHAP values come
    from `booster_.predict(..., pred_contribs=True)`.
    """

    def __init__(
        self,
        n_estimators: int = 300,
        learning_rate: float = 0.1,
        max_depth: int = 4,
        min_child_weight: float = 5.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        reg_lambda: float = 1.0,
        scale_pos_weight: float = 1.0,
        max_bin: int = 256,
        random_state: int = 0,
        n_jobs: int = 2,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.scale_pos_weight = scale_pos_weight
        self.max_bin = max_bin
        self.random_state = random_state
        self.n_jobs = n_jobs

    def xgb_params(self) -> dict:
        """The parameters in XGBoost's own names."""
        return {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "scale_pos_weight": self.scale_pos_weight,
            "max_bin": self.max_bin,
            "seed": self.random_state,
            "nthread": self.n_jobs,
        }

    def fit(self, X, y, sample_weight=None) -> "BoostedTrees":
        X = np.asarray(X, dtype=np.float32)
        data = xgb.QuantileDMatrix(
            X, label=y, weight=sample_weight, max_bin=self.max_bin, nthread=self.n_jobs
        )
        return self._set_booster(
            xgb.train(self.xgb_params(), data, num_boost_round=self.n_estimators), X.shape[1]
        )

    def _set_booster(self, booster: xgb.Booster, n_features: int) -> "BoostedTrees":
        self.booster_ = booster
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = n_features
        return self

    @classmethod
    def from_booster(cls, booster: xgb.Booster, n_features: int, **params) -> "BoostedTrees":
        """A fitted estimator around a booster trained elsewhere (the search, or a saved model)."""
        return cls(**params)._set_booster(booster, n_features)

    def decision_function(self, X) -> np.ndarray:
        data = xgb.DMatrix(np.asarray(X, dtype=np.float32), nthread=self.n_jobs)
        return self.booster_.predict(data, output_margin=True)

    def predict_proba(self, X) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.decision_function(X).astype(np.float64)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X, desc: str = "shap") -> np.ndarray:
        """Exact TreeSHAP values of the log-odds (rows x features; the bias column dropped), computed by
        XGBoost's C++ TreeSHAP in chunks of rows, with a progress bar when there are several."""
        X = np.asarray(X, dtype=np.float32)
        parts = []
        starts = range(0, len(X), _SHAP_CHUNK_ROWS)
        for start in tqdm(starts, desc=desc, unit="chunk", leave=False, disable=len(starts) < 2):
            chunk = xgb.DMatrix(X[start : start + _SHAP_CHUNK_ROWS], nthread=2)
            parts.append(self.booster_.predict(chunk, pred_contribs=True)[:, :-1])
        return np.concatenate(parts) if parts else np.zeros((0, X.shape[1]), dtype=np.float32)


def xgboost_pipeline(spec: FeatureSpec, model: BoostedTrees, preprocessor: ColumnTransformer | None = None):
    """The XGBoost candidate: ordinal-encoded features into boosted trees."""
    return Pipeline([("prep", preprocessor or tree_preprocessor(spec)), ("model", model)])


def sklearn_candidates(choice: ModelChoice, spec: FeatureSpec, seed: int) -> list[Candidate]:
    """The candidates of `choice` other than XGBoost (which the search builds), unfitted."""
    out = []
    if "baseline" in choice.candidates and choice.baseline_features:
        baseline = ColumnTransformer([("rf", _numeric_scaler(), list(choice.baseline_features))])
        out.append(Candidate("baseline", Pipeline([("prep", baseline), ("model", _logistic(1.0, seed))])))
    if "logistic_regression" in choice.candidates:
        out.append(
            Candidate(
                "logistic_regression",
                Pipeline([("prep", linear_preprocessor(spec)), ("model", _logistic(0.05, seed))]),
                max_train_rows=choice.linear_max_rows,
            )
        )
    if "knn" in choice.candidates:
        n_components = min(16, len(spec.columns))
        knn = Pipeline(
            [
                ("prep", linear_preprocessor(spec)),
                ("pca", PCA(n_components=n_components, random_state=seed)),
                ("model", KNeighborsClassifier(n_neighbors=100, algorithm="brute", n_jobs=2)),
            ]
        )
        out.append(Candidate("knn", knn, max_train_rows=choice.knn_max_rows))
    return out


def _logistic(c: float, seed: int) -> LogisticRegression:
    # a loose tolerance: the ranking settles long before the coefficients do
    return LogisticRegression(C=c, class_weight="balanced", max_iter=200, tol=1e-3, random_state=seed)
