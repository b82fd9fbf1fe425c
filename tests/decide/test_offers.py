"""Offers per client: the first rule whose conditions hold, filled with the client's values; the default rules
of both tasks reach the analyses' findings."""

import numpy as np
import polars as pl
import pytest

from scoring.decide.offer_rules import ACTIVITY_DECLINE, GENERIC, PURCHASE_90D, rules_for
from scoring.decide.offers import Condition, OfferRule, choose_offers, offer_effects
from scoring.decide.reasons import population
from scoring.errors import ConfigError
from scoring.tasks import TASKS

ONE_CLICK_NAMES = ("count_unpaid_items_3m", "top_category", "avg_pages_per_visit_3m", "count_service_errors")


def _one_click():
    data = pl.DataFrame(
        {
            "count_unpaid_items_3m": [6.0, 0.0, 1.0, 2.0, 2.0],
            "top_category": [
                "Косметика",
                "Мелкая бытовая техника",
                "Кухонная посуда",
                "Косметика",
                "Косметика",
            ],
            "avg_pages_per_visit_3m": [8.0, 9.0, 3.0, 8.0, 8.0],
            "count_service_errors": [4.0, 4.0, 4.0, 8.0, 4.0],
            "share_promo_purchases_6m": [0.2, 0.2, 0.2, 0.2, 0.9],
            "avg_marketing_contacts_6m": [4.0, 4.0, 4.0, 4.0, 4.0],
        }
    )
    values = np.array(
        [
            [1.0, 0.1, 0.0, 0.0],  # unpaid items raise the risk
            [0.0, -0.9, -0.1, 0.0],  # the favourite category lowers it
            [0.0, 0.1, 0.8, 0.0],  # short visits raise it
            [0.0, 0.0, 0.1, 0.7],  # service errors raise it
            [0.0, 0.0, 0.0, 0.0],  # mostly promo purchases
        ]
    )
    return data, values


def test_one_click_default_rules_answer_each_clients_own_reasons():
    data, values = _one_click()
    offers = choose_offers(ACTIVITY_DECLINE, data, values, ONE_CLICK_NAMES, population(data))
    assert offers["offer_rule"].to_list() == [
        "unpaid basket", "category that keeps them", "short visits", "service errors", "promo buyer",
    ]  # fmt: skip
    assert offers["offer"][0].startswith("a reminder of the 6 items left in their basket")
    assert offers["offer"][4] == "a personal promo code for Косметика"


def test_a_category_that_lowers_the_risk_becomes_a_recommendation_in_it():
    data, values = _one_click()
    offers = choose_offers(ACTIVITY_DECLINE, data, values, ONE_CLICK_NAMES, population(data))
    assert offers["offer"][1] == "new arrivals in Мелкая бытовая техника, the category that keeps them buying"


def test_apparel_default_rules_remind_who_clicked_without_buying_and_follow_the_favourite_category():
    data = pl.DataFrame(
        {
            "count_click_30d": [2.0, 0.0, 0.0, 0.0],
            "count_orders_30d": [0.0, 0.0, 0.0, 0.0],
            "mean_order_revenue_lifetime": [900.0, 500.0, 800.0, 3000.0],
            "days_since_last_purchase": [10.0, 300.0, 200.0, 400.0],
            **{
                f"share_items_top_category_{c}_lifetime": [0.0] * 4
                for c in ("4", "2", "5562", "6060", "5963")
            },
        }
    ).with_columns(share_items_top_category_5562_lifetime=pl.Series([0.0, 0.8, 0.1, 0.0]))
    names = ("days_since_last_purchase",)
    values = np.array([[0.5], [-0.2], [-0.1], [-1.5]])
    offers = choose_offers(PURCHASE_90D, data, values, names, population(data))
    assert offers["offer_rule"].to_list() == [
        "clicked, not bought", "category 5562", "best sellers", "valuable, drifting away",
    ]  # fmt: skip


def test_a_row_no_rule_takes_gets_no_offer():
    rules = (OfferRule("big", "a big offer", (Condition("x", "at_least", 10),)),)
    data = pl.DataFrame({"x": [12.0, 3.0]})
    offers = choose_offers(rules, data, None, (), population(data))
    assert offers["offer"].to_list() == ["a big offer", None]


def test_a_rule_reading_a_column_the_rows_lack_is_an_error_naming_rule_and_column():
    rules = (OfferRule("odd", "{nowhere}", (Condition("missing_column", "at_most", 1),)),)
    with pytest.raises(ConfigError, match=r"'odd' reads 'missing_column'"):
        choose_offers(rules, pl.DataFrame({"x": [1.0]}), None, (), population(pl.DataFrame({"x": [1.0]})))


def test_an_unknown_condition_test_is_refused():
    with pytest.raises(ConfigError, match="unknown test"):
        Condition("x", "bigger")


def test_an_offers_effect_is_its_rules_own_or_the_tasks_default():
    names = pl.Series(["unpaid basket", "favourite category", None])
    assert offer_effects(ACTIVITY_DECLINE, names, 0.2).to_list() == [0.25, 0.2, 0.2]


def test_every_task_has_rules_and_every_rules_last_offer_takes_everyone():
    for task in TASKS.values():
        rules = rules_for(task.name)
        assert rules and not rules[-1].when
    assert rules_for("activity_decline") is ACTIVITY_DECLINE and rules_for("a_new_task") is GENERIC
    assert GENERIC[-1].offer
