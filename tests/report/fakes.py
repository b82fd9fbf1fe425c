"""A small fake but consistent run: the real result dataclasses filled from generated data."""

from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from scoring.explain.contributions import ShapSample, importance
from scoring.model.feature_selection import SelectionResult
from scoring.model.holdout_protocol import CandidateResult, ProtocolResult
from scoring.model.metrics import evaluate
from scoring.run.result import RunResult, score_frame

AS_OF = date(2024, 2, 16)
N_CLIENTS = 800


def development_data(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Labelled rows with numeric, count, flag and categorical features, and the true log-odds."""
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "client_id": np.arange(1000, 1000 + n, dtype=np.int64),
            "as_of_date": [AS_OF] * n,
            "is_provided": np.ones(n, dtype=bool),
            "recency_days": rng.exponential(60, n).astype(np.float32),
            "count_purchases_90d": rng.poisson(1.5, n).astype(np.float32),
            "share_clicks_30d": rng.beta(1, 5, n).astype(np.float32),
            "is_subscribed": rng.random(n) < 0.4,
            "channel": rng.choice(["email", "mobile_push", "sms"], n),
            "noise": rng.normal(size=n).astype(np.float32),
        }
    )
    logit = (
        -1.5
        - frame["recency_days"].to_numpy() / 60
        + 0.5 * frame["count_purchases_90d"].to_numpy()
        + 0.8 * (frame["channel"] == "email").to_numpy()
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return frame.with_columns(label=pl.Series(y)), logit


def candidate(name: str, y: np.ndarray, p: np.ndarray, valid_score: float, eligible=True) -> CandidateResult:
    return CandidateResult(
        name, {"max_depth": 3}, valid_score, evaluate(y, p), evaluate(y, p), p, 0.5, eligible
    )


def protocol(name: str, ids: np.ndarray, y: np.ndarray, p: np.ndarray, rng) -> ProtocolResult:
    noisy = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + rng.normal(0, 1.0, len(p)))))
    candidates = (
        candidate("baseline", y, noisy, 0.61),
        candidate("logistic_regression", y, p * 0.9, 0.70),
        candidate("xgboost", y, p, 0.72),
        candidate("xgboost_provided_only", y, noisy, 0.69, eligible=False),
    )
    sizes = {
        part: {"rows": len(y), "positives": int(y.sum())} for part in ("train", "valid", "calibrate", "test")
    }
    return ProtocolResult(name, f"the {name} protocol", sizes, candidates, "xgboost", ids, y, None)


def fake_run(tmp_path: Path, n: int = N_CLIENTS, seed: int = 3) -> tuple[RunResult, pl.DataFrame]:
    """A run whose test rows, scores and SHAP sample all come from one generated frame."""
    rng = np.random.default_rng(seed)
    frame, logit = development_data(n, seed)
    features = (
        "recency_days",
        "count_purchases_90d",
        "share_clicks_30d",
        "is_subscribed",
        "channel",
        "noise",
    )
    test = np.arange(n) % 4 == 0
    p = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.5, n))))
    ids, y = frame["client_id"].to_numpy(), frame["label"].to_numpy()
    numeric = frame.select(
        pl.col(f).cast(pl.Categorical).to_physical().cast(pl.Float64)
        if frame.schema[f] == pl.String
        else pl.col(f).cast(pl.Float64)
        for f in features
    ).to_numpy()
    values = (numeric - numeric.mean(axis=0)) * np.array([-0.02, 0.4, 0.5, 0.1, 0.3, 0.01])
    protocols = {
        name: protocol(name, ids[test], y[test], p[test], rng) for name in ("client_split", "out_of_time")
    }
    result = RunResult(
        task="purchase_90d",
        model_run_id="purchase_90d-20240216T120000-abc123",
        run_kind="train",
        created_at=datetime(2024, 2, 16, 12, 0),
        as_of_date=AS_OF,
        model_type="xgboost",
        parameters={"max_depth": 4, "learning_rate": 0.05, "n_estimators": 120},
        features=features,
        all_features=(*features, "unused_feature"),
        data_fingerprint="0f" * 16,
        seed=42,
        scores=score_frame(ids, AS_OF, p, ~test),
        feature_importance=importance(values, features),
        shap_sample=ShapSample(values[:300].astype(np.float32), numeric[:300], features, ids[:300]),
        timings={"read": 1.0, "client_split": 12.5},
        model_dir=tmp_path / "model",
        report_dir=tmp_path / "report",
        protocols=protocols,
        cv_metrics=evaluate(y[~test], p[~test]),
        test_metrics=evaluate(y[test], p[test]),
        test_client_ids=ids[test],
        test_labels=y[test],
        test_probability=p[test],
        selection=SelectionResult(features, 0.72, {3: 0.70}, {f: 0.1 for f in features}, 120, 3.0),
        notes=("a note from the job",),
    )
    return result, frame
