"""Monitoring in HTML: the section of a run's report on its drift, and data/reports/monitoring.html, every run
of each task over time (realised ROC-AUC and calibration, a feature x run heat map of PSI, the score's
distribution, the latest build's data health). Frames in (the rows of scoring.drift, realised_performance,
data_health, feature_profiles, as scoring.monitor reads them), sections and one file out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.colors import LogNorm

from scoring.report.blocks import Bullets, Section, Text, image, new_figure, table
from scoring.report.plots import MODEL, POSITIVE, RANDOM
from scoring.report.render import Page, render_page
from scoring.tasks import TASKS

HEAT_FEATURES = 30  # features in the heat map: the ones that moved most in any run
HEAT_RUNS = 24  # the latest runs in the heat map and the score's distribution


def _kind_label(kind: str) -> str:
    return "its model's training data" if kind == "training" else "the previous run"


DRIFT_COLUMNS = (
    "feature",
    "psi",
    "js_distance",
    "linf_distance",
    "threshold",
    "training_spread",
    "is_drifted",
)
DRIFT_HEADER = (
    "feature",
    "PSI",
    "JS distance",
    "L-inf",
    "threshold",
    "spread of training cutoffs",
    "drifted",
)
REALISED_COLUMNS = ("model_run_id", "as_of_date", "window_end", "population", "clients", "positives",
                    "roc_auc", "average_precision", "lift_at_10pct", "brier", "ece")  # fmt: skip
REALISED_HEADER = ("run", "as of", "window end", "population", "clients", "positives", "ROC-AUC", "AP",
                   "lift@10%", "Brier", "ECE")  # fmt: skip
HEALTH_COLUMNS = ("data_set", "raw_source", "slice", "row_count", "newest_event_date", "recent_ratio",
                  "null_share", "duplicate_share", "status", "message")  # fmt: skip
HEALTH_HEADER = ("data set", "source", "slice", "rows", "newest event", "recent / usual", "nulls",
                 "duplicates", "status", "message")  # fmt: skip
BOX = {"med": "p50", "q1": "p25", "q3": "p75", "whislo": "p05", "whishi": "p95", "mean": "mean"}


def _caption(top: int, kind: str) -> str:
    return f"The {top} features that moved most against {_kind_label(kind)}"


def run_section(drift: pl.DataFrame | None, top: int = 10) -> Section | None:
    """The run's drift against its model's training data and the previous run: the counts, the features that
    moved most, and the score's own drift."""
    if drift is None or drift.is_empty():
        return None
    blocks: list = []
    facts = []
    for kind in ("training", "previous_run"):
        rows = drift.filter(pl.col("reference_kind") == kind)
        if rows.is_empty():
            continue
        features = rows.filter(pl.col("feature") != "probability")
        flagged = features.filter("is_drifted")
        facts.append(
            f"Against {_kind_label(kind)} (run {rows['reference_run_id'][0]}): {flagged.height} of "
            f"{features.height} features drifted"
            + (f": {', '.join(flagged['feature'].to_list()[:10])}." if flagged.height else ".")
        )
        score = rows.filter(pl.col("feature") == "probability")
        if score.height:
            s = score.row(0, named=True)
            facts.append(
                f"The score against {_kind_label(kind)}: PSI {s['psi']:.3f}, "
                f"JS distance {s['js_distance']:.3f}"
                + (" — drifted." if s["is_drifted"] else ", within its threshold.")
            )
        ranked = features.sort("psi", descending=True, nulls_last=True).head(top)
        blocks.append(table(DRIFT_HEADER, ranked.select(DRIFT_COLUMNS).rows(), caption=_caption(top, kind)))
    intro = (
        "How far what this run scored lies from what its model learned from, and from the task's previous "
        "run: PSI (0.1 a moderate shift, 0.2 a major one), Jensen-Shannon distance and the largest change in "
        "one bin's share. Against the training data a feature is flagged only beyond both its threshold and "
        "the spread its training cutoffs show among themselves (the season the model has already seen)."
    )
    return Section(
        "monitoring",
        "Monitoring: drift of this run's data and score",
        intro,
        (Bullets(tuple(facts)), *blocks),
    )


def _realised_figure(realised: pl.DataFrame):
    figure = new_figure(10, 3.8)
    left, right = figure.subplots(1, 2)
    for population, colour in (("target_population", MODEL), ("scored", POSITIVE)):
        rows = realised.filter(pl.col("population") == population).sort("as_of_date")
        if rows.is_empty():
            continue
        label = "target population" if population == "target_population" else "every client scored"
        left.plot(rows["as_of_date"].to_list(), rows["roc_auc"].to_list(), "o-", color=colour, label=label)
        right.plot(rows["as_of_date"].to_list(), rows["ece"].to_list(), "o-", color=colour, label=label)
    dates = realised["as_of_date"]
    span = (dates.min() - timedelta(days=45), dates.max() + timedelta(days=45))  # one run: not two years
    for axis in (left, right):
        axis.set_xlim(*span)
    left.axhline(0.5, ls="--", color=RANDOM, label="random ranking")
    left.set(title="Realised ROC-AUC per run", xlabel="date the run scored", ylabel="ROC-AUC")
    right.set(title="Realised calibration error (ECE) per run", xlabel="date the run scored", ylabel="ECE")
    left.legend(loc="lower left")
    right.legend(loc="upper left")
    for axis in (left, right):
        axis.tick_params(axis="x", labelrotation=30)
    return figure


def _run_labels(runs: pl.DataFrame) -> list[str]:
    return [
        f"{r['as_of_date']}\n{r['run_kind']} {r['model_run_id'][-6:]}" for r in runs.iter_rows(named=True)
    ]


def _heat_map(drift: pl.DataFrame, runs: pl.DataFrame):
    """Features (rows) x runs (columns): PSI against the model's training data, drifted cells marked."""
    training = drift.filter((pl.col("reference_kind") == "training") & (pl.col("feature") != "probability"))
    training = training.filter(pl.col("model_run_id").is_in(runs["model_run_id"].implode()))
    # the features nearest to (or past) their threshold first, not those that always move a lot
    closeness = (pl.col("psi") / pl.col("threshold")).max().alias("closeness")
    order = training.group_by("feature").agg(closeness).sort("closeness", descending=True, nulls_last=True)
    features = order["feature"].head(HEAT_FEATURES).to_list()
    ids = runs["model_run_id"].to_list()
    psi = np.full((len(features), len(ids)), np.nan)
    drifted = np.zeros_like(psi, dtype=bool)
    index = {f: i for i, f in enumerate(features)}
    column = {r: j for j, r in enumerate(ids)}
    for row in training.filter(pl.col("feature").is_in(features)).iter_rows(named=True):
        psi[index[row["feature"]], column[row["model_run_id"]]] = row["psi"]
        drifted[index[row["feature"]], column[row["model_run_id"]]] = row["is_drifted"]
    # wide enough for the feature names, the colour bar and a column per run
    figure = new_figure(min(max(9, 5 + 0.5 * len(ids)), 16), 2 + 0.26 * len(features))
    axis = figure.subplots()
    shown = axis.imshow(np.clip(psi, 1e-3, 10), aspect="auto", cmap="YlOrRd", norm=LogNorm(1e-3, 10))
    rows, cols = np.nonzero(drifted)
    axis.scatter(cols, rows, marker="x", color="black", s=30)
    axis.set_yticks(range(len(features)), features, fontsize=8)
    axis.set_xticks(range(len(ids)), _run_labels(runs), fontsize=7, rotation=60, ha="right")
    figure.colorbar(shown, ax=axis, label="PSI against the training data (log scale)")
    axis.set_title("PSI against the training data per feature and run (x: drifted)")
    return figure


def _score_distribution(scores: pl.DataFrame, runs: pl.DataFrame):
    """The score's quantiles per run as boxes: p25 to p75, the median, whiskers from p05 to p95."""
    joined = runs.join(scores, on="model_run_id", how="inner").unique("model_run_id", keep="first")
    joined = runs.select("model_run_id").join(joined, on="model_run_id", how="inner")
    stats = [{k: r[c] for k, c in BOX.items()} | {"fliers": []} for r in joined.iter_rows(named=True)]
    figure = new_figure(min(max(6, 3 + 0.55 * len(stats)), 16), 3.8)
    axis = figure.subplots()
    if stats:
        axis.bxp(stats, showmeans=True, patch_artist=True, boxprops={"facecolor": "#dbe9f3"})
        axis.set_xticks(range(1, len(stats) + 1), _run_labels(joined), fontsize=7, rotation=60, ha="right")
    axis.set(ylabel="probability", title="The score's distribution per run (whiskers: 5 % to 95 %)")
    return figure


def task_sections(state, task: str) -> list[Section]:
    """The page's sections for one task."""
    runs = state.runs.filter(pl.col("task") == task).sort("created_at").tail(HEAT_RUNS)
    blocks: list = []
    realised = state.realised.filter(pl.col("task") == task) if state.realised.height else pl.DataFrame()
    if realised.height:
        how = (
            "Each dot is a past run whose outcome window has closed: how well its scores ranked (left) and "
            "how far its probabilities were from what happened (right), over its target population and over "
            "every "
            "client it scored."
        )
        blocks.append(image(_realised_figure(realised), "realised performance per run", how))
        shown = realised.sort("as_of_date", "population").select(REALISED_COLUMNS).rows()
        blocks.append(
            table(REALISED_HEADER, shown, caption="Realised performance (scoring.realised_performance)")
        )
    elif task in TASKS and TASKS[task].monitoring.realised_labels is None:
        blocks.append(Text("Realised performance: not measurable, this task's files carry no dates."))
    else:
        blocks.append(
            Text("Realised performance: no run of this task has an outcome window closed in the data.")
        )
    drift = state.drift.filter(pl.col("task") == task) if state.drift.height else pl.DataFrame()
    if drift.height:
        how = (
            "Rows are the features nearest to their threshold in some run, columns the runs (oldest left); "
            "the colour is the PSI of what the run scored against its model's training data (log scale: a "
            "feature that moves a lot between the training cutoffs has a threshold raised to match), a cross "
            "marks a feature flagged as drifted."
        )
        blocks.append(image(_heat_map(drift, runs), "PSI heat map", how))
    if state.scores.height and state.scores["model_run_id"].is_in(runs["model_run_id"].implode()).any():
        how = (
            "Each box is one run's probabilities: the box holds the middle half, the line the median, the "
            "dot the mean."
        )
        blocks.append(image(_score_distribution(state.scores, runs), "score distribution per run", how))
    intro = f"{runs.height} runs of {task}, oldest first."
    return [Section(f"task-{task}", f"Task {task}", intro, tuple(blocks))]


def health_section(health: pl.DataFrame) -> Section | None:
    if health.is_empty():
        return None
    problems = health.filter(pl.col("status") != "ok").height
    checked = health["checked_at"][0]
    intro = f"The raw sources at the latest build ({checked:%Y-%m-%d %H:%M}): {problems} with a problem."
    rows = health.select(HEALTH_COLUMNS).rows()
    return Section("health", "Data health of the latest build", intro, (table(HEALTH_HEADER, rows),))


def write_monitoring_page(state, path: Path) -> Path:
    """Write data/reports/monitoring.html from the monitoring state (scoring.monitor.summary.MonitorState)."""
    sections = [s for task in state.tasks() for s in task_sections(state, task)]
    health = health_section(state.health)
    if health is not None:
        sections.append(health)
    if not sections:
        sections = [Section("empty", "No runs yet", "Run make score, then scoring monitor.")]
    page = Page(
        title="Monitoring: every run over time",
        heading="Monitoring",
        subtitle="Realised performance, drift and the score's distribution per run; the raw sources' health",
        footer="Written by scoring monitor from the scoring.* tables. One self-contained file: it reads "
        "offline.",
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(page, sections), encoding="utf-8")
    return path
