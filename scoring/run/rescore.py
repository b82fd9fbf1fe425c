"""Rescoring with a saved model, without training: the feature mart at the scoring date is read (the key
and every feature: the model's, and the rest for the run's profile, scoring.monitor), scored, explained,
profiled and written in batches of rows (scoring.explain.batches,
scoring.store.batch_writer). Each batch, and then each slice of the ranked scores, is committed and
checkpointed into the run's copy of the warehouse, so Python holds one batch and DuckDB keeps nothing in
memory that it cannot evict or spill; the copy is published whole, like a training run. The mart is read one
range of client ids per batch (batch_writer.read_batches), so the view's joins hold one batch too. The peak is
the libraries (~0.45 GB), one batch and DuckDB's cache (under batch_writer.MEMORY_LIMIT, which also holds the
count of the mart's rows): 0.52 GB at 61k clients, 0.56 GB at 183k, 0.62 GB at 611k (`python -m
benchmarks --stages rescore` at scales 1, 3 and 10). The batches themselves stay between 0.45 and 0.6 GB
from the first to the last (RSS at each commit, scale 10); Python's heap is flat (tracemalloc). Reading
every feature of the mart for the profile (under monitor.runs.PROFILE_MEMORY_LIMIT while a batch is read and
profiled) took the peak to 0.71 GB at 61k clients; batches and the profile's sample are capped.

A batch's results equal those of all rows at once when the model scores each row on its own (XGBoost:
predictions and TreeSHAP per row). Linear models explain a row against the mean of the rows scored, and
tasks with segments need the median of each feature and a quantile of profit over all clients, and every
SHAP value for their report: those are scored as one batch (an exact stream would take a second pass over
the mart; the one-click mart they run on has about 1,300 clients), with memory that grows with the clients.
So are marts a Spark build wrote (read whole from Parquet through Polars, scoring.store.lake).
"""

import dataclasses
import json
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
from tqdm.auto import tqdm

from scoring.decide.actions import action_columns, client_actions, client_values
from scoring.decide.offer_rules import rules_for
from scoring.decide.offers import OfferRule
from scoring.decide.reasons import Population
from scoring.errors import DataError
from scoring.explain.batches import Explained, batch_rows
from scoring.explain.contributions import summary_figures
from scoring.model.candidates import BoostedTrees
from scoring.model.dataset import FeatureSpec, StreamingFingerprint, feature_spec, scoring_rows
from scoring.monitor.runs import PROFILE_MEMORY_LIMIT, RescoreMonitor, RunIds
from scoring.report import monitoring, write_report
from scoring.run.finish import Scored, predict_and_explain, segment, timed
from scoring.run.result import OFFER_COLUMNS, RunResult, model_run_frame, new_run_id
from scoring.settings import Settings
from scoring.store import artifacts, atomic, batch_writer, lake, warehouse
from scoring.store.marts import read_profit
from scoring.tasks import Task, get_task

BATCH_ROWS = (
    50_000  # rows scored and explained at a time: ~100 MB of features and SHAP values at 100 features
)


def _carried_threshold(run: dict) -> dict:
    """The decision threshold of the run whose model is reused (rescores carry it on), if it chose one."""
    threshold = json.loads(run["metrics"]).get("threshold")
    return {"threshold": threshold} if threshold else {}


def rescore(settings: Settings, model_run_id: str, top_k: int = 5, batch_size: int = BATCH_ROWS) -> RunResult:
    """Score the feature mart at the scoring date with a saved model, without training, `batch_size` rows
    at a time (holding the warehouse's run lock, so no build replaces the marts meanwhile)."""
    with atomic.run_lock(settings.warehouse, "score --model-run"):
        return _rescore(settings, model_run_id, top_k, batch_size)


def _one_batch_only(task: Task, bundle: artifacts.ModelBundle) -> bool:
    return task.segments is not None or not isinstance(bundle.pipeline[-1], BoostedTrees)


def _rescore(settings: Settings, model_run_id: str, top_k: int, batch_size: int) -> RunResult:
    timings, created = {}, datetime.now()
    run = warehouse.read_model_run(settings.warehouse, model_run_id)
    task = get_task(run["task"])
    key = task.columns.key
    with timed(timings, "read"):
        bundle = artifacts.load_model(Path(run["artifact_path"]))
        if settings.on_spark:  # Spark's Parquet marts, read whole through Polars (scoring/store/lake.py)
            mart, as_of = lake.read_scoring_frame(
                settings.spark_warehouse, task.feature_mart, key, settings.as_of
            )
            n_rows = mart.height
        else:
            as_of, n_rows = warehouse.scoring_date_and_count(
                settings.warehouse, task.feature_mart, key, settings.as_of, batch_writer.MEMORY_LIMIT
            )
    run_id = new_run_id(task.name, created)
    result = RunResult(
        task=task.name, model_run_id=run_id, run_kind="rescore", created_at=created, as_of_date=as_of,
        model_type=run["model_type"], parameters=bundle.metadata["parameters"], features=bundle.spec.columns,
        all_features=bundle.spec.columns, data_fingerprint="", seed=settings.seed, scores=pl.DataFrame(),
        feature_importance=pl.DataFrame(), shap_sample=None, timings=timings,
        model_dir=Path(run["artifact_path"]),
        report_dir=(settings.reports_dir / task.name / run_id).resolve(),
        source_model_run_id=run["source_model_run_id"] or model_run_id,
        calibration=bundle.calibrator.to_json(), extra_metrics=_carried_threshold(run),
    )  # fmt: skip
    segmented = task.segments is not None and "threshold" in result.extra_metrics
    acting = _Acting(task, rules_for(task.name), saved_population(bundle.metadata))
    profit = read_profit(settings, task, as_of) if segmented else None
    batch_size = n_rows if settings.on_spark or _one_batch_only(task, bundle) else batch_size
    explained = Explained(n_rows, task.shap_sample_rows, settings.seed, keep_values=segmented)
    ids = {"task": task.name, "model_run_id": run_id}
    with warehouse.run_transaction(settings.warehouse) as con:
        batch_writer.limit_memory(con, atomic.building_path(settings.warehouse).parent / "spill")
        spec = _profiled_features(con, task, mart if settings.on_spark else None, bundle.spec)
        monitor = RescoreMonitor(
            con, task, spec, RunIds(task.name, run_id, as_of, result.source_model_run_id), n_rows
        )
        frames = (
            [mart]
            if settings.on_spark
            else batch_writer.read_batches(
                con,
                task.feature_mart,
                key,
                as_of,
                batch_size,
                (*action_columns(acting.rules, bundle.spec.columns), *spec.columns),
                PROFILE_MEMORY_LIMIT,  # every feature is read, for the profile
            )
        )
        last, fingerprint = _score_batches(
            frames,
            acting,
            bundle,
            _Batching(batch_size, n_rows, top_k),
            explained,
            ids,
            timings,
            con,
            monitor,
        )
        with timed(timings, "write"):
            n_scored, _ = batch_writer.write_ranked_scores(con, ids, as_of, datetime.now(), batch_size)
        with timed(timings, "monitor"):
            monitored = monitor.finish()
        result, sections, segments = _finish(
            result, explained, n_scored, fingerprint, last, profit, task.segments
        )
        result = dataclasses.replace(result, drift=monitored.drift)
        with timed(timings, "write"):
            warehouse.append(con, "model_runs", model_run_frame(result))
            warehouse.append(con, "feature_importance", _with_ids(result.feature_importance, ids))
            warehouse.append(con, "feature_profiles", monitored.profiles)
            if not monitored.drift.is_empty():
                warehouse.append(con, "drift", monitored.drift)
            if segments is not None:
                warehouse.append(con, "segments", _with_ids(segments, ids))
    if settings.on_spark:  # Spark's copy of the run, registered by `scoring score`
        lake.export_run(settings.warehouse, settings.spark_warehouse, run_id)
    result = dataclasses.replace(result, timings=timings)
    artifacts.save_run_result(result.report_dir, result)
    sections = (*sections, *filter(None, [monitoring.run_section(result.drift)]))
    write_report(result, None, result.report_dir, extra_sections=sections)
    return result


def _with_ids(frame: pl.DataFrame, ids: dict[str, str]) -> pl.DataFrame:
    return frame.with_columns(**{k: pl.lit(v) for k, v in ids.items()})


@dataclass(frozen=True)
class _Batching:
    size: int
    n_rows: int
    top_k: int


def _profiled_features(con, task: Task, mart: pl.DataFrame | None, model: FeatureSpec) -> FeatureSpec:
    """Every feature of the task's feature mart (what a run profiles), from its columns in the warehouse
    being replaced (or in the frame a Spark build's Parquet gave); the model's features alone when the
    mart lacks one of the task's columns (the batches then say which, and what to do)."""
    schema = (
        mart.schema
        if mart is not None
        else con.sql(f"select * from previous.{task.feature_mart} limit 0").pl().schema
    )
    try:
        return feature_spec(task.columns, schema, task.feature_mart)
    except DataError:
        return model


@dataclass(frozen=True)
class _Acting:
    """The task, its offer rules and the population its clients' reasons are set against: the one the
    model's training run scored (saved with the model), so a batch's reasons depend on nothing but the
    batch."""

    task: Task
    rules: tuple[OfferRule, ...]
    people: Population


def saved_population(metadata: dict) -> Population:
    """The population saved with a model (empty for a model saved before populations were: its reasons then
    give the clients' values without the population's)."""
    saved = metadata.get("population") or {}
    return Population(
        saved.get("medians", {}), saved.get("flag_shares", {}), saved.get("category_shares", {})
    )


def _score_batches(
    frames, acting: _Acting, bundle, batching: _Batching, explained: Explained, ids, timings, con, monitor
):
    """Score, explain and write the mart's frames (batches) one by one, with each client's reasons and offer,
    committing each into the run's copy of the warehouse, and stage each for the run's profile (`monitor`);
    returns the last batch (rows, results and actions) and the data fingerprint of all of them."""
    task = acting.task
    last = None
    total = -(-batching.n_rows // batching.size)
    with closing(StreamingFingerprint()) as fingerprint:  # its spooled files go even when a batch fails
        for number, frame in enumerate(
            tqdm(frames, desc="rescoring", unit="batch", total=total, leave=False)
        ):
            rows, X, batch = _score_batch(frame, task, bundle, batching.top_k, timings)
            with timed(timings, "monitor"):
                monitor.add(frame)
            fingerprint.add(rows)
            with timed(timings, "explanations"):
                explained.add(batch, X)
            with timed(timings, "offers"):
                offers = _batch_actions(acting, frame, rows, batch)
            with timed(timings, "write"):
                batch_writer.stage_scores(con, batch.scores, first=number == 0)
                batch_writer.append_explanations(con, batch.reasons, ids)
                warehouse.append(con, "offers", _with_ids(offers.select(OFFER_COLUMNS), ids))
                batch_writer.commit_batch(con)
            last = (rows, batch, offers)
        return last, fingerprint.hexdigest()


def _batch_actions(acting: _Acting, frame: pl.DataFrame, rows, batch) -> pl.DataFrame:
    """A batch's reasons and offers (scoring.offers), from its mart rows and SHAP values."""
    data = client_values(frame, action_columns(acting.rules, batch.names))
    ids = rows.keys["client_id"]
    reasons = acting.task.reasons
    return client_actions(acting.rules, reasons, ids, data, batch.values, batch.names, acting.people)


def _score_batch(frame: pl.DataFrame, task: Task, bundle, top_k: int, timings: dict) -> tuple:
    """One batch's rows, model features and results (scores, top reasons, SHAP values)."""
    missing = [c for c in bundle.spec.columns if c not in frame.columns]
    if missing:
        raise DataError(f"{task.feature_mart} lacks the model's features {missing[:5]}: rebuild the marts")
    rows = scoring_rows(frame, task.columns, bundle.spec, task.feature_mart)
    with timed(timings, "score_and_explain"):
        X = rows.features.select(bundle.spec.columns)
        everyone = np.ones(len(X), dtype=bool)
        probability, values, names = predict_and_explain(
            [(bundle.pipeline, everyone)], X, bundle.spec, bundle.calibrator
        )
    with timed(timings, "explanations"):
        batch = batch_rows(rows.keys["client_id"], X, probability, ~everyone, values, names, top_k)
    return rows, X, batch


def _finish(result: RunResult, explained: Explained, n_scored: int, fingerprint: str, last, profit, rules):
    """The run result with what the batches gave, the plots, and the segments by `rules` (one batch) when
    the task has them (a profit was read)."""
    sample = explained.shap_sample()
    with timed(result.timings, "artifacts"):
        plots = (
            artifacts.save_figures(result.report_dir, summary_figures(sample)) if sample is not None else {}
        )
    result = dataclasses.replace(
        result, data_fingerprint=fingerprint, feature_importance=explained.importance(), shap_sample=sample,
        plots=plots, n_scored=n_scored, n_out_of_fold=0,
    )  # fmt: skip
    if profit is None:
        return result, (), None
    rows, batch, offers = last
    scored = Scored(batch.scores["probability"].to_numpy(), batch.scores["is_out_of_fold"].to_numpy(),
                    explained.values(), batch.names)  # fmt: skip
    segmentation, sections = segment(rules, result, rows, scored, profit, offers["reason"])
    columns = ("client_id", "probability", "profit", "segment", "offer", "reason")
    return result, sections, segmentation.clients.select(columns)
