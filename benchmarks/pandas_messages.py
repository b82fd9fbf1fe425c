"""The message feature families of the pandas peer: engagement, subscriptions and campaigns.

Input: distinct message events on or before the cutoff with client_id, bulk_campaign_id, event, channel and
days_ago (see pandas_features.message_events). Each family returns one row per client of `clients`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHANNELS = ("email", "mobile_push")
MAIN_EVENTS = ("send", "open", "click", "purchase")
RARE_EVENTS = ("hard_bounce", "soft_bounce", "hbq_spam", "complain", "unsubscribe", "subscribe", "close")
# Column names say purchase_event, so they never clash with the purchase features.
LABELS = {"send": "send", "open": "open", "click": "click", "purchase": "purchase_event"}
# Funnel rates: (name, numerator event, denominator event).
FUNNEL = (("open_per_send", "open", "send"), ("click_per_open", "click", "open"),
          ("purchase_event_per_click", "purchase", "click"))  # fmt: skip
RATE_EVENTS = ("open", "click", "purchase")


def divide(numerator, denominator):
    """numerator / denominator as floats, NaN where the denominator is 0 or missing (SQL's safe_divide)."""
    denominator = pd.Series(denominator, dtype="float64")
    return pd.Series(numerator, dtype="float64") / denominator.where(denominator != 0)


def trend_ratio(recent, previous):
    """(recent - previous) / (recent + previous): +1 all recent, -1 all previous, NaN when both are 0."""
    return divide(recent - previous, recent + previous)


def event_counts(
    events: pd.DataFrame, clients: pd.Index, windows: tuple[int, ...], trend: int
) -> pd.DataFrame:
    """Per client, columns (stat, event, channel): events in each window, in the trend windows, in all, and
    the days since the last one. Missing (event, channel) pairs read as no events."""
    ago = events["days_ago"].to_numpy()
    flags = {f"{days}d": ago < days for days in windows}
    flags[f"prev_{trend}d"] = (ago >= trend) & (ago < 2 * trend)
    flags["trend_recent"] = ago < trend
    frame = pd.DataFrame(flags).assign(
        client_id=events["client_id"].to_numpy(),
        event=events["event"].to_numpy(),
        channel=events["channel"].to_numpy(),
        last_days_ago=ago,
    )
    grouped = frame.groupby(["client_id", "event", "channel"], observed=True, sort=False)
    counts = grouped[list(flags)].sum().astype("int64")
    counts["lifetime"] = grouped.size()
    counts["last_days_ago"] = grouped["last_days_ago"].min()
    wide = counts.unstack(["event", "channel"])
    stats = [*flags, "lifetime", "last_days_ago"]
    full = pd.MultiIndex.from_product([stats, MAIN_EVENTS + RARE_EVENTS, CHANNELS])
    wide = wide.reindex(index=clients, columns=full)
    counted = wide.columns.get_level_values(0) != "last_days_ago"
    wide.loc[:, counted] = wide.loc[:, counted].fillna(0)
    return wide


def _count(counts: pd.DataFrame, stat: str, event: str, channel: str | None) -> pd.Series:
    if channel:
        return counts[(stat, event, channel)]
    return sum(counts[(stat, event, each)] for each in CHANNELS)


def _last(counts: pd.DataFrame, events: tuple[str, ...], channels: tuple[str, ...]) -> pd.Series:
    """Days since the most recent of these events on these channels (NaN when none)."""
    return counts.loc[:, [("last_days_ago", e, c) for e in events for c in channels]].min(axis=1)


def engagement_features(counts: pd.DataFrame, windows: tuple[int, ...], trend: int) -> pd.DataFrame:
    """apparel_features_message_engagement: counts, funnel rates, recency and trend of the main events."""
    scopes = [f"{days}d" for days in windows] + ["lifetime"]
    out = {}
    for event in MAIN_EVENTS:
        for channel in (*CHANNELS, None):
            for scope in scopes:
                out[f"count_{LABELS[event]}{_suffix(channel)}_{scope}"] = _count(
                    counts, scope, event, channel
                )
    for name, numerator, denominator in FUNNEL:
        for channel in (*CHANNELS, None):
            for scope in scopes:
                out[f"rate_{name}{_suffix(channel)}_{scope}"] = divide(
                    _count(counts, scope, numerator, channel), _count(counts, scope, denominator, channel)
                )
    for event in MAIN_EVENTS:
        for channel in (*CHANNELS, None):
            channels = (channel,) if channel else CHANNELS
            out[f"days_since_last_{LABELS[event]}{_suffix(channel)}"] = _last(counts, (event,), channels)
    for event in RATE_EVENTS:
        previous = _count(counts, f"prev_{trend}d", event, None)
        out[f"count_{LABELS[event]}_prev_{trend}d"] = previous
        out[f"trend_count_{LABELS[event]}_{trend}d"] = trend_ratio(
            _count(counts, "trend_recent", event, None), previous
        )
    return pd.DataFrame(out, index=counts.index)


def _suffix(channel: str | None) -> str:
    return f"_{channel}" if channel else ""


def _subscription_state(counts: pd.DataFrame, engagement: pd.DataFrame, channel: str) -> dict[str, pd.Series]:
    """The rule, in order: never messaged; unsubscribed (an opt-out after the last opt-in); bounced (a hard
    failure after the last engagement); else subscribed. Fewer days since is later; a same-day tie keeps
    the earlier state."""
    opt_out = _last(counts, ("unsubscribe", "complain"), (channel,))
    opt_in = _last(counts, ("subscribe",), (channel,))
    failure = _last(counts, ("hard_bounce", "hbq_spam"), (channel,))
    engaged = engagement[[f"days_since_last_{LABELS[e]}_{channel}" for e in RATE_EVENTS]].min(axis=1)
    total = sum(counts[("lifetime", event, channel)] for event in MAIN_EVENTS + RARE_EVENTS)
    state = np.select(
        [
            total == 0,
            opt_out.notna() & (opt_in.isna() | (opt_out < opt_in)),
            failure.notna() & (engaged.isna() | (failure < engaged)),
        ],
        ["never_messaged", "unsubscribed", "bounced"],
        "subscribed",
    )
    return {
        f"days_since_last_opt_out_{channel}": opt_out,
        f"days_since_last_hard_failure_{channel}": failure,
        f"{channel}_subscription_state": pd.Series(state, index=counts.index),
        f"is_{channel}_subscribed": pd.Series(state == "subscribed", index=counts.index),
    }


def subscription_features(counts: pd.DataFrame, engagement: pd.DataFrame) -> pd.DataFrame:
    """apparel_features_subscriptions: rare event counts, the subscription state of each channel, and
    whether a campaign can reach the client on some channel."""
    out = {}
    for event in RARE_EVENTS:
        for channel in CHANNELS:
            out[f"count_{event}_{channel}_lifetime"] = counts[("lifetime", event, channel)]
        out[f"count_{event}_lifetime"] = _count(counts, "lifetime", event, None)
    for channel in CHANNELS:
        out.update(_subscription_state(counts, engagement, channel))
    states = [out[f"{channel}_subscription_state"] for channel in CHANNELS]
    reachable = sum((state == "subscribed").astype(int) for state in states)
    never_messaged = sum((state == "never_messaged").astype(int) for state in states)
    out["count_reachable_channels"] = reachable
    out["contact_status"] = pd.Series(
        np.select(
            [reachable > 0, never_messaged == len(CHANNELS)],
            ["reachable", "never_messaged"],
            "opted_out_or_bounced",
        ),
        index=counts.index,
    )
    return pd.DataFrame(out, index=counts.index)


def campaign_launches(events: pd.DataFrame) -> pd.Series:
    """Days since each campaign's first send, by bulk_campaign_id."""
    return events.loc[events["event"] == "send"].groupby("bulk_campaign_id")["days_ago"].max()


def campaign_rates(events: pd.DataFrame, launch: pd.Series, maturity: int) -> pd.DataFrame:
    """Each campaign's open, click and purchase events per send over its first `maturity` days."""
    launch_ago = events["bulk_campaign_id"].map(launch)
    first_days = events["days_ago"] >= launch_ago - (maturity - 1)
    counted = events.loc[first_days & events["event"].isin(MAIN_EVENTS)]
    per_event = counted.groupby(["bulk_campaign_id", "event"], observed=True).size().unstack(fill_value=0)
    per_event = per_event.reindex(columns=list(MAIN_EVENTS), fill_value=0)
    return pd.DataFrame({rate: divide(per_event[rate], per_event["send"]) for rate in RATE_EVENTS})


def base_campaign_rates(daily: pd.DataFrame, launch: pd.Series, as_of: pd.Timestamp, maturity: int):
    """The same rates over the whole mailing base, from the optional daily aggregates of the same days."""
    ago = (as_of - daily["date"]).dt.days
    launch_ago = daily["bulk_campaign_id"].map(launch)
    first_days = daily.loc[(ago <= launch_ago) & (ago >= launch_ago - (maturity - 1))]
    sums = first_days.groupby("bulk_campaign_id")[[f"count_{e}" for e in MAIN_EVENTS]].sum()
    return pd.DataFrame({f"base_{r}": divide(sums[f"count_{r}"], sums["count_send"]) for r in RATE_EVENTS})


def campaign_features(
    events: pd.DataFrame, rates: pd.DataFrame, maturity: int, recent: int, clients: pd.Index
) -> pd.DataFrame:
    """apparel_features_campaigns: mean rates of the campaigns sent at least `maturity` days before the
    cutoff, over all of them and over those of the `recent` days before that."""
    sends = events.loc[(events["event"] == "send") & (events["days_ago"] >= maturity)]
    per_send = pd.DataFrame({name: sends["bulk_campaign_id"].map(rates[name]) for name in rates.columns})
    per_send["client_id"] = sends["client_id"]
    is_recent = sends["days_ago"] < maturity + recent
    out = {}
    for scope, rows in (("lifetime", per_send), (f"{recent}d", per_send.loc[is_recent])):
        grouped = rows.groupby("client_id")
        sums = grouped.sum().reindex(clients)
        rated = grouped.count().reindex(clients, fill_value=0)
        out[f"count_rated_campaign_sends_{scope}"] = rated["open"]
        for source in ("", "base_"):
            for rate in RATE_EVENTS:
                out[f"mean_campaign_{source}{rate}_rate_{scope}"] = divide(
                    sums[f"{source}{rate}"], rated[f"{source}open"]
                )
    return pd.DataFrame(out, index=clients)
