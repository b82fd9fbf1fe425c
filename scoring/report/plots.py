"""The model-performance figures: ROC and precision-recall curves, calibration, gains and lift, precision and
recall against the threshold, the score distribution and the candidates. Arrays in, matplotlib figures out
(Agg canvas, no pyplot); blocks.image turns them into inline PNGs."""

import numpy as np
import polars as pl
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

from scoring.report.blocks import new_figure

POSITIVE, NEGATIVE, MODEL, RANDOM = "#c44e52", "#4c72b0", "#2a6f97", "#999999"
_MAX_POINTS = 600  # points per curve: enough for a smooth line, small enough for a light PNG


def _thin(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every k-th point of equally long arrays (first and last kept), so PNGs stay small at any size."""
    n = len(arrays[0])
    if n <= _MAX_POINTS:
        return arrays
    keep = np.unique(np.linspace(0, n - 1, _MAX_POINTS).round().astype(int))
    return tuple(a[keep] for a in arrays)


def roc_and_pr(y: np.ndarray, p: np.ndarray) -> Figure:
    """ROC curve beside the precision-recall curve, each with what random ranking gets."""
    figure = new_figure(10, 4.2)
    left, right = figure.subplots(1, 2)
    fpr, tpr, _ = roc_curve(y, p)
    left.plot(*_thin(fpr, tpr), color=MODEL, lw=2, label="model")
    left.plot([0, 1], [0, 1], ls="--", color=RANDOM, label="random ranking")
    left.set(
        xlabel="share of negatives flagged (false positive rate)",
        ylabel="share of positives flagged (recall)",
        title="ROC curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    left.legend(loc="lower right")
    precision, recall, _ = precision_recall_curve(y, p)
    right.plot(*_thin(recall, precision), color=MODEL, lw=2, label="model")
    right.axhline(y.mean(), ls="--", color=RANDOM, label=f"base rate {y.mean():.1%}")
    right.set(
        xlabel="share of positives found (recall)",
        ylabel="share of flagged that are positive (precision)",
        title="Precision-recall curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    right.legend(loc="upper right")
    return figure


def calibration(table: pl.DataFrame, p: np.ndarray) -> Figure:
    """Predicted against observed rate per bin, above a histogram of the predicted probabilities."""
    figure = new_figure(6.5, 6)
    top, bottom = figure.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    upper = float(max(table["mean_predicted"].max(), table["observed_rate"].max(), 1e-3)) * 1.08
    top.plot([0, upper], [0, upper], ls="--", color=RANDOM, label="perfect calibration")
    top.plot(
        table["mean_predicted"],
        table["observed_rate"],
        marker="o",
        color=MODEL,
        lw=2,
        label="model (one dot per tenth of clients)",
    )
    top.set(
        ylabel="observed share of positives", title="Predicted vs observed", xlim=(0, upper), ylim=(0, upper)
    )
    top.legend(loc="upper left")
    bottom.hist(p, bins=np.linspace(0, upper, 41), color=MODEL, alpha=0.8)
    bottom.set(xlabel="predicted probability", ylabel="clients")
    return figure


def _gains(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-p, kind="stable")
    found = np.concatenate([[0.0], np.cumsum(y[order]) / max(y.sum(), 1)])
    share = np.arange(len(y) + 1) / len(y)
    return share, found


def _decile_lift(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    order = np.argsort(-p, kind="stable")
    base = y.mean() if y.mean() > 0 else np.nan
    return np.array([y[part].mean() / base for part in np.array_split(order, 10)])


def gains_and_lift(y: np.ndarray, p: np.ndarray) -> Figure:
    """Cumulative gains (share of positives found against share of clients contacted) and lift by decile."""
    figure = new_figure(10, 4.2)
    left, right = figure.subplots(1, 2)
    share, found = _gains(y, p)
    left.plot(*_thin(share, found), color=MODEL, lw=2, label="model")
    left.plot([0, 1], [0, 1], ls="--", color=RANDOM, label="random targeting")
    rate = y.mean()
    left.plot([0, rate, 1], [0, 1, 1], ls=":", color="#555555", label="perfect ranking")
    left.set(
        xlabel="share of clients contacted (best-ranked first)",
        ylabel="share of all positives reached",
        title="Cumulative gains",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    left.legend(loc="lower right")
    lift = _decile_lift(y, p)
    bars = right.bar(np.arange(1, 11), lift, color=MODEL)
    right.bar_label(bars, labels=[f"{v:.1f}×" for v in lift], fontsize=8)
    right.axhline(1, ls="--", color=RANDOM, label="random (1×)")
    right.set(
        xlabel="decile of clients (1 = highest predicted probability)",
        ylabel="positive rate / average rate",
        title="Lift by decile",
        xticks=range(1, 11),
    )
    right.legend(loc="upper right")
    return figure


def threshold_curves(y: np.ndarray, p: np.ndarray) -> Figure:
    """Precision, recall and the share of clients flagged at each probability threshold."""
    figure = new_figure(8, 4.5)
    ax = figure.subplots()
    precision, recall, thresholds = precision_recall_curve(y, p)
    flagged = 1.0 - np.searchsorted(np.sort(p), thresholds, side="left") / len(p)
    t, pr, rc, fl = _thin(thresholds, precision[:-1], recall[:-1], flagged)
    ax.plot(t, pr, color=POSITIVE, lw=2, label="precision: share of flagged clients that are positive")
    ax.plot(t, rc, color=MODEL, lw=2, label="recall: share of all positives that are flagged")
    ax.plot(t, fl, color=RANDOM, lw=1.5, ls="--", label="share of all clients flagged")
    ax.set(
        xlabel="threshold: clients with a predicted probability at or above it are flagged",
        ylabel="share",
        ylim=(0, 1.01),
        xlim=(0, float(np.quantile(p, 0.995)) if len(p) else 1),
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    return figure


def score_distribution(y: np.ndarray, p: np.ndarray, cut: float) -> Figure:
    """Histograms of predicted probability for positives and negatives, with the targeting cut."""
    figure = new_figure(8, 3.8)
    ax = figure.subplots()
    bins = np.linspace(0, float(np.quantile(p, 0.995)) * 1.05 or 1.0, 41)
    ax.hist(
        np.clip(p[y == 0], 0, bins[-1]),
        bins=bins,
        density=True,
        alpha=0.55,
        color=NEGATIVE,
        label="negatives (label 0)",
    )
    ax.hist(
        np.clip(p[y == 1], 0, bins[-1]),
        bins=bins,
        density=True,
        alpha=0.55,
        color=POSITIVE,
        label="positives (label 1)",
    )
    ax.axvline(cut, color="black", ls="--", label="cut: clients right of it are targeted")
    ax.set(xlabel="predicted probability", ylabel="density (each group sums to 1)")
    ax.legend(loc="upper right", fontsize=9)
    return figure


def candidates_chart(rows: list[tuple[str, str, float, float]], chosen: list[bool]) -> Figure:
    """Test ROC-AUC and average precision per candidate: rows of (protocol, candidate, roc_auc, ap); the
    chosen candidates' bars in the model colour, the others light."""
    labels = [f"{candidate}\n({protocol})" for protocol, candidate, _, _ in rows]
    colors = [MODEL if c else "#9dbcd4" for c in chosen]
    figure = new_figure(10, 0.45 * len(rows) + 1.5)
    left, right = figure.subplots(1, 2, sharey=True)
    position = np.arange(len(rows))[::-1]
    for ax, values, title in (
        (left, [r[2] for r in rows], "test ROC-AUC"),
        (right, [r[3] for r in rows], "test average precision"),
    ):
        bars = ax.barh(position, values, color=colors)
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in values], fontsize=8, padding=2)
        ax.set(title=title, xlim=(0, min(1.0, max([v for v in values if v == v] or [1]) * 1.15)))
    left.set_yticks(position, labels, fontsize=8)
    return figure
