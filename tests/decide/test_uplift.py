"""Did it work: conversion of treatment and control, the uplift and its interval, uplift at k, all equal to
a hand computation."""

import math

import polars as pl
import pytest

from scoring.decide.uplift import conversion_uplift, top_share, uplift_at_k


def _members(campaign: str, treatment: tuple[int, int], control: tuple[int, int]) -> pl.DataFrame:
    """`treatment` = (clients, converted), the same for control; converted clients have the higher values."""
    rows = []
    for group, (n, converted) in (("treatment", treatment), ("control", control)):
        for i in range(n):
            rows.append({"campaign_id": campaign, "client_id": len(rows), "group": group,
                         "expected_value": float(n - i), "converted": i < converted})  # fmt: skip
    return pl.DataFrame(rows)


def test_uplift_and_its_wald_interval_equal_a_hand_computation():
    found = conversion_uplift(_members("a", (90, 18), (10, 1)))
    pt, pc = 18 / 90, 1 / 10
    se = math.sqrt(pt * (1 - pt) / 90 + pc * (1 - pc) / 10)
    assert found.treatment_rate == pytest.approx(0.2) and found.control_rate == pytest.approx(0.1)
    assert found.uplift == pytest.approx(0.1)
    assert found.interval == pytest.approx((0.1 - 1.959963984540054 * se, 0.1 + 1.959963984540054 * se))


def test_an_empty_control_group_gives_no_uplift_rather_than_a_wrong_one():
    found = conversion_uplift(_members("a", (10, 2), (0, 0)))
    assert math.isnan(found.uplift) and all(math.isnan(x) for x in found.interval)


def test_top_share_takes_each_campaigns_best_rounded_up_not_past_its_size():
    members = pl.concat([_members("a", (7, 0), (3, 0)), _members("b", (18, 0), (2, 0))])
    kept = top_share(members, 0.3)
    assert kept.group_by("campaign_id").len().sort("campaign_id")["len"].to_list() == [3, 6]


def test_uplift_at_k_pools_the_top_of_every_campaign():
    a = _members("a", (8, 4), (2, 0))
    b = _members("b", (8, 2), (2, 1)).with_columns(pl.col("client_id") + 100)
    found = uplift_at_k(pl.concat([a, b]), 0.5)
    # top half of each campaign by expected value: a keeps 5 (treatment values 8..4 beat control's 2, 1),
    # b the same 5; treatment converted a: 4 of 5, b: 2 of 5; no control member is in either top half
    assert (found.treatment_clients, found.treatment_converted) == (10, 6)
    assert found.control_clients == 0
    whole = uplift_at_k(pl.concat([a, b]), 1.0)
    assert (whole.treatment_converted, whole.control_converted) == (6, 1)
    assert whole.uplift == pytest.approx(6 / 16 - 1 / 4)
