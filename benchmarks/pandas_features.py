"""The apparel features of the dbt mart `apparel_features` at one cutoff, written in vectorised pandas.

The benchmark's peer: the same features as the SQL, as a data scientist would compute them in a notebook
(group-bys and masks, no loops over rows or clients). Frames in, one frame out; pandas_peer.py reads the
files. Every date becomes `days_ago` (days before the cutoff, 0 on the cutoff day) once, so a window of N
days is simply `days_ago < N`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.pandas_messages import (
    base_campaign_rates,
    campaign_features,
    campaign_launches,
    campaign_rates,
    engagement_features,
    event_counts,
    subscription_features,
)
from benchmarks.pandas_purchases import category_features, purchase_days, purchase_features


@dataclass(frozen=True)
class Params:
    """The feature parameters; the defaults are the vars of dbt_project/dbt_project.yml (a test checks)."""

    windows: tuple[int, ...] = (7, 30, 90, 180, 365)  # feature_windows_days
    trend: int = 90  # trend_window_days
    maturity: int = 7  # campaign_rate_maturity_days
    recent: int = 90  # campaign_recent_window_days
    top_category_ids: tuple[int, ...] = (4, 2, 5562, 6060, 5963)  # apparel_top_category_ids


def days_ago(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Whole days from each date to the cutoff (0 on the cutoff day, negative after it)."""
    return (as_of - dates).dt.days.astype("int32")


def default_as_of(purchases: pd.DataFrame) -> pd.Timestamp:
    """The latest cutoff the dbt project uses by default: the last purchase day."""
    return pd.Timestamp(purchases["date"].max())


def message_events(messages: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Distinct message events on or before the cutoff: client_id, bulk_campaign_id, event, channel and
    days_ago."""
    events = messages.drop_duplicates()  # exact copies are logging artifacts
    events = events.assign(days_ago=days_ago(events["date"], as_of))
    events = events.loc[
        events["days_ago"] >= 0, ["client_id", "bulk_campaign_id", "event", "channel", "days_ago"]
    ]
    return events.reset_index(drop=True)


def purchase_lines(purchases: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Distinct purchase lines on or before the cutoff, with money in cents and the parsed category path."""
    lines = purchases.drop_duplicates()  # exact full-row copies count once
    lines = lines.assign(days_ago=days_ago(lines["date"], as_of))
    lines = lines.loc[lines["days_ago"] >= 0].reset_index(drop=True)
    prefix = pd.to_numeric(lines["message_id"].str.split("-", n=1).str[0], errors="coerce")
    return pd.DataFrame(
        {
            "client_id": lines["client_id"],
            "days_ago": lines["days_ago"],
            "message_id": lines["message_id"].fillna(""),  # a missing message is one order per day
            "quantity": lines["quantity"].astype("int64"),
            "revenue_cents": lines["quantity"] * (lines["price"] * 100).round().astype("int64"),
            "is_other_client_message": (prefix.notna() & (prefix != lines["client_id"])).to_numpy(),
            "top_category_id": pd.to_numeric(lines["category_ids"].str.extract(r"(\d+)")[0]),
            "leaf_category_id": pd.to_numeric(lines["category_ids"].str.extract(r"(\d+)\D*$")[0]),
        }
    )


def first_seen(events: pd.DataFrame, lines: pd.DataFrame) -> pd.Series:
    """Days since each client was first seen (a purchase or a message event), by client_id: the spine."""
    first_message = events.groupby("client_id", sort=False)["days_ago"].max()
    first_purchase = lines.groupby("client_id", sort=False)["days_ago"].max()
    both = pd.concat([first_message, first_purchase], axis=1)
    return both.max(axis=1).rename("first_seen_days_ago").sort_index()


def _cast_like_the_mart(features: pd.DataFrame) -> pd.DataFrame:
    """Integer columns as int32 (nullable Int32 where the mart has nulls), like the mart's integer type."""
    for name in features.columns:
        column = features[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if name.startswith("count_"):
            features[name] = column.fillna(0).astype("int32")
        elif name.startswith(("days_", "max_days_")):
            features[name] = column.astype("Int32")
    return features


def message_families(
    events: pd.DataFrame,
    daily_events: pd.DataFrame | None,
    as_of: pd.Timestamp,
    params: Params,
    clients: pd.Index,
) -> list[pd.DataFrame]:
    """Engagement, subscriptions and campaigns, one row per client of `clients`."""
    counts = event_counts(events, clients, params.windows, params.trend)
    engagement = engagement_features(counts, params.windows, params.trend)
    launch = campaign_launches(events)
    rates = campaign_rates(events, launch, params.maturity)
    base_columns = [f"base_{rate}" for rate in rates.columns]
    if daily_events is None:
        rates[base_columns] = np.nan
    else:
        rates = rates.join(base_campaign_rates(daily_events, launch, as_of, params.maturity))
    campaigns = campaign_features(events, rates, params.maturity, params.recent, clients)
    return [engagement, subscription_features(counts, engagement), campaigns]


def apparel_features(
    messages: pd.DataFrame,
    purchases: pd.DataFrame,
    daily_events: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
    params: Params = Params(),  # frozen, so one shared default is safe
) -> pd.DataFrame:
    """One row per client seen on or before `as_of` (default: the last purchase day), the mart's columns
    (but the spine's cutoff_index and is_latest_cutoff)."""
    as_of = default_as_of(purchases) if as_of is None else pd.Timestamp(as_of)
    lines = purchase_lines(purchases, as_of)
    events = message_events(messages, as_of)
    spine = first_seen(events, lines)
    families = [
        purchase_features(purchase_days(lines), spine, params.windows, params.trend),
        *message_families(events, daily_events, as_of, params, spine.index),
        category_features(lines, params.top_category_ids, spine.index),
    ]
    features = pd.concat(families, axis=1)
    features.insert(0, "as_of_date", as_of.date())
    return _cast_like_the_mart(features.rename_axis("client_id").reset_index())
