"""The run report's monitoring section and data/reports/monitoring.html, from frames shaped like the
monitoring tables."""

from datetime import date, datetime

import polars as pl

from scoring.monitor.summary import MonitorState
from scoring.report.monitoring import run_section, write_monitoring_page


def _drift(run: str, drifted: set[str]) -> pl.DataFrame:
    features = ["count_send_mobile_push_7d", "count_orders_30d", "sum_revenue_90d", "probability"]
    rows = [
        {"task": "purchase_90d", "model_run_id": run, "reference_kind": kind, "reference_run_id": "train-1",
         "feature": f, "feature_type": "numeric", "psi": 3.0 if f in drifted else 0.01,
         "js_distance": 0.5 if f in drifted else 0.02, "linf_distance": 0.4 if f in drifted else 0.01,
         "metric": "psi", "threshold": 0.2, "training_spread": 0.05, "is_drifted": f in drifted,
         "computed_at": datetime(2024, 2, 16)}
        for kind in ("training", "previous_run")
        for f in features
    ]  # fmt: skip
    return pl.DataFrame(rows)


def test_the_run_section_names_the_drifted_features_and_the_scores_own_drift():
    section = run_section(_drift("rescore-2", {"count_send_mobile_push_7d"}))
    text = " ".join(section.blocks[0].items)
    assert "1 of 3 features drifted: count_send_mobile_push_7d." in text
    assert "The score against its model's training data: PSI 0.010" in text
    tables = [b for b in section.blocks if b.kind == "table"]
    assert [t.rows[0][0] for t in tables] == ["count_send_mobile_push_7d"] * 2  # most moved first
    assert run_section(None) is None


def test_the_monitoring_page_shows_every_run_over_time_and_the_data_health(tmp_path):
    runs = pl.DataFrame(
        {
            "task": ["purchase_90d"] * 2,
            "model_run_id": ["train-1", "rescore-2"],
            "run_kind": ["train", "rescore"],
            "source_model_run_id": [None, "train-1"],
            "created_at": [datetime(2024, 1, 1), datetime(2024, 2, 16)],
            "as_of_date": [date(2023, 11, 18), date(2024, 2, 16)],
            "test_roc_auc": [0.78, 0.78],
        }
    )
    realised = pl.DataFrame(
        {
            "task": "purchase_90d",
            "model_run_id": "train-1",
            "as_of_date": date(2023, 11, 18),
            "window_end": date(2024, 2, 16),
            "population": ["scored", "target_population"],
            "clients": [5749, 4480],
            "positives": [422, 117],
            "roc_auc": [0.86, 0.76],
            "average_precision": [0.32, 0.18],
            "lift_at_10pct": [5.0, 4.4],
            "brier": [0.056, 0.024],
            "ece": [0.014, 0.012],
        }
    )
    health = pl.DataFrame(
        {
            "checked_at": datetime(2024, 2, 16),
            "data_set": "apparel",
            "raw_source": ["apparel-messages"],
            "slice": ["mobile_push"],
            "row_count": [7000],
            "newest_event_date": [date(2024, 1, 19)],
            "recent_ratio": [0.0],
            "null_share": [None],
            "duplicate_share": [None],
            "status": ["stale"],
            "message": ["apparel-messages (mobile_push): stale, its newest event is 2024-01-19"],
        }
    )
    quantiles = {"p05": 0.001, "p25": 0.005, "p50": 0.01, "p75": 0.03, "p95": 0.2, "mean": 0.03}
    scores = pl.DataFrame(
        {"model_run_id": ["train-1", "rescore-2"], **{k: [v, v * 1.1] for k, v in quantiles.items()}}
    )
    drift = pl.concat([_drift("train-1", set()), _drift("rescore-2", {"count_send_mobile_push_7d"})])
    state = MonitorState(runs, drift, realised, health, scores)
    page = write_monitoring_page(state, tmp_path / "reports" / "monitoring.html").read_text()
    assert page.count("data:image/png") == 3  # realised performance, the PSI heat map, the score per run
    assert "Task purchase_90d" in page and "Data health of the latest build" in page
    assert "apparel-messages (mobile_push): stale" in page  # the health table, with its sentence
    assert "<td>train-1</td>" in page and "<td>0.76</td>" in page  # the realised performance table
