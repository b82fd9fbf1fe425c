"""Scoring in batches of rows: each batch is predicted, explained and turned into its rows of scoring.scores
and scoring.explanations at once, and what a run needs from all rows (the feature importance, the SHAP
sample behind the plots) is accumulated, so memory is bounded by the batch, not by the number of clients.

Frames in, frames out (scoring.store.batch_writer reads and writes the batches). The results do not depend on
the batch size: predictions and TreeSHAP are computed row by row, the importance sums |SHAP| over fixed blocks
of rows whatever the batches, and the sample's rows are drawn from the row count before the first batch.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.explain.contributions import AbsShapMean, ShapSample, importance_frame, top_reasons


def sample_rows(n_rows: int, size: int, seed: int) -> np.ndarray:
    """The sorted row numbers of the seeded SHAP sample (drawn from the row count alone)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=min(size, n_rows), replace=False))


def numeric_values(X: pl.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """The features as floats for the beeswarm's colours (strings as codes in order of appearance)."""
    return X.select(
        pl.col(n).cast(pl.Categorical).to_physical().cast(pl.Float64) if X.schema[n] == pl.String
        else pl.col(n).cast(pl.Float64) for n in names
    ).to_numpy()  # fmt: skip


@dataclass(frozen=True)
class Batch:
    """One batch's rows for scoring.scores (before ranking) and scoring.explanations, and its SHAP values."""

    scores: pl.DataFrame  # client_id, probability, is_out_of_fold
    reasons: pl.DataFrame  # client_id, feature, feature_value, shap_value, rank
    values: np.ndarray | None
    names: tuple[str, ...]


def batch_rows(
    client_ids: pl.Series, X: pl.DataFrame, probability, is_out_of_fold, values, names, top_k: int
) -> Batch:
    """The rows a scored and explained batch adds to scoring.scores and scoring.explanations."""
    scores = pl.DataFrame(
        {"client_id": client_ids, "probability": np.asarray(probability, dtype=np.float64),
         "is_out_of_fold": np.asarray(is_out_of_fold, dtype=bool)}
    )  # fmt: skip
    if values is None:
        reasons = top_reasons(np.zeros((0, 0)), X, (), top_k).rename({"row": "client_id"})
        reasons = reasons.with_columns(pl.col("client_id").cast(client_ids.dtype))
    else:
        reasons = top_reasons(values, X, names, top_k)
        reasons = reasons.with_columns(client_id=client_ids.gather(reasons["row"])).drop("row")
    reasons = reasons.select("client_id", "feature", "feature_value", "shap_value", "rank")
    return Batch(scores, reasons, values, tuple(names))


class Explained:
    """What a run keeps of all its batches: the importance and the SHAP sample (and, when asked, every
    SHAP value, for tasks that segment their clients)."""

    def __init__(self, n_rows: int, sample_size: int, seed: int, keep_values: bool = False) -> None:
        self.sample = sample_rows(n_rows, sample_size, seed)
        self.offset = 0
        self.abs_mean: AbsShapMean | None = None
        self.names: tuple[str, ...] = ()
        self.parts: list[tuple[np.ndarray, pl.DataFrame, np.ndarray]] = []
        self.kept: list[np.ndarray] | None = [] if keep_values else None

    def add(self, batch: Batch, X: pl.DataFrame) -> None:
        if batch.values is not None:
            if self.abs_mean is None:
                self.abs_mean, self.names = AbsShapMean(len(batch.names)), batch.names
            self.abs_mean.add(batch.values)
            rows = self.sample[(self.sample >= self.offset) & (self.sample < self.offset + len(X))]
            local = rows - self.offset
            picked = X.select(self.names)[pl.Series(local, dtype=pl.Int64)]
            self.parts.append((batch.values[local], picked, batch.scores["client_id"].to_numpy()[local]))
            if self.kept is not None:
                self.kept.append(batch.values)
        self.offset += len(X)

    def importance(self) -> pl.DataFrame:
        if self.abs_mean is None:
            return pl.DataFrame(schema={"feature": pl.String, "mean_abs_shap": pl.Float64, "rank": pl.Int32})
        return importance_frame(self.abs_mean.mean(), self.names)

    def shap_sample(self) -> ShapSample | None:
        if self.abs_mean is None:
            return None
        values = np.concatenate([p[0] for p in self.parts]).astype(np.float32)
        data = numeric_values(pl.concat([p[1] for p in self.parts]), self.names)
        return ShapSample(values, data, self.names, np.concatenate([p[2] for p in self.parts]))

    def values(self) -> np.ndarray | None:
        """Every SHAP value, in row order (only when kept)."""
        if self.kept is None or self.abs_mean is None:
            return None
        return np.concatenate(self.kept)
