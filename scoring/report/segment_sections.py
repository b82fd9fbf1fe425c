"""The report's sections for a task with segments: the decision threshold, the segment sizes with their
offers, the probability by profit scatter, and what sets the key segment apart from low-risk clients."""

import numpy as np
import polars as pl

from scoring.decide.segments import KEY_SEGMENT, SEGMENTS, Segmentation, feature_words
from scoring.report.blocks import Section, Text, Tile, Tiles, image, new_figure, pct, table

COLOURS = {
    KEY_SEGMENT: "#c44e52",
    "high risk, low profit": "#dd8452",
    "low risk, high profit": "#4c72b0",
    "low risk, low profit": "#8c8c8c",
}


def threshold_section(threshold: float, metrics: dict) -> Section:
    """The chosen threshold and its recall and precision out of fold and on the test clients."""
    tiles = [
        Tile("threshold", f"{threshold:.3f}", "calibrated probability at or above which a client is flagged")
    ]
    for name, label in (("cross_validation", "out of fold"), ("test", "test clients")):
        if name in metrics:
            m = metrics[name]
            tiles += [
                Tile(
                    f"recall, {label}", pct(m["recall"]), f"share of decliners flagged ({m['n']:,} clients)"
                ),
                Tile(f"precision, {label}", pct(m["precision"]), "share of flagged clients who declined"),
            ]
    intro = (
        "The threshold maximises F1 on the development clients' out-of-fold scores; the same threshold is "
        "then measured on the test clients, which played no part in choosing it."
    )
    return Section(
        "decision-threshold", "The decision threshold: recall and precision", intro, (Tiles(tuple(tiles)),)
    )


def _scatter(clients: pl.DataFrame, risk: float, profit: float):
    figure = new_figure(8, 5.2)
    axes = figure.subplots()
    for segment, colour in COLOURS.items():
        part = clients.filter(pl.col("segment") == segment)
        axes.scatter(
            part["probability"],
            part["profit"],
            s=12,
            alpha=0.7,
            color=colour,
            label=f"{segment} ({part.height})",
        )
    axes.axvline(risk, ls="--", color="#555555")
    axes.axhline(profit, ls="--", color="#555555")
    axes.set(
        xlabel="probability that activity declines", ylabel="profit (mean per month, thousands)", xlim=(0, 1)
    )
    axes.legend(loc="upper left", fontsize=8)
    return figure


def segments_section(segmentation: Segmentation) -> Section:
    """Segment sizes, offers and the scatter."""
    clients = segmentation.clients
    total = clients.height
    rows = []
    for segment in SEGMENTS:
        part = clients.filter(pl.col("segment") == segment)
        offer = part["offer"][0] if part.height else "–"
        rows.append(
            (
                segment,
                part.height,
                pct(part.height / total),
                part["probability"].mean(),
                part["profit"].mean(),
                offer,
            )
        )
    sizes = table(
        ("segment", "clients", "share", "mean probability", "mean profit", "offer"),
        rows,
        f"High risk: probability ≥ {segmentation.risk_threshold:.3f}; high profit: ≥ "
        f"{segmentation.profit_threshold:.3g} (thousands per month).",
        emphasis=(0,),
    )
    how = (
        "Each dot is a client. Right of the vertical line the model expects activity to decline; above the "
        "horizontal line the client brings more profit than the threshold. Top right is the key segment."
    )
    scatter = image(
        _scatter(clients, segmentation.risk_threshold, segmentation.profit_threshold),
        "probability by profit",
        how,
    )
    intro = (
        "Every scored client is placed by the probability that activity declines and by the profit it "
        "brings. Each segment's offer answers the two features that raise its members' risk most (mean "
        "positive SHAP)."
    )
    return Section("segments", "Segments by risk and profit, and their offers", intro, (sizes, scatter))


def _compare(feature: str, column: pl.Series, key: np.ndarray, low: np.ndarray, shap: float) -> tuple:
    """One row of the key-segment table: the feature in words, its typical value in each group, its SHAP."""
    if column.dtype == pl.String:
        value = column.filter(pl.Series(key)).mode().sort()[0]
        key_share = (column.filter(pl.Series(key)) == value).mean()
        low_share = (column.filter(pl.Series(low)) == value).mean()
        return (feature_words(feature)[0], f"{value}: {pct(key_share)}", f"{value}: {pct(low_share)}", shap)
    numbers = column.cast(pl.Float64)
    return (
        feature_words(feature)[0],
        numbers.filter(pl.Series(key)).mean(),
        numbers.filter(pl.Series(low)).mean(),
        shap,
    )


def key_segment_section(
    segmentation: Segmentation, X: pl.DataFrame, values: np.ndarray, names: tuple[str, ...]
):
    """Feature by feature: the key segment beside the low-risk clients, ordered by the key segment's SHAP."""
    segments = segmentation.clients["segment"]
    key = (segments == KEY_SEGMENT).to_numpy()
    low = segments.str.starts_with("low risk").to_numpy()
    if not key.any() or not low.any():
        return None
    mean_shap = values[key].mean(axis=0)
    order = np.argsort(-np.abs(mean_shap))[:10]
    rows = [_compare(names[j], X[names[j]], key, low, float(mean_shap[j])) for j in order]
    comparison = table(
        ("feature", f"{KEY_SEGMENT} (mean)", "low risk (mean)", "mean SHAP in the key segment"),
        rows,
        "Features ordered by how much they move the key segment's risk (SHAP on the log-odds; positive "
        "raises it).",
    )
    intro = (
        f"What sets the {int(key.sum()):,} clients of the key segment apart from the {int(low.sum()):,} "
        "low-risk clients: the features that drive their risk, with the typical value in each group."
    )
    note = Text(
        "Read a row as: in the key segment this feature averages X, among low-risk clients Y, and it raises "
        "(positive SHAP) or lowers the key segment's risk by that much on average."
    )
    return Section(
        "key-segment", f"What distinguishes the key segment ({KEY_SEGMENT})", intro, (comparison, note)
    )


def segment_report_sections(
    segmentation, threshold, threshold_metrics, X, values, names
) -> tuple[Section, ...]:
    """The task's extra sections, in reading order."""
    found = [
        segments_section(segmentation),
        key_segment_section(segmentation, X, values, names),
        threshold_section(threshold, threshold_metrics),
    ]
    return tuple(s for s in found if s is not None)
