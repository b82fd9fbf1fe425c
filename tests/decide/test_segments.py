"""Segments by probability and profit, actions from the segment's SHAP drivers, the clients' own reasons."""

import numpy as np
import polars as pl
import pytest

from scoring.decide.segments import KEY_SEGMENT, assign_segments, segment_clients
from scoring.tasks import SegmentRules

NAMES = ("share_promo_purchases_6m", "avg_pages_per_visit_3m", "top_category")


def _inputs():
    scores = pl.DataFrame({"client_id": [1, 2, 3, 4], "probability": [0.9, 0.8, 0.1, 0.2]})
    profit = pl.DataFrame({"client_id": [4, 3, 2, 1], "profit": [1.0, 5.0, 2.0, 6.0]})
    # client 1 (key segment): promo share drives the risk; client 2: few pages
    values = np.array([[1.5, 0.2, -0.1], [0.1, 1.2, 0.0], [-0.5, -0.4, 0.1], [-0.2, -0.3, -0.2]])
    return scores, profit, values, pl.Series([f"reason of client {i}" for i in range(1, 5)])


def test_segments_split_at_the_risk_and_profit_thresholds():
    frame = pl.DataFrame({"probability": [0.6, 0.6, 0.4, 0.4], "profit": [5.0, 1.0, 5.0, 1.0]})
    segments = assign_segments(frame, risk_threshold=0.5, profit_threshold=3.0).to_list()
    assert segments == [KEY_SEGMENT, "high risk, low profit", "low risk, high profit", "low risk, low profit"]


def test_each_client_gets_its_segment_profit_its_own_reason_and_its_segments_action():
    scores, profit, values, reasons = _inputs()
    rules = SegmentRules(profit_column="profit", high_profit_quantile=0.5)
    result = segment_clients(scores, profit, values, NAMES, reasons, rules, risk_threshold=0.5)
    clients = result.clients.sort("client_id")
    assert clients["reason"].to_list() == [f"reason of client {i}" for i in range(1, 5)]
    assert clients["profit"].to_list() == [6.0, 2.0, 5.0, 1.0]  # joined on client_id, not on row order
    assert clients["segment"].to_list() == [
        KEY_SEGMENT, "high risk, low profit", "low risk, high profit", "low risk, low profit",
    ]  # fmt: skip
    key_offer = clients["offer"][0]
    assert "promo code" in key_offer and key_offer.startswith("Retain first")
    assert "recommendations" in clients["offer"][1]


def test_configured_risk_threshold_overrides_the_decision_threshold():
    scores, profit, values, reasons = _inputs()
    rules = SegmentRules(profit_column="profit", high_risk_probability=0.85)
    result = segment_clients(scores, profit, values, NAMES, reasons, rules, risk_threshold=0.5)
    assert result.risk_threshold == 0.85
    assert result.clients.filter(pl.col("segment").str.starts_with("high risk"))["client_id"].to_list() == [1]


def test_a_scored_client_without_profit_is_an_error_naming_it():
    scores, profit, values, reasons = _inputs()
    with pytest.raises(ValueError, match="client_id 2"):
        segment_clients(
            scores,
            profit.filter(pl.col("client_id") != 2),
            values,
            NAMES,
            reasons,
            SegmentRules("profit"),
            0.5,
        )
