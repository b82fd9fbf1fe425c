"""Explanations: exact TreeSHAP per client (XGBoost's C++ TreeSHAP), the top reasons per client, mean
absolute SHAP per feature, and the global plots drawn by the shap package.

Values are contributions to the log-odds of the uncalibrated model, one per original feature (a
categorical feature's one-hot columns are summed for linear models).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline

from scoring.explain.agnostic import affordable, permutation_contributions
from scoring.model.candidates import BoostedTrees
from scoring.model.dataset import FeatureSpec

BLOCK_ROWS = 1024  # |SHAP| is summed per block of this many rows, in row order, then the blocks in order


class AbsShapMean:
    """The mean absolute SHAP value per feature of rows added in batches, the same for any batching."""

    def __init__(self, n_features: int) -> None:
        self.total = np.zeros(n_features, dtype=np.float64)
        self.carry = np.zeros((0, n_features), dtype=np.float32)
        self.n = 0

    def add(self, values: np.ndarray) -> None:
        rows = np.concatenate([self.carry, np.abs(np.asarray(values, dtype=np.float32))])
        whole = len(rows) // BLOCK_ROWS * BLOCK_ROWS
        for start in range(0, whole, BLOCK_ROWS):
            self.total += rows[start : start + BLOCK_ROWS].sum(axis=0, dtype=np.float64)
        self.carry = rows[whole:]
        self.n += len(values)

    def mean(self) -> np.ndarray:
        total = self.total + self.carry.sum(axis=0, dtype=np.float64)
        return total / max(self.n, 1)


def importance_frame(mean_abs: np.ndarray, names: tuple[str, ...]) -> pl.DataFrame:
    """Mean absolute SHAP per feature, largest first, with its rank."""
    frame = pl.DataFrame({"feature": list(names), "mean_abs_shap": np.asarray(mean_abs, dtype=float)})
    frame = frame.sort(["mean_abs_shap", "feature"], descending=[True, False])
    return frame.with_columns(rank=pl.int_range(1, frame.height + 1, dtype=pl.Int32))


@dataclass(frozen=True)
class ShapSample:
    """A sample of the SHAP matrix with the feature values beside it, for a beeswarm plot."""

    values: np.ndarray  # rows x features
    data: np.ndarray  # the same rows' feature values (categorical ones as codes), float
    feature_names: tuple[str, ...]
    client_ids: np.ndarray


def _source_feature(output_name: str, features: tuple[str, ...]) -> str:
    name = output_name.split("__", 1)[-1].removeprefix("missingindicator_")
    matches = [f for f in features if name == f or name.startswith(f + "_")]
    return max(matches, key=len)


def linear_contributions(pipeline: Pipeline, X: pl.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """coef * (x - mean x) per encoded column, summed back to the original features (linear SHAP)."""
    Z = pipeline[:-1].transform(X)
    coef = pipeline[-1].coef_.ravel()
    phi = (Z - Z.mean(axis=0)) * coef
    names = pipeline[:-1].get_feature_names_out()
    out = np.zeros((len(X), len(features)))
    index = {f: i for i, f in enumerate(features)}
    for column, name in enumerate(names):
        out[:, index[_source_feature(name, features)]] += phi[:, column]
    return out


def contributions(pipeline: Pipeline, X: pl.DataFrame, spec: FeatureSpec, desc: str = "shap"):
    """SHAP values per original feature for a fitted candidate: exact for XGBoost and linear models,
    permutation SHAP for others when affordable (scoring.explain.agnostic), else None.

    Returns (values, feature names); linear models explain only the features they use.
    """
    model = pipeline[-1]
    if isinstance(model, BoostedTrees):
        X_tree = pipeline[:-1].transform(X)
        return model.contributions(X_tree, desc), spec.columns
    if hasattr(model, "coef_"):
        used = tuple(
            dict.fromkeys(_source_feature(n, spec.columns) for n in pipeline[:-1].get_feature_names_out())
        )
        return linear_contributions(pipeline, X, used), used
    if affordable(len(X), len(spec.columns)):  # SVC, KNN, a decision tree: model-agnostic, when affordable
        return permutation_contributions(pipeline, X, spec), spec.columns
    return None


def top_reasons(values: np.ndarray, X: pl.DataFrame, names: tuple[str, ...], k: int) -> pl.DataFrame:
    """The k features with the largest absolute SHAP value per row: row, feature, value, shap, rank."""
    k = min(k, values.shape[1])
    if k == 0 or len(values) == 0:
        return pl.DataFrame(schema={"row": pl.Int64, "feature": pl.String, "feature_value": pl.String,
                                    "shap_value": pl.Float64, "rank": pl.Int32})  # fmt: skip
    magnitude = np.abs(values)
    top = np.argpartition(-magnitude, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(magnitude, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    rows = np.repeat(np.arange(len(values)), k)
    columns = top.ravel()
    feature_value = np.empty(len(rows), dtype=object)
    for j in np.unique(columns):
        picked = np.flatnonzero(columns == j)
        column = X[names[j]].gather(rows[picked])
        column = column if column.dtype == pl.String else column.round(4)
        feature_value[picked] = column.cast(pl.String).to_numpy()
    return pl.DataFrame(
        {
            "row": rows,
            "feature": np.asarray(names, dtype=object)[columns],
            "feature_value": pl.Series(feature_value.tolist(), dtype=pl.String),
            "shap_value": values[rows, columns].astype(np.float64),
            "rank": np.tile(np.arange(1, k + 1, dtype=np.int32), len(values)),
        },
        schema_overrides={"feature": pl.String, "feature_value": pl.String},
    )


def importance(values: np.ndarray, names: tuple[str, ...]) -> pl.DataFrame:
    """Mean absolute SHAP per feature, largest first, with its rank."""
    mean = AbsShapMean(len(names))
    mean.add(values)
    return importance_frame(mean.mean(), names)


def summary_figures(sample: ShapSample, max_display: int = 20) -> dict:
    """The shap package's beeswarm and bar summary plots, as matplotlib figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = {}
    for kind in ("beeswarm", "bar"):
        plt.figure()
        with warnings.catch_warnings():  # shap uses matplotlib APIs that announce their deprecation
            for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
                warnings.simplefilter("ignore", category)
            import shap

            shap.summary_plot(
                sample.values, sample.data, feature_names=list(sample.feature_names), max_display=max_display,
                plot_type="dot" if kind == "beeswarm" else "bar", show=False,
            )  # fmt: skip
        figures[kind] = plt.gcf()
    return figures
