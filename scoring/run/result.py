"""The run result (everything the report needs, picklable) and the scoring.* rows built from it."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from scoring.explain.contributions import ShapSample
from scoring.model.feature_selection import SelectionResult
from scoring.model.holdout_protocol import ProtocolResult
from scoring.model.metrics import Metrics
from scoring.store.warehouse import RunTables

OFFER_COLUMNS = ("client_id", "reason", "offer_rule", "offer")


def new_run_id(task_name: str, created: datetime) -> str:
    """A run's id: the task, the time it started and a random suffix (two runs in one second differ)."""
    return f"{task_name}-{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RunResult:
    """One scoring run: what was chosen, how it validated, the scores and their explanations."""

    task: str
    model_run_id: str
    run_kind: str  # train | rescore
    created_at: datetime
    as_of_date: date
    model_type: str
    parameters: dict
    features: tuple[str, ...]  # the model's (selected) features
    all_features: tuple[str, ...]
    data_fingerprint: str
    seed: int
    scores: pl.DataFrame  # client_id, as_of_date, probability, rank, decile, is_out_of_fold
    feature_importance: pl.DataFrame  # feature, mean_abs_shap, rank
    shap_sample: ShapSample | None
    timings: dict[str, float]
    model_dir: Path
    report_dir: Path
    protocols: dict[str, ProtocolResult] = field(default_factory=dict)  # client_split, out_of_time
    cv_metrics: Metrics | None = None  # out-of-fold scores of the development clients
    test_metrics: Metrics | None = None  # the deployed model on the client split's test clients
    test_client_ids: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    test_probability: np.ndarray | None = None
    oof: pl.DataFrame | None = None  # out-of-fold rows: keys, label, raw and calibrated probability
    selection: SelectionResult | None = None
    calibration: dict = field(default_factory=dict)
    source_model_run_id: str | None = None
    plots: dict[str, Path] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    extra_metrics: dict = field(default_factory=dict)  # e.g. the decision threshold (scoring.decide.decision)
    # clients scored and scored out of fold, when `scores` is not held (a batched rescore writes them only)
    n_scored: int | None = None
    n_out_of_fold: int | None = None
    drift: pl.DataFrame | None = None  # the run's rows of scoring.drift (scoring.monitor)

    def counts(self) -> tuple[int, int]:
        """(clients scored, of which out of fold)."""
        if self.n_scored is not None:
            return self.n_scored, self.n_out_of_fold or 0
        return self.scores.height, int(self.scores["is_out_of_fold"].sum()) if self.scores.height else 0

    def metrics_json(self) -> dict:
        """The metrics stored in scoring.model_runs."""
        out = {name: _protocol_summary(p) for name, p in self.protocols.items()}
        if self.cv_metrics:
            out["cross_validation"] = self.cv_metrics.as_dict()
        if self.test_metrics:
            out["test"] = self.test_metrics.as_dict()
        return {**out, **self.extra_metrics}


def _protocol_summary(protocol: ProtocolResult) -> dict:
    return {
        "chosen": protocol.chosen,
        "sizes": protocol.sizes,
        "candidates": {
            c.name: {"valid_score": c.valid_score, "test": {k: v for k, v in c.test.as_dict().items()
                                                             if k != "calibration_table"}}
            for c in protocol.candidates
        },
    }  # fmt: skip


def score_frame(client_ids, as_of: date, probability: np.ndarray, is_out_of_fold: np.ndarray) -> pl.DataFrame:
    """One row per client: probability, rank (1 = most likely; ties by client_id) and decile (1 = top)."""
    frame = pl.DataFrame(
        {
            "client_id": client_ids,
            "probability": probability.astype(np.float64),
            "is_out_of_fold": is_out_of_fold,
        }
    ).with_columns(as_of_date=pl.lit(as_of, dtype=pl.Date))
    frame = frame.sort(["probability", "client_id"], descending=[True, False])
    n = frame.height
    frame = frame.with_columns(rank=pl.int_range(1, n + 1, dtype=pl.Int32))
    frame = frame.with_columns(decile=((pl.col("rank") - 1) * 10 // n + 1).cast(pl.Int32))
    return frame.select("client_id", "as_of_date", "probability", "rank", "decile", "is_out_of_fold")


def model_run_frame(result: RunResult) -> pl.DataFrame:
    """The run's one row of scoring.model_runs."""
    return pl.DataFrame(
        [
            {
                "task": result.task,
                "model_run_id": result.model_run_id,
                "run_kind": result.run_kind,
                "source_model_run_id": result.source_model_run_id,
                "status": "succeeded",
                "created_at": result.created_at,
                "as_of_date": result.as_of_date,
                "model_type": result.model_type,
                "parameters": json.dumps(result.parameters, default=str),
                "feature_list": list(result.features),
                "metrics": json.dumps(result.metrics_json(), default=str),
                "data_fingerprint": result.data_fingerprint,
                "artifact_path": str(result.model_dir),
                "durations": json.dumps({k: round(v, 3) for k, v in result.timings.items()}),
                "seed": result.seed,
                "n_scored": result.counts()[0],
            }
        ],
        schema_overrides={"source_model_run_id": pl.String, "feature_list": pl.List(pl.String)},
    )


def run_tables(
    result: RunResult,
    explanations: pl.DataFrame,
    scored_at: datetime,
    segments: pl.DataFrame | None = None,
    offers: pl.DataFrame | None = None,
) -> RunTables:
    """The rows of scoring.model_runs, scores, explanations, feature_importance (and segments, offers) for one
    run."""
    ids = {"task": result.task, "model_run_id": result.model_run_id}
    scores = result.scores.with_columns(**{k: pl.lit(v) for k, v in ids.items()}, scored_at=pl.lit(scored_at))
    explanations = explanations.with_columns(**{k: pl.lit(v) for k, v in ids.items()})
    importance = result.feature_importance.with_columns(**{k: pl.lit(v) for k, v in ids.items()})
    if segments is not None:
        columns = ("client_id", "probability", "profit", "segment", "offer", "reason")
        segments = segments.select(columns).with_columns(**{k: pl.lit(v) for k, v in ids.items()})
    if offers is not None:
        offers = offers.select(OFFER_COLUMNS).with_columns(**{k: pl.lit(v) for k, v in ids.items()})
    return RunTables(model_run_frame(result), scores, explanations, importance, segments, offers)


def safety_stops(result: RunResult) -> list[str]:
    """The time limits a run hit: each makes its model depend on the machine's speed, not the seed alone."""
    stops = [
        f"{name}: the xgboost search hit its time safety stop after {len(protocol.search.trials)} trials "
        f"({protocol.search.seconds:.0f} s); the same seed may not reproduce these scores"
        for name, protocol in result.protocols.items()
        if protocol.search is not None and protocol.search.stopped_by == "time"
    ]
    if result.selection is not None and result.selection.stopped_by_time:
        stops.append("feature selection hit its safety stop; the same seed may not reproduce these scores")
    return stops


def summary(result: RunResult) -> str:
    """A few lines for the terminal: the model, its test metrics under both protocols, the timings."""
    n_scored, n_oof = result.counts()
    lines = [
        f"{result.task}: run {result.model_run_id} ({result.run_kind}), as of {result.as_of_date}",
        f"  model {result.model_type}, {len(result.features)} of {len(result.all_features)} features, "
        f"{n_scored:,} clients scored ({n_oof:,} out of fold)",
    ]
    for name, protocol in result.protocols.items():
        chosen = protocol.candidate(protocol.chosen).test
        others = ", ".join(
            f"{c.name} {c.test.roc_auc:.3f}" for c in protocol.candidates if c.name != protocol.chosen
        )
        choice = protocol.choice
        why = (
            f" (best on validation {choice.best} by {choice.gap[protocol.chosen]:.4f}, "
            f"within {choice.se_factor:g} SE = {choice.gap_se[protocol.chosen]:.4f})"
            if choice is not None and choice.best != protocol.chosen
            else ""
        )
        lines += [
            f"  {name}: chose {protocol.chosen}{why}; test ROC-AUC {chosen.roc_auc:.3f}, "
            f"AP {chosen.average_precision:.3f} (base rate {chosen.base_rate:.3f}), ECE {chosen.ece:.4f}",
            f"    others' test ROC-AUC: {others}",
        ]
    if result.test_metrics:
        m = result.test_metrics
        lines.append(
            f"  deployed model on the test clients: ROC-AUC {m.roc_auc:.3f}, AP {m.average_precision:.3f}, "
            f"lift@10% {m.lift['top_10pct']:.2f}, Brier {m.brier:.4f}, ECE {m.ece:.4f}"
        )
    if "threshold" in result.extra_metrics:
        t = result.extra_metrics["threshold"]
        lines.append(
            f"  threshold {t['value']:.3f} (max F1 out of fold): recall {t['test']['recall']:.3f}, precision "
            f"{t['test']['precision']:.3f} on the test clients"
        )
    if "cross_validated_roc_auc_all_labelled" in result.extra_metrics:
        cv = result.extra_metrics["cross_validated_roc_auc_all_labelled"]
        lines.append(f"  cross-validated ROC-AUC over all {cv['n']:,} labelled clients: {cv['roc_auc']:.3f}")
    lines += [f"  {note[0].upper()}{note[1:]}" for note in result.notes]
    lines += [f"  WARNING: {stop}" for stop in safety_stops(result)]
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    lines.append(f"  {sum(result.timings.values()):.0f} s: {stages}")
    lines.append(f"  model: {result.model_dir}\n  report: {result.report_dir / 'report.html'}")
    return "\n".join(lines)
