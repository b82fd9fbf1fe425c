"""SHAP values for models with no exact explainer here (SVC, KNN, a decision tree): interventional Shapley
values of the log-odds of the pipeline's probability, estimated by antithetic permutation sampling (the
estimator of shap's PermutationExplainer), with features masked by a seeded background sample.

shap's explainer walks one row at a time (five minutes for a KNN on 1,300 clients here); this walks every row
at once, one model call per permutation step. Each row's values add up exactly to its log-odds minus the mean
log-odds over the background. A row costs about 2 x features x permutations x background predictions, and a
prediction itself costs at least in proportion to the features (a KNN's, also to its training rows), so it is
used only while predictions x features stays under AGNOSTIC_MAX_WORK: the one-click task's 1,300 clients and
16 features take seconds; the apparel task's ~250 features stay unexplained even on a thousand clients (a KNN
there took six minutes).
"""

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline

from scoring.model.dataset import FeatureSpec

AGNOSTIC_MAX_WORK = 500_000_000  # predictions x features
BACKGROUND_ROWS = 20
PERMUTATIONS = 1  # walked forwards and backwards (antithetic)
_EPS = 1e-6


def affordable(n_rows: int, n_features: int) -> bool:
    """Whether permutation SHAP of these rows stays within AGNOSTIC_MAX_WORK (predictions x features)."""
    predictions = n_rows * 2 * PERMUTATIONS * (n_features + 1) * BACKGROUND_ROWS
    return predictions * n_features <= AGNOSTIC_MAX_WORK


def _encode(X: pl.DataFrame, spec: FeatureSpec) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The rows as one float matrix, categories as codes into a per-column array of their values."""
    categories = {
        c: np.asarray(sorted(X[c].drop_nulls().unique().to_list()), dtype=object) for c in spec.categorical
    }
    columns = [X[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in spec.numeric]
    for c in spec.categorical:
        codes = pl.Series(categories[c].tolist(), dtype=pl.String)
        position = (
            X[c].cast(pl.String).replace_strict(codes, pl.int_range(len(codes), eager=True), default=None)
        )
        columns.append(position.cast(pl.Float64).fill_null(np.nan).to_numpy())
    return np.column_stack(columns), categories


def _decode(Z: np.ndarray, spec: FeatureSpec, categories: dict[str, np.ndarray]) -> pl.DataFrame:
    n_numeric = len(spec.numeric)
    data = {c: pl.Series(c, Z[:, j], dtype=pl.Float32, nan_to_null=False) for j, c in enumerate(spec.numeric)}
    for j, c in enumerate(spec.categorical):
        codes = Z[:, n_numeric + j]
        values = np.full(len(codes), None, dtype=object)
        known = ~np.isnan(codes)
        values[known] = categories[c][codes[known].astype(np.int64)]
        data[c] = pl.Series(c, values.tolist(), dtype=pl.String)
    return pl.DataFrame(data)


def _log_odds(pipeline: Pipeline, Z: np.ndarray, spec: FeatureSpec, categories) -> np.ndarray:
    p = np.clip(pipeline.predict_proba(_decode(Z, spec, categories))[:, 1], _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _walk(f, x: np.ndarray, background: np.ndarray, order: np.ndarray, start_from_x: bool) -> np.ndarray:
    """One pass along each row's feature order: switch features one by one from background to x (or from x
    to background) and credit each feature with the change of the mean log-odds."""
    n, m = x.shape
    b = len(background)
    current = np.repeat(x[:, None, :], b, axis=1) if start_from_x else np.tile(background, (n, 1, 1))
    values = np.zeros((n, m))
    previous = f(current.reshape(n * b, m)).reshape(n, b).mean(axis=1)
    rows = np.arange(n)
    for step in range(m):
        feature = order[:, step]
        current[rows, :, feature] = background[:, feature].T if start_from_x else x[rows, feature][:, None]
        now = f(current.reshape(n * b, m)).reshape(n, b).mean(axis=1)
        values[rows, feature] += (previous - now) if start_from_x else (now - previous)
        previous = now
    return values


def permutation_contributions(
    pipeline: Pipeline, X: pl.DataFrame, spec: FeatureSpec, seed: int = 0
) -> np.ndarray:
    """SHAP values (rows x spec.columns) of the log-odds of pipeline.predict_proba, seeded."""
    Z, categories = _encode(X.select(spec.columns), spec)
    rng = np.random.default_rng(seed)
    background = Z[np.sort(rng.choice(len(Z), size=min(BACKGROUND_ROWS, len(Z)), replace=False))]

    def f(rows: np.ndarray) -> np.ndarray:
        return _log_odds(pipeline, rows, spec, categories)

    values = np.zeros(Z.shape)
    for _ in range(PERMUTATIONS):
        order = np.argsort(rng.random(Z.shape), axis=1)
        values += _walk(f, Z, background, order, start_from_x=False)
        values += _walk(f, Z, background, order[:, ::-1], start_from_x=True)
    return values / (2 * PERMUTATIONS)
