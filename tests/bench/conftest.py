"""Fixtures for the benchmark: a small data set with the optional campaign file, built by dbt once."""

import shutil
from pathlib import Path

import duckdb
import pytest

from scoring.features import build_features
from scoring.settings import Settings

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


@pytest.fixture(scope="session")
def apparel_with_daily_events(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The tiny generated apparel data plus the optional daily campaign aggregates."""
    target = tmp_path_factory.mktemp("bench_data") / "apparel"
    shutil.copytree(apparel_tiny, target, ignore=shutil.ignore_patterns("_truth"))
    write_daily_events(target)
    return target


@pytest.fixture(scope="session")
def mart_warehouse(apparel_with_daily_events: Path, tmp_path_factory) -> Path:
    """The feature store built by dbt (default cutoff and spine, every test) from that data."""
    work_dir = tmp_path_factory.mktemp("bench_build")
    warehouse = work_dir / "warehouse.duckdb"
    settings = Settings(data_dir=apparel_with_daily_events.parent, warehouse=warehouse)
    build_features(settings, target_path=work_dir / "target")
    return warehouse
