"""A campaign's contact list: exclusions, expected value, the selection rules and the seeded control group."""

import numpy as np
import polars as pl
import pytest

from scoring.decide.campaign import (
    CONTROL,
    Selection,
    apply_exclusions,
    campaign_id,
    control_size,
    draw_control,
    plan_campaign,
)
from scoring.errors import ConfigError
from scoring.tasks import CampaignRules, Exclusion

RULES = CampaignRules(
    value_column="value",
    value_label="profit",
    offer_effect=0.5,
    contact_cost=1.0,
    exclusions=(
        Exclusion("offers not allowed", "is_offers_allowed", (False,)),
        Exclusion("unreachable", "contact_status", ("opted_out_or_bounced",)),
        Exclusion("no value", "value", (None,)),
    ),
)


def _clients(n: int = 400, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "client_id": np.arange(1000, 1000 + n),
            "probability": rng.random(n),
            "value": np.where(rng.random(n) < 0.05, np.nan, rng.gamma(2.0, 10.0, n)),
            "offer_effect": rng.choice([0.5, 0.25], n),
            "offer_rule": rng.choice(["a", "b", "c"], n),
            "offer": "an offer",
            "reason": "a reason",
            "is_offers_allowed": rng.random(n) < 0.75,
            "contact_status": rng.choice(["reachable", "opted_out_or_bounced"], n, p=[0.8, 0.2]),
        }
    ).with_columns(pl.col("value").fill_nan(None))


@pytest.mark.parametrize(
    "selection",
    [
        Selection("size", 10_000),
        Selection("budget", 1e9),
        Selection("min_expected_value", -1e9),
        Selection("target_recall", 1.0),
    ],
    ids=lambda s: s.rule,
)
def test_no_client_who_refused_offers_or_is_unreachable_is_ever_selected(selection):
    clients = _clients()
    plan = plan_campaign(clients, RULES, selection, 0.1, seed=1)
    chosen = clients.join(plan.members.select("client_id"), on="client_id")
    assert chosen.height == plan.members.height > 0
    assert chosen["is_offers_allowed"].all()
    assert (chosen["contact_status"] == "reachable").all()
    assert chosen["value"].is_not_null().all()
    refused = clients.filter(~pl.col("is_offers_allowed")).height
    assert plan.excluded["offers not allowed"] == refused
    assert sum(plan.excluded.values()) + plan.counts["eligible"] == clients.height


def test_each_excluded_client_counts_once_under_the_first_reason_that_applies():
    clients = _clients()
    left, excluded = apply_exclusions(clients, RULES.exclusions)
    both = clients.filter(~pl.col("is_offers_allowed") & (pl.col("contact_status") != "reachable")).height
    assert both > 0
    unreachable_only = clients.filter(pl.col("is_offers_allowed") & (pl.col("contact_status") != "reachable"))
    assert excluded["unreachable"] == unreachable_only.height
    assert left.height == clients.height - sum(excluded.values())


@pytest.mark.parametrize("n", [1, 4, 5, 10, 15, 99, 200, 333])
def test_the_control_share_holds_for_any_size(n):
    held = draw_control(pl.Series(range(n)), 0.1, seed=7)
    assert held.sum() == control_size(n, 0.1) == int(n * 0.1 + 0.5)


def test_same_seed_same_control_group_whatever_the_order_and_another_seed_another():
    ids = pl.Series(np.arange(500, 800))
    first = ids.filter(draw_control(ids, 0.2, seed=11)).sort()
    shuffled = ids.sample(fraction=1.0, shuffle=True, seed=5)
    again = shuffled.filter(draw_control(shuffled, 0.2, seed=11)).sort()
    other = ids.filter(draw_control(ids, 0.2, seed=12)).sort()
    assert first.to_list() == again.to_list()
    assert first.to_list() != other.to_list()


def test_same_seed_same_members_and_groups():
    one = plan_campaign(_clients(), RULES, Selection("size", 120), 0.1, seed=4).members
    two = plan_campaign(_clients(), RULES, Selection("size", 120), 0.1, seed=4).members
    assert one.equals(two)
    assert one.filter(pl.col("group") == CONTROL).height == 12


def test_size_selects_the_highest_expected_values():
    clients = _clients()
    plan = plan_campaign(clients, RULES, Selection("size", 50), 0.1, seed=1)
    members = plan.members
    expected = members["probability"] * members["value"] * members["offer_effect"] - RULES.contact_cost
    assert np.allclose(members["expected_value"], expected)
    left, _ = apply_exclusions(clients, RULES.exclusions)
    everyone = (left["probability"] * left["value"] * left["offer_effect"] - 1.0).sort(descending=True)
    assert members["expected_value"].min() == pytest.approx(everyone[49])


def test_a_budget_pays_for_the_treatment_group_only():
    plan = plan_campaign(_clients(), RULES, Selection("budget", 45.0), 0.1, seed=1)
    assert plan.counts["treatment"] == 45
    assert plan.counts["selected"] == 50 and plan.counts["control"] == 5


def test_a_budget_without_a_contact_cost_is_refused():
    rules = CampaignRules("value", "profit", contact_cost=0.0)
    with pytest.raises(ConfigError, match="contact cost is 0"):
        plan_campaign(_clients(), rules, Selection("budget", 10.0), 0.1, seed=1)


def test_a_minimum_expected_value_keeps_exactly_those_at_or_above_it():
    plan = plan_campaign(_clients(), RULES, Selection("min_expected_value", 5.0), 0.1, seed=1)
    assert plan.members["expected_value"].min() >= 5.0
    assert plan.counts["selected_with_negative_expected_value"] == 0


def test_a_target_recall_takes_the_fewest_most_likely_clients_reaching_it():
    clients = _clients()
    plan = plan_campaign(clients, RULES, Selection("target_recall", 0.8), 0.1, seed=1)
    left, _ = apply_exclusions(clients, RULES.exclusions)
    total = left["probability"].sum()
    chosen = plan.members["probability"].sort(descending=True)
    assert chosen.sum() / total >= 0.8 > (chosen.sum() - chosen[-1]) / total
    assert chosen.min() >= left["probability"].sort(descending=True)[plan.members.height - 1]


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        ("size", 0, "at least 1"),
        ("size", 2.5, "whole number"),
        ("target_recall", 1.5, "at most 1"),
        ("budget", -1, "above 0"),
        ("reach", 1, "Unknown selection rule"),
    ],
)
def test_a_selection_outside_its_range_is_refused(rule, value, message):
    with pytest.raises(ConfigError, match=message):
        Selection(rule, value)


def test_a_control_share_outside_0_to_1_is_refused():
    with pytest.raises(ConfigError, match="CONTROL_SHARE"):
        draw_control(pl.Series([1, 2]), 1.0, seed=1)


def test_the_campaign_id_depends_on_the_parameters_only():
    params = {"task": "t", "model_run_id": "r1", "rule": "size", "value": 200.0, "seed": 42}
    same = campaign_id("t", "2024-02-16", dict(reversed(params.items())))
    assert campaign_id("t", "2024-02-16", params) == same
    assert campaign_id("t", "2024-02-16", {**params, "model_run_id": "r2"}) != same
    assert same.startswith("t-20240216-")
