"""Metrics of a probability score: ROC-AUC, average precision beside the base rate, lift and capture at the
top of the ranking, Brier score, a calibration table and the expected calibration error; and, for generated
data whose true probabilities are known, the ROC-AUC expected over labels drawn from them."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

TOP_FRACTIONS = (0.01, 0.05, 0.10, 0.20)


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of a calibration table: clients ordered by predicted probability, in equal-size groups."""

    bin: int
    n: int
    mean_predicted: float
    observed_rate: float
    min_predicted: float
    max_predicted: float


@dataclass(frozen=True)
class Metrics:
    """How well a probability score ranks and how well it is calibrated, on one set of rows."""

    n: int
    n_positive: int
    base_rate: float
    roc_auc: float
    average_precision: float
    brier: float
    ece: float
    lift: dict[str, float]  # keys "top_1pct" ...: positive rate in the top fraction / base rate
    capture: dict[str, float]  # share of all positives found in the top fraction
    calibration_table: tuple[CalibrationBin, ...]

    def as_dict(self) -> dict:
        """Plain numbers for JSON (the calibration table as a list of dicts)."""
        out = {k: v for k, v in self.__dict__.items() if k != "calibration_table"}
        out["calibration_table"] = [b.__dict__ for b in self.calibration_table]
        return out


def _top_key(fraction: float) -> str:
    return f"top_{round(fraction * 100)}pct"


def lift_and_capture(y: np.ndarray, p: np.ndarray, fractions=TOP_FRACTIONS) -> tuple[dict, dict]:
    """Lift and capture in the top fractions of clients ranked by p (ties broken by position)."""
    order = np.argsort(-p, kind="stable")
    y_sorted = y[order]
    total, base = y.sum(), y.mean() if len(y) else np.nan
    lift, capture = {}, {}
    for fraction in fractions:
        k = max(1, int(np.ceil(fraction * len(y))))
        hits = y_sorted[:k].sum()
        lift[_top_key(fraction)] = float(hits / k / base) if base > 0 else float("nan")
        capture[_top_key(fraction)] = float(hits / total) if total > 0 else float("nan")
    return lift, capture


def calibration_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Equal-count bins of predicted probability with the mean prediction and the observed rate."""
    order = np.argsort(p, kind="stable")
    bins = []
    for index, part in enumerate(np.array_split(order, min(n_bins, len(p)))):
        if len(part) == 0:
            continue
        bins.append(
            CalibrationBin(
                bin=index + 1,
                n=len(part),
                mean_predicted=float(p[part].mean()),
                observed_rate=float(y[part].mean()),
                min_predicted=float(p[part].min()),
                max_predicted=float(p[part].max()),
            )
        )
    return tuple(bins)


def expected_calibration_error(table: tuple[CalibrationBin, ...]) -> float:
    """Mean absolute gap between predicted and observed rates, weighted by bin size."""
    n = sum(b.n for b in table)
    return float(sum(b.n * abs(b.mean_predicted - b.observed_rate) for b in table) / n) if n else float("nan")


def roc_auc(y: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """ROC-AUC, or NaN when only one class is present."""
    if not 0 < y.sum() < len(y):
        return float("nan")
    return float(roc_auc_score(y, p, sample_weight=sample_weight))


def expected_roc_auc(score: np.ndarray, probability: np.ndarray) -> float:
    """ROC-AUC expected over labels drawn from known true probabilities.

    Each client counts as a positive with weight p and as a negative with weight 1 - p. Far more stable
    than the realised AUC of a few hundred positives, so generated data can compare models honestly.
    """
    score, p = np.asarray(score, float), np.asarray(probability, float)
    y = np.concatenate([np.ones(len(p)), np.zeros(len(p))])
    return float(roc_auc_score(y, np.concatenate([score, score]), sample_weight=np.concatenate([p, 1 - p])))


def average_precision(y: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """Average precision, or NaN when there is no positive."""
    return float(average_precision_score(y, p, sample_weight=sample_weight)) if y.sum() > 0 else float("nan")


METRICS = {"roc_auc": roc_auc, "average_precision": average_precision}


def score(metric: str, y: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """The task's selection metric by name (rows weighted by sample_weight when given)."""
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}: use one of {', '.join(METRICS)} in scoring/tasks.py")
    return METRICS[metric](np.asarray(y), np.asarray(p), sample_weight)


def evaluate(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> Metrics:
    """Every metric of probabilities p against 0/1 labels y."""
    y, p = np.asarray(y, dtype=np.int64), np.asarray(p, dtype=np.float64)
    lift, capture = lift_and_capture(y, p)
    table = calibration_table(y, p, n_bins)
    return Metrics(
        n=len(y),
        n_positive=int(y.sum()),
        base_rate=float(y.mean()) if len(y) else float("nan"),
        roc_auc=roc_auc(y, p),
        average_precision=average_precision(y, p),
        brier=float(brier_score_loss(y, p)) if len(y) else float("nan"),
        ece=expected_calibration_error(table),
        lift=lift,
        capture=capture,
        calibration_table=table,
    )
