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
