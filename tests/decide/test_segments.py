"""Segments by probability and profit, offers from the segment's SHAP drivers, reasons in words."""

import numpy as np
import polars as pl
import pytest

from scoring.decide.segments import KEY_SEGMENT, assign_segments, client_reasons, segment_clients
from scoring.tasks import SegmentRules

NAMES = ("share_promo_purchases_6m", "avg_pages_per_visit_3m", "top_category")


def _inputs():
    scores = pl.DataFrame({"client_id": [1, 2, 3, 4], "probability": [0.9, 0.8, 0.1, 0.2]})
    profit = pl.DataFrame({"client_id": [4, 3, 2, 1], "profit": [1.0, 5.0, 2.0, 6.0]})
    # client 1 (key segment): promo share drives the risk; client 2: few pages
    values = np.array([[1.5, 0.2, -0.1], [0.1, 1.2, 0.0], [-0.5, -0.4, 0.1], [-0.2, -0.3, -0.2]])
    X = pl.DataFrame(
        {
            "share_promo_purchases_6m": [0.9, 0.2, 0.1, 0.3],
            "avg_pages_per_visit_3m": [8.0, 2.0, 9.0, 10.0],
            "top_category": ["Кухонная посуда", "Товары для детей", "Кухонная посуда", "Домашний текстиль"],
        }
    )
    return scores, profit, values, X


def test_segments_split_at_the_risk_and_profit_thresholds():
    frame = pl.DataFrame({"probability": [0.6, 0.6, 0.4, 0.4], "profit": [5.0, 1.0, 5.0, 1.0]})
    segments = assign_segments(frame, risk_threshold=0.5, profit_threshold=3.0).to_list()
    assert segments == [KEY_SEGMENT, "high risk, low profit", "low risk, high profit", "low risk, low profit"]


def test_each_client_gets_its_segment_profit_and_an_offer_from_its_segment_drivers():
    scores, profit, values, X = _inputs()
    rules = SegmentRules(profit_column="profit", high_profit_quantile=0.5)
    result = segment_clients(scores, profit, values, NAMES, X, rules, risk_threshold=0.5)
    clients = result.clients.sort("client_id")
    assert clients["profit"].to_list() == [6.0, 2.0, 5.0, 1.0]  # joined on client_id, not on row order
    assert clients["segment"].to_list() == [
        KEY_SEGMENT, "high risk, low profit", "low risk, high profit", "low risk, low profit",
    ]  # fmt: skip
    key_offer = clients["offer"][0]
    assert "promo code" in key_offer and key_offer.startswith("Retain first")
    assert "recommendations" in clients["offer"][1]


def test_configured_risk_threshold_overrides_the_decision_threshold():
    scores, profit, values, X = _inputs()
    rules = SegmentRules(profit_column="profit", high_risk_probability=0.85)
    result = segment_clients(scores, profit, values, NAMES, X, rules, risk_threshold=0.5)
    assert result.risk_threshold == 0.85
    assert result.clients.filter(pl.col("segment").str.starts_with("high risk"))["client_id"].to_list() == [1]


def test_reason_names_the_strongest_risk_raising_feature_with_its_value():
    _, _, values, X = _inputs()
    reasons = client_reasons(values, NAMES, X)
    assert reasons[0].startswith("high share of purchases on promotion (0.9;")
    assert reasons[1].startswith("low pages viewed per visit (2;")
    assert reasons[3] == "nothing in particular raises the risk"


def test_a_scored_client_without_profit_is_an_error_naming_it():
    scores, profit, values, X = _inputs()
    with pytest.raises(ValueError, match="client_id 2"):
        segment_clients(
            scores, profit.filter(pl.col("client_id") != 2), values, NAMES, X, SegmentRules("profit"), 0.5
        )
