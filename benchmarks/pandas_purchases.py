"""The purchase feature families of the pandas peer: purchases (RFM, gaps, trend) and categories.

Input: distinct purchase lines on or before the cutoff (see pandas_features.purchase_lines), money in
integer cents so sums are exact. Each family returns one row per client of `clients`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_messages import divide, trend_ratio


def purchase_days(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (client_id, days_ago) with orders, lines, items, revenue and the gap to the previous day.
    An order is the lines a client bought on one day through one message_id (the data has no order id)."""
    orders = lines.groupby(["client_id", "days_ago", "message_id"], sort=False).agg(
        count_lines=("quantity", "size"),
        count_items=("quantity", "sum"),
        revenue=("revenue_cents", "sum"),
        count_other=("is_other_client_message", "sum"),
    )
    days = orders.groupby(["client_id", "days_ago"]).agg(
        count_orders=("count_lines", "size"),
        count_lines=("count_lines", "sum"),
        count_items=("count_items", "sum"),
        revenue=("revenue", "sum"),
        max_order_revenue=("revenue", "max"),
        count_other=("count_other", "sum"),
    )
    days = days.reset_index().sort_values(["client_id", "days_ago"], ascending=[True, False])
    days["gap"] = -days.groupby("client_id")["days_ago"].diff()  # days since the previous purchase day
    return days


def _window_columns(days: pd.DataFrame, windows: tuple[int, ...], trend: int) -> pd.DataFrame:
    """Per purchase day, its measures inside each window (0, or NaN for maxima, outside)."""
    ago = days["days_ago"]
    columns = {}
    for window in windows:
        inside = ago < window
        columns[f"count_purchase_days_{window}d"] = inside
        for measure, source in (("count_orders", "count_orders"), ("count_items", "count_items"),
                                ("sum_revenue", "revenue")):  # fmt: skip
            columns[f"{measure}_{window}d"] = days[source].where(inside, 0)
        columns[f"max_order_revenue_{window}d"] = days["max_order_revenue"].where(inside)
    previous = (ago >= trend) & (ago < 2 * trend)
    columns["orders_prev"] = days["count_orders"].where(previous, 0)
    columns["revenue_prev"] = days["revenue"].where(previous, 0)
    columns["orders_recent"] = days["count_orders"].where(ago < trend, 0)
    columns["revenue_recent"] = days["revenue"].where(ago < trend, 0)
    columns["second_last_days_ago"] = ago + days["gap"]
    return pd.DataFrame(columns)


def _aggregate_days(days: pd.DataFrame, windows: tuple[int, ...], trend: int) -> pd.DataFrame:
    by_window = _window_columns(days, windows, trend)
    how = {name: ("max" if name.startswith("max_") else "sum") for name in by_window.columns}
    how["second_last_days_ago"] = "min"
    aggregated = by_window.groupby(days["client_id"]).agg(how)
    lifetime = days.groupby("client_id").agg(
        count_purchase_days_lifetime=("days_ago", "size"),
        count_orders_lifetime=("count_orders", "sum"),
        count_items_lifetime=("count_items", "sum"),
        sum_revenue_lifetime=("revenue", "sum"),
        max_order_revenue_lifetime=("max_order_revenue", "max"),
        first_days_ago=("days_ago", "max"),
        last_days_ago=("days_ago", "min"),
        max_gap=("gap", "max"),
        count_lines=("count_lines", "sum"),
        count_other=("count_other", "sum"),
    )
    return aggregated.join(lifetime)


def purchase_features(
    days: pd.DataFrame, first_seen: pd.Series, windows: tuple[int, ...], trend: int
) -> pd.DataFrame:
    """apparel_features_purchases: recency, tenure, frequency, money, gaps and trend (money in roubles)."""
    agg = _aggregate_days(days, windows, trend).reindex(first_seen.index)
    out = {
        "has_purchase_history": agg["count_purchase_days_lifetime"].notna(),
        "days_since_last_purchase": agg["last_days_ago"],
        "days_since_first_purchase": agg["first_days_ago"],
        "days_since_first_seen": first_seen,
    }
    for scope in [f"{window}d" for window in windows] + ["lifetime"]:
        revenue = agg[f"sum_revenue_{scope}"].fillna(0) / 100
        out[f"count_purchase_days_{scope}"] = agg[f"count_purchase_days_{scope}"].fillna(0)
        out[f"count_orders_{scope}"] = agg[f"count_orders_{scope}"].fillna(0)
        out[f"count_items_{scope}"] = agg[f"count_items_{scope}"].fillna(0)
        out[f"sum_revenue_{scope}"] = revenue
        out[f"mean_order_revenue_{scope}"] = divide(revenue, agg[f"count_orders_{scope}"])
        out[f"max_order_revenue_{scope}"] = agg[f"max_order_revenue_{scope}"] / 100
    out["mean_days_between_purchase_days"] = divide(
        agg["first_days_ago"] - agg["last_days_ago"], agg["count_purchase_days_lifetime"] - 1
    )
    out["max_days_between_purchase_days"] = agg["max_gap"]
    out["days_between_last_two_purchase_days"] = agg["second_last_days_ago"] - agg["last_days_ago"]
    out["count_other_client_message_lines_lifetime"] = agg["count_other"].fillna(0)
    out["share_other_client_message_lines_lifetime"] = divide(agg["count_other"], agg["count_lines"])
    out[f"count_orders_prev_{trend}d"] = agg["orders_prev"].fillna(0)
    out[f"sum_revenue_prev_{trend}d"] = agg["revenue_prev"].fillna(0) / 100
    out[f"trend_count_orders_{trend}d"] = trend_ratio(agg["orders_recent"], agg["orders_prev"])
    out[f"trend_sum_revenue_{trend}d"] = trend_ratio(agg["revenue_recent"], agg["revenue_prev"])
    return pd.DataFrame(out, index=first_seen.index)


def _entropy(lines: pd.DataFrame) -> pd.DataFrame:
    """Per client: the distinct known top-level categories and the Shannon entropy (natural log) of the
    item shares over them."""
    known = lines.loc[lines["top_category_id"].notna()]
    items = known.groupby(["client_id", "top_category_id"])["quantity"].sum()
    share = items / items.groupby(level="client_id").transform("sum")
    return pd.DataFrame(
        {
            "count_distinct_top_categories_lifetime": share.groupby(level="client_id").size(),
            "entropy_top_categories_lifetime": -(share * np.log(share)).groupby(level="client_id").sum(),
        }
    )


def category_features(lines: pd.DataFrame, top_ids: tuple[int, ...], clients: pd.Index) -> pd.DataFrame:
    """apparel_features_categories: the share of items in each main top-level category, and diversity."""
    top, quantity = lines["top_category_id"], lines["quantity"]
    items = {str(top_id): quantity.where(top == top_id, 0) for top_id in top_ids}
    items["other"] = quantity.where(top.notna() & ~top.isin(top_ids), 0)
    items["unknown"] = quantity.where(top.isna(), 0)
    per_client = pd.DataFrame(items).groupby(lines["client_id"]).sum().reindex(clients)
    total = quantity.groupby(lines["client_id"]).sum().reindex(clients)
    out = {f"share_items_top_category_{name}_lifetime": divide(per_client[name], total) for name in items}
    diversity = _entropy(lines).reindex(clients)
    out["count_distinct_top_categories_lifetime"] = diversity[
        "count_distinct_top_categories_lifetime"
    ].fillna(0)
    out["count_distinct_leaf_categories_lifetime"] = (
        lines.groupby("client_id")["leaf_category_id"].nunique().reindex(clients, fill_value=0)
    )
    out["entropy_top_categories_lifetime"] = diversity["entropy_top_categories_lifetime"]
    return pd.DataFrame(out, index=clients)
