"""Point-in-time correctness: events after a cutoff never move a feature at that cutoff."""

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.dbt.conftest import MARTS, build, copy_task, query

pytestmark = pytest.mark.slow

FUTURE_EVENTS = [
    ("send", "email"),
    ("open", "email"),
    ("click", "mobile_push"),
    ("purchase", "email"),
    ("unsubscribe", "email"),
    ("hard_bounce", "mobile_push"),
]


def append_future_events(apparel_dir: Path, after: date) -> None:
    """Append purchases, message events and campaign-day rows dated 1 to 20 days after `after`."""
    purchases = pl.read_csv(apparel_dir / "apparel-purchases.csv", infer_schema=False)
    messages = pl.read_csv(apparel_dir / "apparel-messages.csv", infer_schema=False)
    known = messages.filter(pl.col("date") <= after.isoformat())
    clients = known["client_id"].unique().sort().head(5).to_list()
    campaigns = known["bulk_campaign_id"].unique().sort(descending=True).head(3).to_list()
    new_client = str(max(int(c) for c in purchases["client_id"]) + 1)

    new_purchases, new_messages = [], []
    for day in (1, 5, 20):
        when = datetime.combine(after + timedelta(days=day), datetime.min.time()) + timedelta(hours=12)
        uniqid = f"{int(when.timestamp()):08x}00000"
        for client in [*clients, new_client]:
            campaign = campaigns[day % len(campaigns)]
            message_id = f"{client}-{campaign}-{uniqid}"
            day_text, time_text = when.date().isoformat(), f"{when:%Y-%m-%d %H:%M:%S}"
            new_purchases.append([client, "2", "999.0", "['4', '28', '57', '431']", day_text, message_id])
            for event, channel in FUTURE_EVENTS:
                new_messages.append([campaign, client, message_id, event, channel, day_text, time_text])
    pl.concat([purchases, pl.DataFrame(new_purchases, schema=purchases.columns, orient="row")]).write_csv(
        apparel_dir / "apparel-purchases.csv"
    )
    pl.concat([messages, pl.DataFrame(new_messages, schema=messages.columns, orient="row")]).write_csv(
        apparel_dir / "apparel-messages.csv"
    )
    for file_name in ("full_campaign_daily_event.csv", "full_campaign_daily_event_channel.csv"):
        daily = pl.read_csv(apparel_dir / file_name, infer_schema=False)
        extra = (
            daily.filter(pl.col("bulk_campaign_id").is_in(campaigns))
            .head(3)
            .with_columns(
                pl.lit((after + timedelta(days=2)).isoformat()).alias("date"),
                *[pl.lit("1000").alias(c) for c in daily.columns if c.startswith("count_open")],
            )
        )
        pl.concat([daily, extra]).write_csv(apparel_dir / file_name)


def features_at(warehouse: Path, cutoffs: list[date]) -> pl.DataFrame:
    listed = ", ".join(f"'{c}'" for c in cutoffs)
    return query(
        warehouse,
        f"select * from {MARTS}.apparel_features where as_of_date in ({listed}) "
        "order by client_id, as_of_date",
    )


def test_events_appended_after_a_cutoff_change_no_feature_at_or_before_it(
    apparel_daily, daily_build, tmp_path
):
    """The shared build of the tiny data with both campaign-day files is the "before"; the same files with
    events appended after its newest past cutoff are built again at the same latest cutoff."""
    as_of = query(daily_build, f"select max(as_of_date) as d from {MARTS}.apparel_features").item()
    cutoff = as_of - timedelta(days=90)  # the newest past cutoff
    changed_task = copy_task(apparel_daily, tmp_path / "changed")
    assert (changed_task / "full_campaign_daily_event_channel.csv").is_file()
    append_future_events(changed_task, after=cutoff)

    before = daily_build
    after = build(tmp_path / "changed", tmp_path / "build_after", as_of=as_of.isoformat())

    past_cutoffs = query(
        before, f"select distinct as_of_date from {MARTS}.apparel_features where as_of_date <= '{cutoff}'"
    )["as_of_date"].to_list()
    assert len(past_cutoffs) == 4
    unchanged = features_at(before, past_cutoffs)
    assert unchanged.height > 0
    assert features_at(after, past_cutoffs).equals(unchanged)

    # the appended events do reach the latest cutoff, so the comparison above could have failed
    latest = [as_of]
    assert not features_at(after, latest).equals(features_at(before, latest))
    base_rates = query(
        before, f"select count(mean_campaign_base_open_rate_lifetime) as n from {MARTS}.apparel_features"
    ).item()
    assert base_rates > 0, "the optional campaign-day files were not used"
