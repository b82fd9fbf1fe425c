"""Run one validation protocol: fit every candidate on its training rows, choose on validation rows,
calibrate on held-out rows, and measure the test rows, which nothing before has touched.

The choice is the simplest candidate within one standard error of the best on validation rows
(scoring.model.choice): a more complex model has to beat the simpler ones by more than the noise to be
chosen."""

import time
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.pipeline import Pipeline
from tqdm.auto import tqdm

from scoring.model import metrics
from scoring.model.calibration import make_calibrator
from scoring.model.candidates import (
    Candidate,
    fit_candidate,
    sklearn_candidates,
    tree_preprocessor,
    xgboost_pipeline,
)
from scoring.model.choice import Choice, choose_simplest_within_noise
from scoring.model.dataset import FeatureSpec, Rows
from scoring.model.metrics import Metrics
from scoring.model.splits import Split
from scoring.model.xgboost_search import SearchResult, fit_early_stopped, search_xgboost
from scoring.tasks import ModelChoice, SearchBudget


@dataclass(frozen=True)
class CandidateResult:
    """A candidate's validation score (the choice is made on it) and its calibrated test metrics."""

    name: str
    params: dict
    valid_score: float
    valid: Metrics  # raw probabilities: ranking metrics are what count here
    test: Metrics  # calibrated probabilities
    test_probability: np.ndarray
    fit_seconds: float
    eligible: bool = True  # False for reference fits that are reported but never chosen
    valid_probability: np.ndarray | None = None  # raw, on the validation rows: the choice is made on it


@dataclass(frozen=True)
class ProtocolResult:
    """Everything one protocol measured, for the run result and the report."""

    name: str
    description: str
    sizes: dict  # rows and positives of train / valid / calibrate / test
    candidates: tuple[CandidateResult, ...]
    chosen: str
    test_client_ids: np.ndarray
    test_labels: np.ndarray
    search: SearchResult | None
    choice: Choice | None = None

    def candidate(self, name: str) -> CandidateResult:
        return next(c for c in self.candidates if c.name == name)


@dataclass(frozen=True)
class FittedProtocol:
    """A protocol's result with the fitted objects the later stages reuse."""

    result: ProtocolResult
    pipelines: dict  # name -> fitted Pipeline
    tree_arrays: tuple | None  # (X_train, X_valid) as the tree preprocessor gives them


@dataclass(frozen=True)
class Parts:
    """The feature rows of a split's parts, gathered once: every candidate reads the same four, and gathering
    a few hundred columns of a large frame costs a tenth of a second each time."""

    train: pl.DataFrame
    valid: pl.DataFrame
    calibrate: pl.DataFrame
    test: pl.DataFrame

    @classmethod
    def of(cls, rows: Rows, split: Split) -> "Parts":
        indices = (split.train, split.valid, split.calibrate, split.test)
        return cls(*(rows.features[index] for index in indices))


def _sizes(rows: Rows, split: Split) -> dict:
    part = {"train": split.train, "valid": split.valid, "calibrate": split.calibrate, "test": split.test}
    return {k: {"rows": len(v), "positives": int(rows.y[v].sum())} for k, v in part.items()}


def _result(name, params, pipeline, rows, split, parts, choice, seconds, eligible=True) -> CandidateResult:
    """Score validation rows, calibrate on the calibration rows, measure the test rows."""
    p_valid = pipeline.predict_proba(parts.valid)[:, 1]
    p_cal = pipeline.predict_proba(parts.calibrate)[:, 1]
    calibrator = make_calibrator(choice.calibration).fit(p_cal, rows.y[split.calibrate])
    p_test = calibrator.predict(pipeline.predict_proba(parts.test)[:, 1])
    return CandidateResult(
        name=name,
        params=params,
        valid_score=metrics.score(choice.metric, rows.y[split.valid], p_valid),
        valid=metrics.evaluate(rows.y[split.valid], p_valid),
        test=metrics.evaluate(rows.y[split.test], p_test),
        test_probability=p_test,
        fit_seconds=seconds,
        eligible=eligible,
        valid_probability=p_valid,
    )


def _fit_sklearn(
    candidate: Candidate, rows: Rows, split: Split, parts: Parts, choice: ModelChoice, seed: int
):
    start = time.perf_counter()
    pipeline = fit_candidate(candidate, parts.train, rows.y[split.train], seed)
    params = {"max_train_rows": candidate.max_train_rows, **_short_params(pipeline)}
    seconds = time.perf_counter() - start
    return pipeline, _result(candidate.name, params, pipeline, rows, split, parts, choice, seconds)


def _short_params(pipeline: Pipeline) -> dict:
    model = pipeline[-1]
    keep = ("C", "class_weight", "n_neighbors", "weights", "max_iter")
    return {k: v for k, v in model.get_params().items() if k in keep}


def _fit_xgboost(
    rows, split, parts: Parts, spec: FeatureSpec, choice: ModelChoice, budget: SearchBudget, seed: int
):
    start = time.perf_counter()
    prep = tree_preprocessor(spec).fit(parts.train)
    X_train = prep.transform(parts.train).astype(np.float32)
    X_valid = prep.transform(parts.valid).astype(np.float32)
    search, model = search_xgboost(
        X_train, rows.y[split.train], X_valid, rows.y[split.valid], budget, choice.metric, seed,
        desc=f"{split.name}: xgboost search",
    )  # fmt: skip
    pipeline = xgboost_pipeline(spec, model, prep)
    params = {**search.best.params, "n_estimators": search.best.n_rounds}
    result = _result("xgboost", params, pipeline, rows, split, parts, choice, time.perf_counter() - start)
    return pipeline, result, search, (X_train, X_valid)


def _fit_provided_only(
    rows, split, parts, choice, budget, search, arrays, prep, spec
) -> CandidateResult | None:
    """The chosen XGBoost settings trained on the provided-target rows alone: what the past cutoffs add."""
    provided_train = rows.keys["is_provided"].to_numpy()[split.train]
    if provided_train.all() or not provided_train.any():
        return None
    start = time.perf_counter()
    X_train, X_valid = arrays
    model, _, _ = fit_early_stopped(
        search.best.params, X_train[provided_train], rows.y[split.train][provided_train], X_valid,
        rows.y[split.valid], budget, choice.metric,
    )  # fmt: skip
    pipeline = xgboost_pipeline(spec, model, prep)
    params = {**search.best.params, "n_estimators": model.n_estimators, "rows": "provided target only"}
    elapsed = time.perf_counter() - start
    name = "xgboost_provided_only"
    return _result(name, params, pipeline, rows, split, parts, choice, elapsed, eligible=False)


def _choose(
    results: list[CandidateResult], rows: Rows, split: Split, choice: ModelChoice, seed: int
) -> Choice:
    """The simplest eligible candidate within choice.se_factor standard errors of the best."""
    simplest_first = sorted((r for r in results if r.eligible), key=lambda r: choice.candidates.index(r.name))
    return choose_simplest_within_noise(
        {r.name: r.valid_probability for r in simplest_first},
        rows.y[split.valid],
        rows.keys["client_id"].to_numpy()[split.valid],
        choice.metric,
        seed,
        choice.se_factor,
        choice.bootstrap,
    )


def fit_protocol(
    rows: Rows, split: Split, spec: FeatureSpec, choice: ModelChoice, budget: SearchBudget, seed: int
) -> FittedProtocol:
    """Fit every candidate of `choice` under one protocol and choose the best on validation rows; XGBoost's
    search spends `budget`."""
    pipelines, results, search, arrays = {}, [], None, None
    parts = Parts.of(rows, split)
    candidates = sklearn_candidates(choice, spec, seed)
    for candidate in tqdm(candidates, desc=f"{split.name}: candidates", unit="model", leave=False):
        pipelines[candidate.name], result = _fit_sklearn(candidate, rows, split, parts, choice, seed)
        results.append(result)
    if "xgboost" in choice.candidates:
        fitted = _fit_xgboost(rows, split, parts, spec, choice, budget, seed)
        pipelines["xgboost"], result, search, arrays = fitted
        results.append(result)
        if split.name == "client_split":
            prep = pipelines["xgboost"][0]
            extra = _fit_provided_only(rows, split, parts, choice, budget, search, arrays, prep, spec)
            results += [extra] if extra else []
    chosen = _choose(results, rows, split, choice, seed)
    result = ProtocolResult(
        name=split.name,
        description=split.description,
        sizes=_sizes(rows, split),
        candidates=tuple(results),
        chosen=chosen.chosen,
        test_client_ids=rows.keys["client_id"].to_numpy()[split.test],
        test_labels=rows.y[split.test],
        search=search,
        choice=chosen,
    )
    return FittedProtocol(result, pipelines, arrays)
