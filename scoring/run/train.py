"""The scoring job: read a task's marts, choose and validate a model under both protocols, cross-fit it,
score and explain every client at the scoring date, save the model, write the scoring.* tables.
scoring.run.rescore scores new data with a saved model, without training."""

import dataclasses
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from scoring import stages
from scoring.decide.decision import decision_metrics
from scoring.errors import DataError
from scoring.model.candidates import BoostedTrees, Candidate, input_features, xgboost_pipeline
from scoring.model.cv_protocol import cross_validated_protocol
from scoring.model.dataset import FeatureSpec, Rows, feature_spec, fingerprint, labelled_rows, scoring_rows
from scoring.model.feature_selection import SelectionResult, select_features
from scoring.model.final_model import FinalModel, assign_models, fit_final
from scoring.model.holdout_protocol import FittedProtocol, fit_protocol
from scoring.model.sampling import TrainingSample, sample_clients
from scoring.model.splits import client_split, out_of_time_split, provided_stand_in
from scoring.monitor.runs import TrainProfiles, previous_in_warehouse, profile_training_data
from scoring.report import development_frame, monitoring, write_report
from scoring.run.finish import Scored, actions, finish_run, predict_and_explain, segment, timed
from scoring.run.result import RunResult, new_run_id
from scoring.settings import Settings
from scoring.store import atomic
from scoring.store.marts import mart_source, read_profit
from scoring.tasks import TASKS, ModelChoice, Task, get_task


@dataclass(frozen=True)
class TaskData:
    """A task's labelled rows, the rows to score, the feature spec, the scoring date and which labelled
    clients the rows are (all, or a sample when the task caps its training rows)."""

    rows: Rows
    scoring: Rows
    spec: FeatureSpec
    as_of: date
    fingerprint: str
    sample: TrainingSample
    profit: pl.DataFrame | None  # client_id, profit at the scoring date: for tasks with segments
    profiles: TrainProfiles | None = None  # the reference and the scored rows' profiles (scoring.monitor)
    profile_seconds: float = 0.0


def tasks_with_marts(settings: Settings) -> list[Task]:
    """The tasks whose training and feature marts exist in the warehouse."""
    wanted = [r for t in TASKS.values() for r in (t.training_mart, t.feature_mart)]
    reader, location = mart_source(settings)
    present = reader.existing_relations(location, wanted)
    return [t for t in TASKS.values() if {t.training_mart, t.feature_mart} <= present]


def load_task_data(settings: Settings, task: Task) -> TaskData:
    """Read the training and feature marts once and prepare them for the estimators; beyond the task's
    max_training_rows only a sample of whole clients is read (scoring.model.sampling)."""
    columns, key = task.columns, task.columns.key
    reader, location = mart_source(settings)
    per_client = reader.labelled_rows_per_client(
        location, task.training_mart, columns.label, columns.id_column
    )
    sample = sample_clients(per_client, task.max_training_rows, settings.seed)
    training, scoring, as_of = reader.read_task_frames(
        location, task.training_mart, task.feature_mart, columns.label, key, settings.as_of, sample.clients
    )
    if training.is_empty():
        raise DataError(
            f"{task.training_mart} has no labelled rows as of {as_of}, so there is nothing to learn from: a "
            "row is labelled once its label window (the task's horizon after its cutoff) has closed by the "
            "scoring date. Score a later date (AS_OF=...), or check the label column "
            f"{columns.label!r} if the date has labelled cutoffs before it"
        )
    spec = feature_spec(columns, training.schema, task.training_mart, task.choice.baseline_features)
    start = time.perf_counter()
    previous = previous_in_warehouse(settings.warehouse, task.name)
    profiled = profile_training_data(task, spec, training, scoring, previous)
    profile_seconds = time.perf_counter() - start
    rows = labelled_rows(training, columns, spec, task.training_mart)
    profit = read_profit(settings, task, as_of) if task.segments is not None else None
    scoring = scoring_rows(scoring, columns, spec, task.feature_mart)
    return TaskData(rows, scoring, spec, as_of, fingerprint(rows), sample, profit, profiled, profile_seconds)


def _final_candidate(
    fitted: FittedProtocol, spec: FeatureSpec, selection: SelectionResult | None, choice: ModelChoice
):
    """The chosen candidate, unfitted, with its (selected) features and hyperparameters."""
    chosen = fitted.result.chosen
    if chosen != "xgboost" or fitted.result.search is None:  # no search: the pipeline holds its settings
        max_rows = {"knn": choice.knn_max_rows, "logistic_regression": choice.linear_max_rows}.get(chosen)
        used = spec.subset(input_features(fitted.pipelines[chosen]))  # the baseline reads two columns
        return (
            Candidate(chosen, fitted.pipelines[chosen], max_rows),
            used,
            fitted.result.candidate(chosen).params,
        )
    params = dict(fitted.result.search.best.params)
    n_rounds = selection.n_rounds if selection else fitted.result.search.best.n_rounds
    final_spec = spec.subset(selection.selected) if selection else spec
    model = BoostedTrees(n_estimators=n_rounds, **params)
    return (
        Candidate("xgboost", xgboost_pipeline(final_spec, model)),
        final_spec,
        {**params, "n_estimators": n_rounds},
    )


def _select(fitted: FittedProtocol, data: TaskData, split, task: Task, seed: int) -> SelectionResult | None:
    if fitted.result.chosen != "xgboost" or not task.selection.sizes:
        return None
    model = fitted.pipelines["xgboost"][-1]
    y_train, y_valid = data.rows.y[split.train], data.rows.y[split.valid]
    params = fitted.result.search.best.params
    arrays, names = fitted.tree_arrays, data.spec.columns
    return select_features(
        model, params, arrays, y_train, y_valid, names, task.selection, task.search, task.choice.metric, seed
    )


def _score_final(final: FinalModel, data: TaskData, spec: FeatureSpec) -> Scored:
    fold, _ = assign_models(final, data.scoring.keys["client_id"])
    groups = [(final.fold_pipelines[f] if f >= 0 else final.pipeline, fold == f) for f in np.unique(fold)]
    X = data.scoring.features.select(spec.columns)
    probability, values, names = predict_and_explain(groups, X, spec, final.calibrator)
    # every labelled client is scored by a model that never saw its labels: out of fold when cross-fitted,
    # the final model when a test client or (with a cap) one left out of the sample
    is_out_of_fold = data.scoring.keys["client_id"].is_in(data.sample.labelled_clients.implode()).to_numpy()
    return Scored(probability, is_out_of_fold, values, names)


def _with_model_scores(data: TaskData, final: FinalModel, spec: FeatureSpec) -> TaskData:
    """The task data with the final model's probability of every scored client beside its profiles: what a
    rescore of the model gives on these rows, the score's reference (scoring.monitor.runs.TrainProfiles)."""
    if data.profiles is None:
        return data
    X = data.scoring.features.select(spec.columns)
    probability = final.calibrator.predict(final.pipeline.predict_proba(X)[:, 1])
    scores = data.scoring.keys.select("client_id", "as_of_date").with_columns(
        probability=pl.Series(probability)
    )
    return dataclasses.replace(data, profiles=dataclasses.replace(data.profiles, model_scores=scores))


def target_population_mask(rows: Rows, target_population: str | None) -> np.ndarray:
    """Which labelled rows belong to the target population, the rows whose boolean feature
    `target_population` is true (all when it is None)."""
    if target_population is None:
        return np.ones(len(rows), dtype=bool)
    return rows.features[target_population].fill_nan(0).fill_null(0).cast(pl.Boolean).to_numpy()


def _with_stand_in(data: TaskData, population: np.ndarray) -> tuple[TaskData, np.ndarray, tuple[str, ...]]:
    """The task data with derived labels standing in for a provided target the scoring date lacks (a past
    date: scoring.model.splits.provided_stand_in), the population of its rows and the note that says so."""
    stand_in = provided_stand_in(data.rows.keys, population)
    if stand_in is None:
        return data, population, ()
    rows = data.rows.take(stand_in.keep)
    rows = dataclasses.replace(rows, keys=stand_in.keys)
    return dataclasses.replace(data, rows=rows), population[stand_in.keep], (stand_in.note,)


def train_and_score(settings: Settings, task: Task, top_k: int = 5) -> RunResult:
    """The whole job for one task; writes the run and returns its result."""
    timings, seed, created = {}, settings.seed, datetime.now()
    with timed(timings, "read"):
        data = load_task_data(settings, task)
    timings["read"] -= data.profile_seconds
    timings["monitor"] = data.profile_seconds
    population = target_population_mask(data.rows, task.columns.target_population)
    data, population, notes = _with_stand_in(data, population)
    shares = (task.validation.test_share, task.validation.valid_share)
    split_a = client_split(data.rows.keys, data.rows.y, population, *shares, seed)
    with timed(timings, "client_split"):
        if task.cv_search is not None:
            fitted_a = cross_validated_protocol(
                data.rows, split_a, data.spec, task.choice, task.cv_search, seed
            )
        else:
            fitted_a = fit_protocol(data.rows, split_a, data.spec, task.choice, task.search, seed)
    with timed(timings, "feature_selection"):
        selection = _select(fitted_a, data, split_a, task, seed)
    candidate, spec, params = _final_candidate(fitted_a, data.spec, selection, task.choice)
    with timed(timings, "cross_fit"):
        n_folds, calibration = task.validation.cv_folds, task.choice.calibration
        final = fit_final(data.rows, split_a, candidate, n_folds, calibration, seed)
    protocols = {"client_split": fitted_a.result}
    split_b = out_of_time_split(data.rows.keys, population)
    if split_b is not None:
        with timed(timings, "out_of_time"):
            protocols["out_of_time"] = fit_protocol(
                data.rows, split_b, data.spec, task.choice, task.out_of_time_search, seed
            ).result
    with timed(timings, "score_and_explain"):
        scored = _score_final(final, data, spec)
    with timed(timings, "monitor"):
        data = _with_model_scores(data, final, spec)
    with timed(timings, "decision"):
        decision = decision_metrics(
            final, candidate.estimator, data.rows, data.rows.y[split_a.test], task.cv_search, seed
        )
    result = RunResult(
        task=task.name, model_run_id=new_run_id(task.name, created), run_kind="train", created_at=created,
        as_of_date=data.as_of, model_type=candidate.name, parameters=params, features=spec.columns,
        all_features=data.spec.columns, data_fingerprint=data.fingerprint, seed=seed, scores=pl.DataFrame(),
        feature_importance=pl.DataFrame(), shap_sample=None, timings=timings, model_dir=Path(),
        report_dir=Path(), protocols=protocols, cv_metrics=final.cv_metrics, test_metrics=final.test_metrics,
        test_client_ids=data.rows.keys["client_id"].to_numpy()[split_a.test],
        test_labels=data.rows.y[split_a.test],
        test_probability=final.test_probability, oof=final.oof, selection=selection,
        calibration=final.calibrator.to_json(),
        extra_metrics={**decision, "training_rows": data.sample.as_dict()},
        notes=(*notes, *((data.sample.note(),) if data.sample.is_sampled else ())),
    )  # fmt: skip
    with timed(timings, "offers"):
        offers, people = actions(task, data.scoring, scored)
    segments, sections = None, ()
    if task.segments is not None:
        reasons = offers["reason"]
        segmentation, sections = segment(task.segments, result, data.scoring, scored, data.profit, reasons)
        segments = segmentation.clients
    result = finish_run(
        settings, task, result, data.scoring, scored, final.pipeline, final.calibrator, spec, top_k, segments,
        offers, people, data.profiles,
    )  # fmt: skip
    sections = (*sections, *filter(None, [monitoring.run_section(result.drift)]))
    write_report(result, development_frame(data.rows), result.report_dir, extra_sections=sections)
    return result


def run_tasks(settings: Settings, names: tuple[str, ...] = (), top_k: int = 5) -> list[RunResult]:
    """Train and score the named tasks, or every task whose marts exist, holding the warehouse's run lock
    (so no build replaces the marts meanwhile); each task's run is published whole as it finishes."""
    with atomic.run_lock(settings.warehouse, "score"):
        tasks = [get_task(n) for n in names] if names else tasks_with_marts(settings)
        if not tasks:
            marts = ", ".join(f"{t.training_mart} + {t.feature_mart}" for t in TASKS.values())
            _, location = mart_source(settings)
            raise DataError(
                f"{location} has none of the task marts ({marts}): "
                f"run make build-features TARGET={settings.target}"
            )
        results = []
        for task in tasks:
            stages.reached("score-train", f"training and scoring {task.name}")
            results.append(train_and_score(settings, task, top_k))
        return results
