"""The end of a run: predict and explain the scored clients, segment them, save the model and plots, and
write the scoring.* tables. Scoring and explaining are shared with rescoring (scoring.run.rescore)."""

import dataclasses
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
import sklearn
import xgboost

from scoring.decide.actions import action_columns, client_actions, client_values
from scoring.decide.decision import segment_scored
from scoring.decide.offer_rules import rules_for
from scoring.decide.reasons import Population, population
from scoring.explain.batches import Explained, batch_rows
from scoring.explain.contributions import contributions, summary_figures
from scoring.model.dataset import FeatureSpec, Rows
from scoring.monitor.runs import RunIds, TrainProfiles, monitor_train_run
from scoring.report.segment_sections import segment_report_sections
from scoring.run.promotion import gate_new_run
from scoring.run.result import RunResult, run_tables, score_frame
from scoring.store import artifacts, lake, warehouse
from scoring.tasks import SegmentRules, Task


@dataclass(frozen=True)
class Scored:
    """Calibrated probabilities, the out-of-fold flag and the explanations of the scored rows."""

    probability: np.ndarray
    is_out_of_fold: np.ndarray
    values: np.ndarray | None  # SHAP values, rows x names
    names: tuple[str, ...]


@contextmanager
def timed(timings: dict, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def predict_and_explain(groups: list, X: pl.DataFrame, spec: FeatureSpec, calibrator) -> tuple:
    """Raw probabilities and SHAP values of rows scored by several models: groups of (pipeline, row mask)."""
    raw, values, names = np.empty(len(X)), None, ()
    for pipeline, mask in groups:
        part = X[pl.Series(np.flatnonzero(mask))]
        raw[mask] = pipeline.predict_proba(part)[:, 1]
        explained = contributions(pipeline, part, spec)
        if explained is not None:
            names = explained[1]
            values = np.zeros((len(X), len(names)), dtype=np.float32) if values is None else values
            values[mask] = explained[0]
    return calibrator.predict(raw), values, names


def _explanation_outputs(
    scored: Scored, X: pl.DataFrame, client_ids: pl.Series, top_k: int, seed: int, sample_size: int
):
    """Top reasons per client, feature importance and the SHAP sample (None when there are no values): the
    batched path's code with all rows as one batch, so both give the same bytes."""
    batch = batch_rows(
        client_ids, X, scored.probability, scored.is_out_of_fold, scored.values, scored.names, top_k
    )
    explained = Explained(len(X), sample_size, seed)
    explained.add(batch, X)
    return batch.reasons, explained.importance(), explained.shap_sample()


def _metadata(result_fields: dict) -> dict:
    versions = {
        "python": platform.python_version(),
        "xgboost": xgboost.__version__,
        "sklearn": sklearn.__version__,
        "polars": pl.__version__,
    }
    return {**result_fields, "versions": versions}


def actions(task: Task, scoring: Rows, scored: Scored) -> tuple[pl.DataFrame, Population]:
    """Each scored client's reasons and offer (scoring.offers), set against all the scored clients, and that
    population (saved with the model: a rescore sets its clients against it)."""
    rules = rules_for(task.name)
    data = client_values(scoring.features, action_columns(rules, scored.names))
    people = population(data)
    ids = scoring.keys["client_id"]
    return client_actions(rules, task.reasons, ids, data, scored.values, scored.names, people), people


def finish_run(
    settings,
    task,
    result,
    scoring: Rows,
    scored: Scored,
    pipeline,
    calibrator,
    spec,
    top_k,
    segments=None,
    offers=None,
    people: Population | None = None,
    profiles: TrainProfiles | None = None,
) -> RunResult:
    """Finish a train run: its explanations, the saved model and plots, its profiles and drift (from
    `profiles`, scoring.monitor), and the warehouse write; `segments` (the clients' segments, for tasks that
    have them), `offers`, the profiles and the drift go in the same transaction as the run's other tables,
    and so does the promotion gate's decision (scoring.model_aliases), which reads the run's drift. (A
    rescore writes batch by batch instead: scoring.run.rescore.)"""
    timings = dict(result.timings)
    client_ids = scoring.keys["client_id"]
    with timed(timings, "explanations"):
        X = scoring.features.select(spec.columns)
        reasons, feature_importance, sample = _explanation_outputs(
            scored, X, client_ids, top_k, result.seed, task.shap_sample_rows
        )
    model_dir = (settings.models_dir / task.name / result.model_run_id).resolve()
    report_dir = (settings.reports_dir / task.name / result.model_run_id).resolve()
    scores = score_frame(client_ids, result.as_of_date, scored.probability, scored.is_out_of_fold)
    with timed(timings, "artifacts"):
        meta = {
            "model_run_id": result.model_run_id,
            "task": task.name,
            "model_type": result.model_type,
            "parameters": result.parameters,
            "as_of_date": result.as_of_date,
            "data_fingerprint": result.data_fingerprint,
            "metrics": result.metrics_json(),
            "population": dataclasses.asdict(people) if people is not None else None,
        }
        artifacts.save_model(model_dir, artifacts.ModelBundle(spec, pipeline, calibrator, _metadata(meta)))
        plots = artifacts.save_figures(report_dir, summary_figures(sample)) if sample is not None else {}
    result = dataclasses.replace(
        result, scores=scores, feature_importance=feature_importance, shap_sample=sample, model_dir=model_dir,
        report_dir=report_dir, plots=plots, timings=timings,
    )  # fmt: skip
    monitored = None
    if profiles is not None:
        with timed(timings, "monitor"):
            ids = RunIds(task.name, result.model_run_id, result.as_of_date, result.model_run_id)
            monitored = monitor_train_run(task, ids, profiles, scores)
            result = dataclasses.replace(result, drift=monitored.drift)
    with timed(timings, "write"):
        reasons = reasons.select("client_id", "feature", "feature_value", "shap_value", "rank")
        tables = run_tables(result, reasons, datetime.now(), segments, offers)
        if monitored is not None:
            tables = dataclasses.replace(tables, feature_profiles=monitored.profiles, drift=monitored.drift)
        decision = warehouse.write_run(
            settings.warehouse, tables, then=lambda con: gate_new_run(con, task, result.model_run_id)
        )
        if settings.on_spark:  # Spark's copy of the run, registered by `scoring score`
            lake.export_run(settings.warehouse, settings.spark_warehouse, result.model_run_id)
    result = dataclasses.replace(result, timings=timings, notes=(*result.notes, decision))
    artifacts.save_run_result(report_dir, result)
    return result


def segment(
    rules: SegmentRules,
    result: RunResult,
    scoring: Rows,
    scored: Scored,
    profit: pl.DataFrame,
    reasons: pl.Series,
) -> tuple:
    """The segments of the scored clients by `rules`, with the clients' `reasons`, and the report's
    sections that show them."""
    threshold = result.extra_metrics["threshold"]
    segmentation = segment_scored(
        rules, scoring, scored, threshold["value"], profit, result.model_type, reasons
    )
    X = scoring.features.select(scored.names)
    sections = segment_report_sections(
        segmentation, threshold["value"], threshold, X, np.asarray(scored.values), scored.names
    )
    return segmentation, sections
