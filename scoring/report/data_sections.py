"""The report's sections that read the development frame: the data (distributions by label, a mixed-type
correlation matrix) and the error analysis (how the positives the model ranks low differ from the ones it
finds). The frame holds the labelled rows the job trained on: features, the 0/1 label and, for the error
analysis, client_id (with is_provided or as_of_date to pick each test client's row)."""

import numpy as np
import polars as pl

from scoring.report import plots
from scoring.report.blocks import Section, Text, fmt, image, pct, table
from scoring.report.correlation import mixed_correlation, sample_rows
from scoring.report.data_plots import correlation_heatmap, distributions
from scoring.report.inputs import RunView
from scoring.report.options import ReportOptions
from scoring.report.sections import TITLES


def top_features(run: RunView, frame: pl.DataFrame, n: int) -> list[str]:
    """The n most important features (mean |SHAP|) that the frame has; the model's order without SHAP."""
    ranked = [*run.importance["feature"].to_list(), *run.features, *run.all_features]
    return [f for f in dict.fromkeys(ranked) if f in frame.columns][:n]


def data_line(frame: pl.DataFrame | None, label: str) -> str | None:
    """One line on the development frame's size for the summary."""
    if frame is None or label not in frame.columns:
        return None
    line = f"learned from {frame.height:,} labelled rows"
    if "client_id" in frame.columns:
        line += f" of {frame['client_id'].n_unique():,} clients"
    if "as_of_date" in frame.columns and frame["as_of_date"].n_unique() > 1:
        line += f" at {frame['as_of_date'].n_unique()} dates"
    return line + f", {pct(float(frame[label].mean()))} with label 1"


def _correlation_block(run: RunView, frame: pl.DataFrame, options: ReportOptions):
    features = top_features(run, frame, options.correlation_features)
    corr = mixed_correlation(
        frame, features, options.label, options.correlation_rows, run.seed, options.use_phik
    )
    if corr.method == "phik":
        how = (
            "Phi_K correlation (phik package) of the top features and the label, on "
            f"{corr.n_rows:,} sampled rows: 0 means unrelated, 1 fully dependent; it works for numbers and "
            "categories alike and catches non-linear links, but has no sign. Dark pairs carry much the same "
            "information; the last row shows how strongly each feature alone relates to the label. A blank "
            "cell could not be computed (one of the two has a single value wherever the other is known)."
        )
        figure = correlation_heatmap(corr.matrix, list(corr.names), "Phi_K", signed=False)
    else:
        how = (
            "The phik package is not available here, so this is Spearman's rank correlation (-1..1) with "
            "each category replaced by its label-1 rate, on "
            f"{corr.n_rows:,} sampled rows. Red pairs rise together, blue ones move opposite; the last row "
            "relates each feature to the label."
        )
        figure = correlation_heatmap(corr.matrix, list(corr.names), "Spearman", signed=True)
    if corr.constant:
        how += f" Left out for having a single value: {', '.join(corr.constant)}."
    return image(figure, "correlation matrix", how)


def data_section(run: RunView, frame: pl.DataFrame | None, options: ReportOptions) -> Section | None:
    """Feature distributions by label and the correlation matrix of the top features."""
    if frame is None or options.label not in frame.columns:
        return None
    features = top_features(run, frame, options.distribution_features)
    sample = sample_rows(frame.select(*features, options.label), options.plot_rows, run.seed)
    how = (
        "One panel per feature, the most important first. Blue is clients with label 0, red with label 1, "
        "each scaled to the same area so their shapes compare; dashed lines mark the medians. Where the "
        "colours separate, the feature tells the groups apart. Values beyond the 1st and 99th percentile "
        "are drawn at the edges."
    )
    blocks = [
        image(
            distributions(sample, features, options.label),
            "feature distributions by label",
            how + f" {sample.height:,} rows drawn.",
        )
    ]
    if features:
        blocks.append(_correlation_block(run, frame, options))
    intro = f"The labelled rows the model was trained and tested on: {data_line(frame, options.label)}."
    return Section("data", TITLES["data"], intro, tuple(blocks))


def _test_frame(run: RunView, frame: pl.DataFrame | None, label: str) -> pl.DataFrame:
    """The test clients with label and probability, and their features where the frame has them."""
    t = run.test
    scores = pl.DataFrame({"client_id": t.client_ids, "_label": t.labels, "_p": t.probability})
    if frame is None or "client_id" not in frame.columns:
        return scores
    scores = scores.with_columns(pl.col("client_id").cast(frame.schema["client_id"]))
    rows = frame.filter(pl.col("client_id").is_in(scores["client_id"].implode()))
    if "is_provided" in rows.columns:
        rows = rows.filter(pl.col("is_provided"))
    if "as_of_date" in rows.columns:  # one row per client: the latest, where the test label sits
        rows = rows.sort("client_id", "as_of_date").unique("client_id", keep="last", maintain_order=True)
    rows = rows.drop(label, strict=False)
    return scores.join(rows, on="client_id", how="left", maintain_order="left")


def _summarise(values: pl.Series) -> str:
    """Median (numbers), share of yes (flags) or most common value (categories), and the missing share."""
    missing = values.null_count() / max(values.len(), 1)
    values = values.drop_nulls()
    if values.is_empty():
        return "missing"
    if values.dtype == pl.Boolean or (
        values.dtype.is_numeric() and values.cast(pl.Float64).is_in([0.0, 1.0]).all()
    ):
        text = f"{values.cast(pl.Float64).mean():.0%} yes"
    elif values.dtype.is_numeric():
        text = fmt(float(values.cast(pl.Float64).median()))
    else:
        top = values.cast(pl.String).value_counts().sort(["count", values.name], descending=[True, False])
        text = f"{top[0, values.name]} ({top[0, 'count'] / values.len():.0%})"
    return text + (f" ({missing:.0%} missing)" if missing >= 0.25 else "")


def _groups(test: pl.DataFrame, share: float) -> dict[str, pl.DataFrame]:
    order = np.argsort(-test["_p"].to_numpy(), kind="stable")
    caught = np.zeros(test.height, dtype=bool)
    caught[order[: int(np.ceil(share * test.height))]] = True
    test = test.with_columns(_caught=pl.Series(caught))
    return {
        "missed positives": test.filter((pl.col("_label") == 1) & ~pl.col("_caught")),
        "caught positives": test.filter((pl.col("_label") == 1) & pl.col("_caught")),
        "negatives": test.filter(pl.col("_label") == 0),
    }


def error_section(run: RunView, frame: pl.DataFrame | None, options: ReportOptions) -> Section | None:
    """Missed against caught positives and negatives: counts, score distribution and feature medians."""
    if run.test is None:
        return None
    test = _test_frame(run, frame, options.label)
    groups = _groups(test, options.targeted_share)
    n_missed, n_pos = groups["missed positives"].height, int(run.test.labels.sum())
    share = pct(options.targeted_share, 0)
    cut = float(groups["caught positives"]["_p"].min() or 0.0) if groups["caught positives"].height else 1.0
    how = (
        f"Predicted probabilities of the test clients by outcome; targeting the top {share} means contacting "
        "everyone right of the dashed line. Red to its left are the positives the model misses."
    )
    blocks = [
        Text(
            f"If the top {share} of test clients were contacted, {n_pos - n_missed:,} of the {n_pos:,} "
            f"positives would be reached and {n_missed:,} ({pct(n_missed / max(n_pos, 1))}) missed."
        ),
        image(plots.score_distribution(run.test.labels, run.test.probability, cut), "scores by outcome", how),
    ]
    features = top_features(run, test, options.error_features) if frame is not None else []
    if features:
        rows = [("clients", *(g.height for g in groups.values()))]
        rows += [(f, *(_summarise(g[f]) for g in groups.values())) for f in features]
        caption = (
            "Medians of the top features (for a category: its most common value and its share; for a "
            "yes/no feature: the share of yes; a quarter or more missing is noted). A missed "
            "positive looks like a negative on these features: that is why it ranks low."
        )
        blocks.append(table(("feature", *groups), rows, caption))
    else:
        blocks.append(
            Text(
                "The report was given no development frame with client_id, so feature values of the "
                "missed clients are not shown."
            )
        )
    intro = (
        f"Positives are clients with {options.outcome_for(run.task)}. 'Caught' ones are in the top {share} "
        "of the ranking; 'missed' ones are ranked lower."
    )
    return Section("errors", TITLES["errors"], intro, tuple(blocks))
