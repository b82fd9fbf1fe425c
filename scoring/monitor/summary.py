"""`scoring monitor`: what the monitoring tables say, read once from the warehouse, as a few lines for the
terminal and as the conditions `--fail-on drift|health|performance` stop on.

- drift: the latest run of a task has a feature (or its score) flagged against its model's training data or
  the previous run;
- health: a raw source of the latest build is stale, collapsed or empty;
- performance: the latest run with realised performance did worse on its target population than the test
  ROC-AUC its model was chosen with, by more than the task's Monitoring.performance_tolerance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scoring.store.warehouse import connect
from scoring.tasks import TASKS, get_task

FAIL_ON = ("drift", "health", "performance")
TABLES = ("model_runs", "drift", "realised_performance", "data_health", "feature_profiles")


@dataclass(frozen=True)
class MonitorState:
    """The monitoring tables, as much of them as the summary and the page need."""

    runs: (
        pl.DataFrame
    )  # task, model_run_id, run_kind, source_model_run_id, created_at, as_of_date, test_roc_auc
    drift: pl.DataFrame  # every run's drift rows
    realised: pl.DataFrame
    health: pl.DataFrame  # the latest build's rows
    scores: pl.DataFrame  # per run: the score's profile (quantiles, histogram) for the page

    def tasks(self) -> list[str]:
        return sorted(self.runs["task"].unique().to_list()) if self.runs.height else []

    def latest_run(self, task: str) -> dict | None:
        runs = self.runs.filter(pl.col("task") == task).sort("created_at")
        return runs.row(-1, named=True) if runs.height else None


def _empty(con, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'scoring' and table_name = ?", [table]
    ).fetchall()[0][0]
    return not found


def _test_roc_auc(metrics: str) -> float | None:
    test = json.loads(metrics).get("test") or {}
    return test.get("roc_auc")


def read_state(warehouse: Path) -> MonitorState:
    """Read the monitoring tables of the warehouse (read-only; missing tables read as empty)."""
    frames: dict[str, pl.DataFrame] = {}
    queries = {
        "model_runs": "select task, model_run_id, run_kind, source_model_run_id, created_at, as_of_date, "
        "metrics from scoring.model_runs order by created_at",
        "drift": "select * from scoring.drift",
        "realised_performance": "select * from scoring.realised_performance order by as_of_date",
        "data_health": "select * from scoring.data_health "
        "where checked_at = (select max(checked_at) from scoring.data_health) order by all",
        "feature_profiles": "select model_run_id, as_of_date, p01, p05, p25, p50, p75, p95, p99, mean, "
        "bin_edges, bin_counts from scoring.feature_profiles "
        "where feature = 'probability' and profile_kind = 'scored'",
    }
    with connect(warehouse, read_only=True) as con:
        for table, query in queries.items():
            frames[table] = pl.DataFrame() if _empty(con, table) else con.sql(query).pl()
    runs = frames["model_runs"]
    if runs.height:
        trained = {r: _test_roc_auc(m) for r, m in runs.select("model_run_id", "metrics").iter_rows()}
        source = pl.coalesce("source_model_run_id", "model_run_id")
        runs = runs.with_columns(
            test_roc_auc=source.replace_strict(trained, default=None, return_dtype=pl.Float64)
        ).drop("metrics")
    return MonitorState(
        runs,
        frames["drift"],
        frames["realised_performance"],
        frames["data_health"],
        frames["feature_profiles"],
    )


def _drift_lines(state: MonitorState, run: dict, top: int) -> list[str]:
    drift = state.drift.filter(pl.col("model_run_id") == run["model_run_id"]) if state.drift.height else None
    if drift is None or drift.is_empty():
        return ["  drift: none measured for this run (a run from before profiles were kept)"]
    lines = []
    for kind in ("training", "previous_run"):
        rows = drift.filter(pl.col("reference_kind") == kind)
        if rows.is_empty():
            continue
        features = rows.filter(pl.col("feature") != "probability")
        flagged = features.filter("is_drifted")
        against = "its model's training data" if kind == "training" else f"run {rows['reference_run_id'][0]}"
        share = flagged.height / max(features.height, 1)
        dataset = get_task(run["task"]).monitoring.dataset_drift_share if run["task"] in TASKS else 0.5
        verdict = " (the data drifted: half or more of the features)" if share >= dataset else ""
        lines.append(f"  against {against}: {flagged.height} of {features.height} features drifted{verdict}")
        ranked = features.sort("psi", descending=True, nulls_last=True).head(top)
        for row in ranked.iter_rows(named=True):
            mark = "DRIFTED" if row["is_drifted"] else "ok"
            lines.append(
                f"    {row['feature']:<44} PSI {row['psi']:7.3f}  JS {row['js_distance']:.3f}  "
                f"threshold {row['threshold']:.3f} ({row['metric']})  {mark}"
            )
        score = rows.filter(pl.col("feature") == "probability")
        if score.height:
            row = score.row(0, named=True)
            mark = "DRIFTED" if row["is_drifted"] else "ok"
            lines.append(
                f"    the score (probability): PSI {row['psi']:.3f}  JS {row['js_distance']:.3f}  {mark}"
            )
    return lines


def _realised_lines(state: MonitorState, task: str, last: int) -> list[str]:
    if task in TASKS and get_task(task).monitoring.realised_labels is None:
        return [
            "  realised performance: not measurable: this task's files carry no dates, so no outcome can "
            "be matched to the date a run scored"
        ]
    realised = state.realised.filter(pl.col("task") == task) if state.realised.height else pl.DataFrame()
    if realised.is_empty():
        return ["  realised performance: no run's outcome window has closed in the data yet"]
    lines = ["  realised performance of past runs (target population; all scored in brackets):"]
    by_run = realised.sort("as_of_date").partition_by("model_run_id", as_dict=False, maintain_order=True)
    for rows in by_run[-last:]:
        population = rows.filter(pl.col("population") == "target_population")
        main = (population if population.height else rows).row(0, named=True)
        everyone = rows.filter(pl.col("population") == "scored")
        all_auc = f" [{everyone['roc_auc'][0]:.3f}]" if everyone.height and everyone["roc_auc"][0] else ""
        expected = state.runs.filter(pl.col("model_run_id") == main["model_run_id"])["test_roc_auc"]
        against = f", tested {expected[0]:.3f}" if expected.len() and expected[0] is not None else ""
        lines.append(
            f"    {main['model_run_id']} as of {main['as_of_date']}: ROC-AUC {_fmt(main['roc_auc'])}{all_auc}"
            f"{against}, AP {_fmt(main['average_precision'])}, lift@10% {_fmt(main['lift_at_10pct'], 2)}, "
            f"ECE {_fmt(main['ece'], 4)} ({main['clients']:,} clients, {main['positives']:,} positive)"
        )
    return lines


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _health_lines(state: MonitorState) -> list[str]:
    if state.health.is_empty():
        return ["data health: no build has recorded it yet (make build-features)"]
    checked = state.health["checked_at"][0]
    bad = state.health.filter(pl.col("status") != "ok")
    ok = state.health.height - bad.height
    lines = [f"data health of the latest build ({checked:%Y-%m-%d %H:%M}): {ok} of {state.health.height} ok"]
    lines += [f"  PROBLEM {message}" for message in bad["message"].to_list()]
    return lines


def format_summary(state: MonitorState, top: int = 5, last_runs: int = 5) -> str:
    """The terminal summary: per task, its latest run's drift and the realised performance of past runs;
    then the data health of the latest build."""
    if not state.tasks():
        return "No runs in the warehouse yet: make score"
    lines = []
    for task in state.tasks():
        run = state.latest_run(task)
        lines.append(
            f"{task}: latest run {run['model_run_id']} ({run['run_kind']}), as of {run['as_of_date']}"
        )
        lines += _drift_lines(state, run, top)
        lines += _realised_lines(state, task, last_runs)
    lines += _health_lines(state)
    return "\n".join(lines)


def failures(state: MonitorState, fail_on: tuple[str, ...]) -> list[str]:
    """What the asked conditions (FAIL_ON) find, one sentence each; empty when nothing fails."""
    found = []
    if "drift" in fail_on and state.drift.height:
        for task in state.tasks():
            run = state.latest_run(task)
            flagged = state.drift.filter(
                (pl.col("model_run_id") == run["model_run_id"]) & pl.col("is_drifted")
            )
            if flagged.height:
                names = ", ".join(sorted(set(flagged["feature"].to_list()))[:8])
                found.append(
                    f"drift: {task} run {run['model_run_id']} has {flagged.height} drifted rows ({names})"
                )
    if "health" in fail_on and state.health.height:
        found += [f"health: {m}" for m in state.health.filter(pl.col("status") != "ok")["message"].to_list()]
    if "performance" in fail_on and state.realised.height:
        found += _performance_failures(state)
    return found


def _performance_failures(state: MonitorState) -> list[str]:
    found = []
    for task in state.tasks():
        rows = state.realised.filter(
            (pl.col("task") == task)
            & (pl.col("population") == "target_population")
            & pl.col("roc_auc").is_not_null()
        ).sort("as_of_date")
        if rows.is_empty():
            continue
        latest = rows.row(-1, named=True)
        expected = state.runs.filter(pl.col("model_run_id") == latest["model_run_id"])["test_roc_auc"]
        tolerance = get_task(task).monitoring.performance_tolerance if task in TASKS else 0.05
        if expected.len() and expected[0] is not None and latest["roc_auc"] < expected[0] - tolerance:
            found.append(
                f"performance: {task} run {latest['model_run_id']} (as of {latest['as_of_date']}) realised "
                f"ROC-AUC {latest['roc_auc']:.3f} on its target population, below its test ROC-AUC "
                f"{expected[0]:.3f} by more than {tolerance}"
            )
    return found
