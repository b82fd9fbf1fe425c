"""A correlation matrix over mixed numeric and categorical features (and the label), on a sample of rows.

Phi_K (the phik package) measures any kind of dependence between any two columns, numeric or categorical,
on a 0..1 scale. Where phik cannot be imported the report falls back to Spearman's rank correlation with
each categorical column coded by its categories' label-1 rate, and says so.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

_FEW_VALUES = 12  # numeric columns with at most this many values are treated as categories


@dataclass(frozen=True)
class Correlation:
    """A square matrix over `names`, how it was computed and on how many rows."""

    names: tuple[str, ...]
    matrix: np.ndarray
    method: str  # "phik" or "spearman"
    n_rows: int
    constant: tuple[str, ...] = ()  # columns left out: one value (or none) in the sample


def sample_rows(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """A seeded sample of at most n rows, in their original order."""
    if frame.height <= n:
        return frame
    rows = np.sort(np.random.default_rng(seed).choice(frame.height, size=n, replace=False))
    return frame[pl.Series(rows)]


def _is_interval(column: pl.Series) -> bool:
    numeric = column.dtype.is_numeric() and column.dtype != pl.Boolean
    return numeric and column.n_unique() > _FEW_VALUES


def _phik(frame: pl.DataFrame) -> np.ndarray | None:
    try:
        from phik import phik_matrix
    except ImportError:
        return None
    interval = [c for c in frame.columns if _is_interval(frame[c])]
    pandas_frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in frame.columns if c not in interval
    ).to_pandas()
    result = phik_matrix(pandas_frame, interval_cols=interval, verbose=False, njobs=1)
    return result.reindex(index=frame.columns, columns=frame.columns).to_numpy(dtype=np.float64, copy=True)


def _rate_coded(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """Categorical columns as the label-1 rate of their category; numeric ones as floats."""
    out = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype.is_numeric() or column.dtype == pl.Boolean:
            out.append(column.cast(pl.Float64))
            continue
        rate = pl.col(label).cast(pl.Float64).mean().over(pl.col(name).cast(pl.String).fill_null("(missing)"))
        out.append(frame.select(rate.alias(name)).to_series())
    return pl.DataFrame(out)


def _spearman(frame: pl.DataFrame, label: str) -> np.ndarray:
    coded = _rate_coded(frame, label)
    ranks = coded.select(
        pl.col(c).fill_null(pl.col(c).median()).rank("average").cast(pl.Float64) for c in coded.columns
    ).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        deviations = ranks - ranks.mean(axis=0)
        norms = np.sqrt((deviations**2).sum(axis=0))
        matrix = (deviations.T @ deviations) / np.outer(norms, norms)
    return np.clip(matrix, -1.0, 1.0)


def mixed_correlation(
    frame: pl.DataFrame, features: list[str], label: str, n_rows: int, seed: int, use_phik: bool = True
) -> Correlation:
    """Phi_K (or, without phik, Spearman) over the features and the label, on a sample of rows."""
    sample = sample_rows(frame.select(*features, label), n_rows, seed)
    constant = tuple(c for c in sample.columns if sample[c].drop_nulls().n_unique() < 2)
    sample = sample.drop(constant)
    matrix = _phik(sample) if use_phik else None
    method = "phik"
    if matrix is None:
        matrix, method = _spearman(sample, label), "spearman"
    np.fill_diagonal(matrix, 1.0)
    return Correlation(tuple(sample.columns), matrix, method, sample.height, constant)
