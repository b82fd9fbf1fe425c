"""Champion and challengers: whether a new model may replace its task's champion (MLflow's gated promotion:
a metric threshold with a tolerated change against the current model).

The gates, each from the task's PromotionRules:
- ROC-AUC not worse than the champion's by more than the tolerance, compared on the same ground: realised on
  the same window (scoring.realised_performance) when both runs have it, else out of time, else on the
  client split's test clients;
- calibration: the run's expected calibration error (realised on that window, else on its test clients)
  under the limit;
- no severe drift of the run's scored population (scoring.drift, against training when measured): the
  score's own PSI under the severe level and at most the allowed share of drifted features.
Runs' evidence in, a decision out; the run reads the evidence and records the decision
(scoring.model_aliases).
"""

import math
from dataclasses import dataclass, field

import polars as pl

from scoring.tasks import PromotionRules

SCORE_FEATURE = "probability"  # how scoring.drift names the score itself


@dataclass(frozen=True)
class RunEvidence:
    """What a run is judged on: its metrics (scoring.model_runs.metrics, parsed) and its rows of
    scoring.realised_performance and scoring.drift (empty when not measured)."""

    model_run_id: str
    metrics: dict
    realised: pl.DataFrame = field(default_factory=pl.DataFrame)
    drift: pl.DataFrame = field(default_factory=pl.DataFrame)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    """The gates' verdict, each check with what it compared."""

    passed: bool
    checks: tuple[Check, ...]

    def reason(self) -> str:
        head = "passed the gates" if self.passed else "blocked by the gates"
        return f"{head}: " + "; ".join(c.detail for c in self.checks)


@dataclass(frozen=True)
class Compared:
    """The ROC-AUC and calibration error of both runs on one ground."""

    kind: str  # realised (as of, window end) | out_of_time | test
    candidate_auc: float
    champion_auc: float
    candidate_ece: float


def _number(value) -> float:
    return math.nan if value is None else float(value)


def _common_realised(candidate: RunEvidence, champion: RunEvidence) -> Compared | None:
    columns = {"as_of_date", "window_end", "population", "roc_auc", "ece"}
    if not (columns <= set(candidate.realised.columns) and columns <= set(champion.realised.columns)):
        return None
    key = ["as_of_date", "window_end", "population"]
    both = candidate.realised.select(*key, "roc_auc", "ece").join(
        champion.realised.select(*key, pl.col("roc_auc").alias("champion_auc")), on=key
    )
    both = both.filter(pl.col("roc_auc").is_not_null() & pl.col("champion_auc").is_not_null())
    if both.is_empty():
        return None
    # the latest window; of one window, the whole scored population before the target population
    row = both.sort(["window_end", "as_of_date", "population"], descending=[True, True, False]).row(
        0, named=True
    )
    kind = f"realised ({row['population']}, {row['as_of_date']} to {row['window_end']})"
    return Compared(kind, float(row["roc_auc"]), float(row["champion_auc"]), _number(row["ece"]))


def _out_of_time_auc(metrics: dict) -> float | None:
    protocol = metrics.get("out_of_time")
    if not protocol:
        return None
    return protocol["candidates"][protocol["chosen"]]["test"].get("roc_auc")


def compared(candidate: RunEvidence, champion: RunEvidence) -> Compared:
    """Both runs' ROC-AUC on the best common ground, and the candidate's calibration error."""
    realised = _common_realised(candidate, champion)
    if realised is not None:
        return realised
    test_ece = _number(candidate.metrics.get("test", {}).get("ece"))
    ours, theirs = _out_of_time_auc(candidate.metrics), _out_of_time_auc(champion.metrics)
    if ours is not None and theirs is not None:
        return Compared("out of time", float(ours), float(theirs), test_ece)
    ours, theirs = (
        candidate.metrics.get("test", {}).get("roc_auc"),
        champion.metrics.get("test", {}).get("roc_auc"),
    )
    return Compared("test clients", _number(ours), _number(theirs), test_ece)


def _drift_check(drift: pl.DataFrame, rules: PromotionRules) -> Check:
    needed = {"reference_kind", "feature", "psi", "is_drifted"}
    if drift.is_empty() or not needed <= set(drift.columns):
        return Check("drift", True, "drift: not measured for this run")
    kinds = drift["reference_kind"].unique().to_list()
    kind = "training" if "training" in kinds else kinds[0]
    rows = drift.filter(pl.col("reference_kind") == kind)
    score = rows.filter(pl.col("feature") == SCORE_FEATURE)["psi"].max()
    features = rows.filter(pl.col("feature") != SCORE_FEATURE)
    share = float(features["is_drifted"].mean()) if features.height else 0.0
    score_ok = score is None or score < rules.severe_psi
    share_ok = share <= rules.max_drifted_share
    score_text = "not measured" if score is None else f"{score:.3f}"
    detail = (
        f"drift against {kind}: score PSI {score_text} (severe at {rules.severe_psi:g}), "
        f"{share:.0%} of {features.height} features drifted (at most {rules.max_drifted_share:.0%})"
    )
    return Check("drift", score_ok and share_ok, detail)


def gate(candidate: RunEvidence, champion: RunEvidence, rules: PromotionRules) -> GateResult:
    """Whether `candidate` may replace `champion`, with every check's numbers."""
    on = compared(candidate, champion)
    floor = on.champion_auc - rules.roc_auc_tolerance
    auc_ok = not math.isnan(on.candidate_auc) and (math.isnan(on.champion_auc) or on.candidate_auc >= floor)
    auc = Check(
        "roc_auc",
        auc_ok,
        f"ROC-AUC {on.kind} {on.candidate_auc:.4f} against the champion's {on.champion_auc:.4f} "
        f"(at least {floor:.4f})",
    )
    ece_ok = not math.isnan(on.candidate_ece) and on.candidate_ece <= rules.max_ece
    calibration = Check(
        "calibration", ece_ok, f"calibration error {on.candidate_ece:.4f} (at most {rules.max_ece:g})"
    )
    checks = (auc, calibration, _drift_check(candidate.drift, rules))
    return GateResult(all(c.passed for c in checks), checks)
