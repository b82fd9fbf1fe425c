"""The optional full_campaign_daily_event.csv, derived from a generated apparel folder's messages (the
generator does not write it): for the tests of the campaign-rate features and of the benchmark's peer."""

from pathlib import Path

import duckdb

EVENTS = ["click", "complain", "hard_bounce", "open", "purchase", "send", "soft_bounce", "subscribe",
          "unsubscribe", "hbq_spam", "close"]  # fmt: skip
# The column order of full_campaign_daily_event.csv, as declared in _apparel__sources.yml.
DAILY_COLUMNS = (
    [f"count_{e}" for e in EVENTS[:9]] + [f"nunique_{e}" for e in EVENTS[:9]]
    + ["count_hbq_spam", "nunique_hbq_spam", "count_close", "nunique_close"]
)  # fmt: skip


def write_daily_events(apparel_dir: Path) -> Path:
    """A full_campaign_daily_event.csv shaped like the real one: per day and campaign, three times the data's
    events plus one open (so base-wide rates differ from the data's), and every day again 30 days later, so
    the file runs past the data like the real one and its later days must be ignored."""
    counts = ",\n".join(
        f"3 * count(*) filter (where event = '{column.split('_', 1)[1]}')"
        + (" + 1" if column == "count_open" else "")
        + f" as {column}"
        if column.startswith("count_")
        else f"count(distinct client_id) filter (where event = '{column.split('_', 1)[1]}') as {column}"
        for column in DAILY_COLUMNS
    )
    path = apparel_dir / "full_campaign_daily_event.csv"
    messages = apparel_dir / "apparel-messages.csv"
    query = f"""
        with daily as (
            select date + shift_days as date, bulk_campaign_id, event, client_id
            from read_csv('{messages}'), (select unnest([0, 30]) as shift_days)
        )
        select date, bulk_campaign_id, {counts} from daily group by all order by all
    """
    duckdb.sql(f"copy ({query}) to '{path}' (header)")
    return path


# The measure columns of full_campaign_daily_event_channel.csv, in the published order.
CHANNEL_COLUMNS = [
    "count_click_email", "count_click_mobile_push", "count_open_email", "count_open_mobile_push",
    "count_purchase_email", "count_purchase_mobile_push", "count_soft_bounce_email", "count_subscribe_email",
    "count_unsubscribe_email", "nunique_click_email", "nunique_click_mobile_push", "nunique_open_email",
    "nunique_open_mobile_push", "nunique_purchase_email", "nunique_purchase_mobile_push",
    "nunique_soft_bounce_email", "nunique_subscribe_email", "nunique_unsubscribe_email",
    "count_hard_bounce_mobile_push", "count_send_mobile_push", "nunique_hard_bounce_mobile_push",
    "nunique_send_mobile_push", "count_hard_bounce_email", "count_hbq_spam_email", "count_send_email",
    "nunique_hard_bounce_email", "nunique_hbq_spam_email", "nunique_send_email",
    "count_soft_bounce_mobile_push", "nunique_soft_bounce_mobile_push", "count_complain_email",
    "nunique_complain_email", "count_close_mobile_push", "nunique_close_mobile_push",
]  # fmt: skip


def write_channel_daily_events(apparel_dir: Path) -> Path:
    """The optional full_campaign_daily_event_channel.csv, per day, campaign and channel, aggregated from the
    messages in the published layout."""

    def measure(name: str) -> str:
        kind, rest = name.split("_", 1)
        channel = "email" if rest.endswith("_email") else "mobile_push"
        event = rest.removesuffix(f"_{channel}")
        value = "1" if kind == "count" else "distinct client_id"
        return f"count({value}) filter (where event = '{event}' and channel = '{channel}') as {name}"

    path = apparel_dir / "full_campaign_daily_event_channel.csv"
    messages = apparel_dir / "apparel-messages.csv"
    duckdb.sql(
        f"copy (select date, bulk_campaign_id, {', '.join(measure(n) for n in CHANNEL_COLUMNS)} "
        f"from read_csv('{messages}', all_varchar = true) group by all order by all) to '{path}' (header)"
    )
    return path
