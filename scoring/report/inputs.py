"""The one place that reads the scoring job's objects (RunResult, ProtocolResult, Metrics, ShapSample,
SelectionResult, Rows): it turns them into the plain views the report's sections use, so a renamed
attribute upstream is fixed here and nowhere else."""

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import polars as pl

LABEL = "label"  # the label column of the development frame


@dataclass(frozen=True)
class Measured:
    """The metrics of one set of scores, as the report shows them."""

    n: int
    n_positive: int
    base_rate: float
    roc_auc: float
    average_precision: float
    brier: float
    ece: float
    lift: dict[str, float]  # "top_10pct" -> lift
    capture: dict[str, float]
    calibration: pl.DataFrame  # bin, n, mean_predicted, observed_rate


@dataclass(frozen=True)
class TestScores:
    """The deployed model's calibrated probabilities on the held-out test clients."""

    client_ids: np.ndarray
    labels: np.ndarray
    probability: np.ndarray
    metrics: Measured


@dataclass(frozen=True)
class CandidateView:
    """One candidate model under one validation protocol."""

    protocol: str
    name: str
    chosen: bool
    eligible: bool
    valid_score: float
    test: Measured
    fit_seconds: float


@dataclass(frozen=True)
class ProtocolView:
    """How one validation protocol split the data."""

    name: str
    description: str
    sizes: dict  # part -> {"rows", "positives"}
    chosen: str


@dataclass(frozen=True)
class ShapView:
    """A sample of SHAP values with the feature values beside them."""

    values: np.ndarray
    data: np.ndarray
    feature_names: tuple[str, ...]


@dataclass(frozen=True)
class SelectionView:
    """What feature selection kept."""

    n_selected: int
    n_ranked: int
    full_score: float
    size_scores: dict[int, float]


@dataclass(frozen=True)
class RunView:
    """Everything the report reads from a run."""

    task: str
    run_id: str
    run_kind: str
    created_at: datetime
    as_of_date: date
    model_type: str
    parameters: dict
    features: tuple[str, ...]
    all_features: tuple[str, ...]
    data_fingerprint: str
    seed: int
    n_scored: int
    source_run_id: str | None
    timings: dict[str, float]
    importance: pl.DataFrame  # feature, mean_abs_shap (largest first)
    test: TestScores | None = None
    cv_metrics: Measured | None = None
    protocols: tuple[ProtocolView, ...] = ()
    candidates: tuple[CandidateView, ...] = ()
    shap: ShapView | None = None
    selection: SelectionView | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def measured(metrics) -> Measured:
    """A scoring.model.metrics.Metrics as the report's view."""
    bins = metrics.calibration_table
    calibration = pl.DataFrame(
        {
            "bin": [b.bin for b in bins],
            "n": [b.n for b in bins],
            "mean_predicted": [b.mean_predicted for b in bins],
            "observed_rate": [b.observed_rate for b in bins],
        },
        schema={"bin": pl.Int64, "n": pl.Int64, "mean_predicted": pl.Float64, "observed_rate": pl.Float64},
    )
    return Measured(
        n=metrics.n,
        n_positive=metrics.n_positive,
        base_rate=metrics.base_rate,
        roc_auc=metrics.roc_auc,
        average_precision=metrics.average_precision,
        brier=metrics.brier,
        ece=metrics.ece,
        lift=dict(metrics.lift),
        capture=dict(metrics.capture),
        calibration=calibration,
    )


def _test_scores(result) -> TestScores | None:
    if result.test_metrics is None or result.test_probability is None or result.test_labels is None:
        return None
    return TestScores(
        client_ids=np.asarray(result.test_client_ids),
        labels=np.asarray(result.test_labels, dtype=np.int64),
        probability=np.asarray(result.test_probability, dtype=np.float64),
        metrics=measured(result.test_metrics),
    )


def _candidates(result) -> tuple[CandidateView, ...]:
    return tuple(
        CandidateView(
            protocol=name,
            name=c.name,
            chosen=c.name == protocol.chosen,
            eligible=c.eligible,
            valid_score=c.valid_score,
            test=measured(c.test),
            fit_seconds=c.fit_seconds,
        )
        for name, protocol in result.protocols.items()
        for c in protocol.candidates
    )


def _protocols(result) -> tuple[ProtocolView, ...]:
    return tuple(
        ProtocolView(name, p.description, dict(p.sizes), p.chosen) for name, p in result.protocols.items()
    )


def _selection(result) -> SelectionView | None:
    s = result.selection
    if s is None:
        return None
    return SelectionView(len(s.selected), len(s.validation_importance), s.full_score, dict(s.size_scores))


def _shap(result) -> ShapView | None:
    s = result.shap_sample
    if s is None or len(s.values) == 0:
        return None
    return ShapView(np.asarray(s.values), np.asarray(s.data, dtype=np.float64), tuple(s.feature_names))


def _importance(result) -> pl.DataFrame:
    frame = result.feature_importance
    if frame.is_empty() or "feature" not in frame.columns:
        return pl.DataFrame(schema={"feature": pl.String, "mean_abs_shap": pl.Float64})
    return frame.select("feature", "mean_abs_shap").sort(
        ["mean_abs_shap", "feature"], descending=[True, False]
    )


def run_view(result) -> RunView:
    """The report's view of a scoring.run.result.RunResult."""
    return RunView(
        task=result.task,
        run_id=result.model_run_id,
        run_kind=result.run_kind,
        created_at=result.created_at,
        as_of_date=result.as_of_date,
        model_type=result.model_type,
        parameters=dict(result.parameters),
        features=tuple(result.features),
        all_features=tuple(result.all_features),
        data_fingerprint=result.data_fingerprint,
        seed=result.seed,
        n_scored=result.counts()[0],
        source_run_id=result.source_model_run_id,
        timings=dict(result.timings),
        importance=_importance(result),
        test=_test_scores(result),
        cv_metrics=measured(result.cv_metrics) if result.cv_metrics is not None else None,
        protocols=_protocols(result),
        candidates=_candidates(result),
        shap=_shap(result),
        selection=_selection(result),
        notes=tuple(result.notes),
    )


def development_frame(rows) -> pl.DataFrame:
    """The frame `write_report` takes from a scoring.model.dataset.Rows of labelled rows: keys (client_id,
    as_of_date, is_provided), the features and the 0/1 label."""
    return pl.concat([rows.keys, rows.features], how="horizontal").with_columns(
        pl.Series(LABEL, np.asarray(rows.y), dtype=pl.Int8)
    )
