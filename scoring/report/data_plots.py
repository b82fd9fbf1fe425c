"""The feature-level figures: distributions by label, the correlation heatmap, the SHAP beeswarm and the
top features. Frames and arrays in, matplotlib figures out (Agg canvas, no pyplot)."""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from scoring.report.blocks import new_figure
from scoring.report.plots import MODEL, NEGATIVE, POSITIVE

_FEW_VALUES = 12  # a numeric feature with at most this many values is drawn as bars, not a histogram
_TOP_CATEGORIES = 8
_MISSING, _OTHER = "(missing)", "(other)"


def _shares(values: pl.Series, y: np.ndarray, categories: list) -> tuple[np.ndarray, np.ndarray]:
    """Share of each category among negatives and positives."""
    out = []
    for label in (0, 1):
        part = values.filter(pl.Series(y == label))
        counts = part.value_counts().to_dict(as_series=False)
        lookup = dict(zip(counts[values.name], counts["count"], strict=True))
        total = max(part.len(), 1)
        out.append(np.array([lookup.get(c, 0) / total for c in categories]))
    return out[0], out[1]


def _category_labels(values: pl.Series) -> pl.Series:
    """Text labels: numbers without a trailing '.0', booleans as yes/no, missing as '(missing)'."""
    if values.dtype == pl.Boolean:
        values = values.replace_strict({True: "yes", False: "no"}, return_dtype=pl.String)
    elif values.dtype.is_float() and (values.drop_nulls() == values.drop_nulls().round()).all():
        values = values.cast(pl.Int64)
    return values.cast(pl.String).fill_null(_MISSING)


def _ordered_categories(values: pl.Series) -> list[str]:
    """Numbers in their order, categories by frequency (the most common first)."""
    if values.dtype.is_numeric():
        return [str(v) for v in _category_labels(values.unique().sort().drop_nulls())]
    counts = _category_labels(values).value_counts()
    return counts.sort(["count", values.name], descending=[True, False])[values.name].to_list()


def _bars(ax, values: pl.Series, y: np.ndarray) -> None:
    labels = _category_labels(values)
    order = [c for c in _ordered_categories(values) if c != _MISSING]
    categories = order[:_TOP_CATEGORIES] + ([_OTHER] if len(order) > _TOP_CATEGORIES else [])
    categories += [_MISSING] if labels.is_in([_MISSING]).any() else []
    labels = labels.replace_strict(categories, categories, default=_OTHER)
    negative, positive = _shares(labels, y, categories)
    x = np.arange(len(categories))
    ax.bar(x - 0.2, negative, 0.4, color=NEGATIVE, label="label 0")
    ax.bar(x + 0.2, positive, 0.4, color=POSITIVE, label="label 1")
    ax.set_xticks(x, [c[:14] for c in categories], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("share of group", fontsize=8)


def _histogram(ax, values: np.ndarray, y: np.ndarray) -> None:
    keep = ~np.isnan(values)
    values, y = values[keep], y[keep]
    low, high = np.quantile(values, [0.01, 0.99]) if len(values) else (0.0, 1.0)
    high = high if high > low else low + 1.0
    bins = np.linspace(low, high, 31)
    for label, color in ((0, NEGATIVE), (1, POSITIVE)):
        part = np.clip(values[y == label], low, high)
        if len(part):
            ax.hist(part, bins=bins, density=True, alpha=0.55, color=color, label=f"label {label}")
            ax.axvline(np.median(part), color=color, lw=1.2, ls="--")
    ax.set_ylabel("density", fontsize=8)


def distributions(frame: pl.DataFrame, features: list[str], label: str) -> Figure:
    """One small panel per feature: its distribution among label-0 and label-1 rows."""
    columns = 3
    rows = max(1, -(-len(features) // columns))
    figure = new_figure(11, 2.9 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    y = frame[label].to_numpy()
    for ax, name in zip(axes, features, strict=False):
        column = frame[name]
        numeric = column.dtype.is_numeric() or column.dtype == pl.Boolean
        if numeric and column.n_unique() > _FEW_VALUES:
            _histogram(ax, column.cast(pl.Float64).fill_null(np.nan).to_numpy(), y)
        else:
            _bars(ax, column, y)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(features) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    return figure


def correlation_heatmap(matrix: np.ndarray, names: list[str], colorbar_label: str, signed: bool) -> Figure:
    """A heatmap of a square correlation matrix, values printed in the cells."""
    size = max(5.0, 0.42 * len(names) + 2.5) if len(names) > 10 else 6.0
    figure = new_figure(size + 1.2, size)
    ax = figure.subplots()
    image = ax.imshow(matrix, cmap="RdBu_r" if signed else "Blues", vmin=-1 if signed else 0, vmax=1)
    small = len(names) <= 10
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=9 if small else 7)
    ax.set_yticks(range(len(names)), names, fontsize=9 if small else 7)
    for (i, j), value in np.ndenumerate(matrix):
        if not np.isnan(value):
            color = "white" if abs(value) > 0.6 else "black"
            text = f"{value:.2f}" if small else f"{value:.1f}".replace("0.", ".")
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if small else 5.5, color=color)
    figure.colorbar(image, ax=ax, shrink=0.7, label=colorbar_label)
    return figure


@contextmanager
def _seeded_global_rng(seed: int) -> Iterator[None]:
    """shap's beeswarm jitters with NumPy's global generator: seed it for identical bytes, then restore it."""
    state = np.random.get_state()  # noqa: NPY002 - the legacy global state is what shap draws from
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def beeswarm(values: np.ndarray, data: np.ndarray, names: tuple[str, ...], max_display: int, seed: int):
    """shap.plots.beeswarm of a SHAP sample, drawn on an Agg figure."""
    import shap

    explanation = shap.Explanation(values=values, data=data, feature_names=list(names))
    shown = min(max_display, len(names) + 1)
    figure = new_figure(9, 0.42 * shown + 1.6)
    ax = figure.subplots()
    with _seeded_global_rng(seed):
        shap.plots.beeswarm(explanation, max_display=max_display, ax=ax, show=False, plot_size=None)
    ax.set_xlabel("SHAP value (log-odds): right raises the probability, left lowers it", fontsize=11)
    ax.tick_params(labelsize=9)
    return figure


def top_features(importance: pl.DataFrame, n: int) -> Figure:
    """Mean absolute SHAP value of the n most important features, largest on top."""
    top = importance.head(n)
    figure = new_figure(8, 0.32 * top.height + 1.2)
    ax = figure.subplots()
    position = np.arange(top.height)[::-1]
    ax.barh(position, top["mean_abs_shap"].to_numpy(), color=MODEL)
    ax.set_yticks(position, top["feature"].to_list(), fontsize=8)
    ax.set_xlabel("mean |SHAP value| (log-odds)")
    return figure
