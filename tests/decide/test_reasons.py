"""Reasons in plain words: each client's strongest contributions with its own values against the population's,
grouped by direction; the features' wording."""

import numpy as np
import polars as pl

from scoring.decide.reasons import client_reasons, in_top, population, top_contributions
from scoring.decide.wording import wording

NAMES = ("avg_pages_per_visit_3m", "top_category", "count_unpaid_items_3m", "is_offers_allowed")
RAISES, LOWERS = "raises the risk of a decline", "lowers the risk of a decline"


def _clients():
    X = pl.DataFrame(
        {
            "avg_pages_per_visit_3m": [2.0, 9.0, 8.0, 10.0, 7.0],
            "top_category": [
                "Мелкая бытовая техника",
                "Косметика",
                "Косметика",
                "Косметика",
                "Товары для детей",
            ],
            "count_unpaid_items_3m": [0.0, 6.0, 3.0, 1.0, 2.0],
            "is_offers_allowed": [1.0, 0.0, 1.0, 1.0, 1.0],
        }
    )
    values = np.array(
        [
            [1.2, -0.8, 0.0, 0.01],  # few pages raise the risk; the category lowers it
            [-0.3, 0.1, 0.9, 0.05],  # many unpaid items raise it; many pages lower it
            [0.0, 0.0, 0.0, 0.0],  # nothing stands out
            [-0.2, -0.1, -0.05, 0.0],
            [0.3, 0.2, 0.1, 0.0],
        ]
    )
    return values, X


def test_a_contribution_that_lowers_the_risk_is_never_worded_as_raising_it():
    values, X = _clients()
    reasons = client_reasons(values, NAMES, X, population(X), RAISES, LOWERS)
    first = reasons[0]
    raising, lowering = first.split(". ", 1)
    assert raising.startswith("Raises the risk of a decline: pages viewed per visit (3 months): 2 ")
    assert "favourite category" not in raising
    assert lowering.startswith(
        "Lowers the risk of a decline: favourite category: Мелкая бытовая техника (20% of"
    )
    assert all("Raises" not in r.split(". ", 1)[-1] for r in reasons if r.count(". ") == 1)
    assert reasons[3].startswith("Lowers the risk of a decline:") and "Raises" not in reasons[3]


def test_each_value_is_set_against_the_population_median():
    values, X = _clients()
    reasons = client_reasons(values, NAMES, X, population(X), RAISES, LOWERS)
    # the median client views 8 pages per visit and has 2 unpaid items
    assert "pages viewed per visit (3 months): 2 (the median client: 8)" in reasons[0]
    assert "6 items left unpaid in the basket (3 months) (the median client: 2)" in reasons[1]


def test_a_client_whose_contributions_are_all_zero_gets_no_invented_reason():
    values, X = _clients()
    reasons = client_reasons(values, NAMES, X, population(X), RAISES, LOWERS)
    assert reasons[2].startswith("No feature stands out")


def test_a_zero_count_reads_as_none_with_the_median_beside_it():
    X = pl.DataFrame({"count_open_email_90d": [0.0, 3.0, 5.0, 3.0]})
    values = np.array([[-1.0], [0.2], [0.3], [0.1]])
    reasons = client_reasons(values, ("count_open_email_90d",), X, population(X), "raises", "lowers")
    assert reasons[0] == "Lowers: no e-mail opened in the last 90 days (the median client: 3)."


def test_apparel_features_are_worded_from_their_names():
    assert wording("count_open_email_90d").phrase == "e-mails opened in the last 90 days"
    assert wording("count_click_mobile_push_30d").phrase == "clicks in messages by push in the last 30 days"
    assert wording("days_since_last_purchase").phrase == "days since the last purchase"
    assert wording("mean_order_revenue_lifetime").phrase == "mean order value ever (roubles)"
    assert (
        wording("share_items_top_category_5562_lifetime").phrase == "share of items bought in category 5562"
    )
    assert wording("count_orders_prev_90d").phrase == "orders in the 90 days before the last 90"
    assert wording("some_new_feature").phrase == "some new feature"


def test_top_contributions_are_the_largest_absolute_values_first():
    values, _ = _clients()
    assert top_contributions(values, 2)[1].tolist() == [2, 0]


def test_in_top_needs_the_direction_and_a_feature_the_model_uses():
    values, _ = _clients()
    assert in_top(values, NAMES, "top_category", -1, 3).tolist() == [True, False, False, True, False]
    assert in_top(values, NAMES, "top_category", 1, 3).tolist() == [False, True, False, False, True]
    assert not in_top(values, NAMES, "share_promo_purchases_6m", 1, 3).any()
