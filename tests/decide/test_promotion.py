"""The promotion gates: ROC-AUC against the champion on common ground, calibration, drift."""

from datetime import date

import polars as pl

from scoring.decide.promotion import RunEvidence, compared, gate
from scoring.tasks import PromotionRules

RULES = PromotionRules(roc_auc_tolerance=0.01, max_ece=0.05, severe_psi=0.25, max_drifted_share=0.3)


def _metrics(out_of_time: float | None, test: float, ece: float = 0.02) -> dict:
    metrics = {"test": {"roc_auc": test, "ece": ece}}
    if out_of_time is not None:
        metrics["out_of_time"] = {
            "chosen": "xgboost",
            "candidates": {"xgboost": {"test": {"roc_auc": out_of_time}}},
        }
    return metrics


def _realised(run: str, auc: float, ece: float = 0.02, window_end=date(2024, 5, 16)) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "task": ["t"],
            "model_run_id": [run],
            "as_of_date": [date(2024, 2, 16)],
            "window_end": [window_end],
            "population": ["scored"],
            "clients": [1000],
            "positives": [50],
            "roc_auc": [auc],
            "average_precision": [0.2],
            "lift_at_10pct": [3.0],
            "brier": [0.05],
            "ece": [ece],
            "computed_at": [None],
        }
    )


def _drift(run: str, score_psi: float, drifted: list[bool]) -> pl.DataFrame:
    features = ["probability", *(f"f{i}" for i in range(len(drifted)))]
    ids = {"task": "t", "model_run_id": run, "reference_kind": "training", "reference_run_id": "r0"}
    psi = [score_psi] + [0.3 if d else 0.01 for d in drifted]
    drift = {"psi": psi, "js_distance": 0.1, "threshold": 0.2, "is_drifted": [score_psi >= 0.2, *drifted]}
    return pl.DataFrame({**ids, "feature": features, **drift, "computed_at": None})


def test_a_worse_model_out_of_time_is_blocked_and_says_by_how_much():
    result = gate(RunEvidence("new", _metrics(0.78, 0.80)), RunEvidence("old", _metrics(0.80, 0.81)), RULES)
    assert not result.passed
    assert "ROC-AUC out of time 0.7800 against the champion's 0.8000 (at least 0.7900)" in result.reason()
    assert result.reason().startswith("blocked by the gates")


def test_a_model_within_the_tolerance_passes():
    result = gate(RunEvidence("new", _metrics(0.795, 0.80)), RunEvidence("old", _metrics(0.80, 0.81)), RULES)
    assert result.passed, result.reason()


def test_without_an_out_of_time_test_the_test_clients_decide():
    on = compared(RunEvidence("new", _metrics(None, 0.90)), RunEvidence("old", _metrics(None, 0.93)))
    assert (on.kind, on.candidate_auc, on.champion_auc) == ("test clients", 0.90, 0.93)


def test_realised_performance_on_a_common_window_comes_first_and_can_block():
    new = RunEvidence("new", _metrics(0.85, 0.85), realised=_realised("new", 0.70))
    old = RunEvidence("old", _metrics(0.80, 0.80), realised=_realised("old", 0.75))
    result = gate(new, old, RULES)
    assert not result.passed
    assert (
        "realised (scored, 2024-02-16 to 2024-05-16) 0.7000 against the champion's 0.7500" in result.reason()
    )


def test_realised_rows_on_different_windows_are_not_compared():
    new = RunEvidence("new", _metrics(0.85, 0.85), realised=_realised("new", 0.70))
    old = RunEvidence(
        "old", _metrics(0.80, 0.80), realised=_realised("old", 0.75, window_end=date(2024, 4, 1))
    )
    assert compared(new, old).kind == "out of time"


def test_a_badly_calibrated_model_is_blocked():
    result = gate(
        RunEvidence("new", _metrics(0.9, 0.9, ece=0.08)), RunEvidence("old", _metrics(0.8, 0.8)), RULES
    )
    assert not result.passed and "calibration error 0.0800 (at most 0.05)" in result.reason()


def test_severe_drift_of_the_score_or_of_many_features_blocks():
    better = _metrics(0.9, 0.9)
    old = RunEvidence("old", _metrics(0.8, 0.8))
    assert not gate(RunEvidence("new", better, drift=_drift("new", 0.4, [False] * 9)), old, RULES).passed
    assert not gate(
        RunEvidence("new", better, drift=_drift("new", 0.05, [True] * 4 + [False] * 5)), old, RULES
    ).passed
    assert gate(
        RunEvidence("new", better, drift=_drift("new", 0.05, [True] + [False] * 8)), old, RULES
    ).passed


def test_drift_not_measured_does_not_block():
    result = gate(RunEvidence("new", _metrics(0.9, 0.9)), RunEvidence("old", _metrics(0.8, 0.8)), RULES)
    assert result.passed and "drift: not measured" in result.reason()
