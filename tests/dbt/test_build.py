"""The feature store builds on generated data: keys, spine, types, docs and hand-checked values.

They read the session's tiny_build, the one dbt build of the fast loop (make test-fast): not `slow`."""

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.dbt.conftest import MARTS, assert_documented, query

FEATURE_MARTS = [
    "apparel_features_purchases",
    "apparel_features_message_engagement",
    "apparel_features_subscriptions",
    "apparel_features_campaigns",
    "apparel_features_categories",
    "apparel_features",
    "apparel_training_set",
]


def raw(apparel_dir: Path, name: str) -> pl.DataFrame:
    """A raw CSV with every column as text, like the sources read it."""
    with duckdb.connect() as con:
        return con.sql(f"select * from read_csv('{apparel_dir / name}', all_varchar = true)").pl()


@pytest.mark.parametrize("mart", FEATURE_MARTS)
def test_feature_marts_have_one_row_per_client_and_cutoff(tiny_build, mart):
    keys = query(tiny_build, f"select client_id, as_of_date from {MARTS}.{mart}")
    assert keys.height > 0
    assert keys.null_count().sum_horizontal().item() == 0
    assert keys.n_unique() == keys.height


def test_spine_has_the_latest_cutoff_and_four_past_ones_90_days_apart(tiny_build):
    cutoffs = query(
        tiny_build,
        "select as_of_date, cutoff_index from main_intermediate.int_apparel__cutoff_dates "
        "order by cutoff_index",
    )
    dates = cutoffs["as_of_date"].to_list()
    assert cutoffs["cutoff_index"].to_list() == [0, 1, 2, 3, 4]
    assert [dates[0] - d for d in dates[1:]] == [timedelta(days=90 * k) for k in range(1, 5)]


def test_latest_cutoff_is_the_last_purchase_day(tiny_build, apparel_tiny):
    purchases = raw(apparel_tiny, "apparel-purchases.csv")
    last_day = date.fromisoformat(purchases["date"].max())
    latest = query(tiny_build, f"select max(as_of_date) as d from {MARTS}.apparel_training_set").item()
    assert latest == last_day


def test_spine_holds_exactly_the_clients_seen_on_or_before_each_cutoff(tiny_build, apparel_tiny):
    purchases = raw(apparel_tiny, "apparel-purchases.csv").select("client_id", "date")
    messages = raw(apparel_tiny, "apparel-messages.csv").select("client_id", "date")
    first_seen = (
        pl.concat([purchases, messages])
        .with_columns(pl.col("client_id").cast(pl.Int64), pl.col("date").str.to_date())
        .group_by("client_id")
        .agg(pl.col("date").min().alias("first_seen"))
    )
    spine = query(tiny_build, f"select client_id, as_of_date from {MARTS}.apparel_training_set")
    for cutoff in spine["as_of_date"].unique():
        expected = set(first_seen.filter(pl.col("first_seen") <= cutoff)["client_id"])
        actual = set(spine.filter(pl.col("as_of_date") == cutoff)["client_id"])
        assert actual == expected, cutoff


def test_client_id_is_a_bigint_everywhere(tiny_build):
    types = query(
        tiny_build,
        "select table_name, data_type from information_schema.columns where column_name = 'client_id'",
    )
    assert types.height >= 10
    assert set(types["data_type"]) == {"BIGINT"}


def test_provided_labels_join_at_the_latest_cutoff_and_derived_labels_before(tiny_build, apparel_tiny):
    target = raw(apparel_tiny, "apparel-target_binary.csv")
    labels = query(
        tiny_build,
        f"""
        select t.label_source, t.is_latest_cutoff, count(*) as n, sum(t.label) as positives
        from {MARTS}.apparel_training_set as t
        where t.label is not null
        group by all
        """,
    )
    provided = labels.filter(pl.col("label_source") == "provided")
    assert provided["is_latest_cutoff"].to_list() == [True]
    assert provided["n"].item() == target.height
    assert provided["positives"].item() == target["target"].cast(pl.Int64).sum()
    derived = labels.filter(pl.col("label_source") == "derived")
    assert derived["is_latest_cutoff"].to_list() == [False]


def _hand_features(apparel_dir: Path, client_id: int, cutoff: date) -> dict:
    """A few features of one client computed in Python from the raw rows, independently of the SQL."""
    purchases = (
        raw(apparel_dir, "apparel-purchases.csv")
        .unique()
        .with_columns(
            pl.col("client_id").cast(pl.Int64),
            pl.col("date").str.to_date(),
            pl.col("price").cast(pl.Float64),
            pl.col("quantity").cast(pl.Int64),
        )
        .filter((pl.col("client_id") == client_id) & (pl.col("date") <= cutoff))
    )
    messages = (
        raw(apparel_dir, "apparel-messages.csv")
        .unique()
        .with_columns(pl.col("client_id").cast(pl.Int64), pl.col("date").str.to_date())
        .filter((pl.col("client_id") == client_id) & (pl.col("date") <= cutoff))
    )
    in_30d = pl.col("date") > cutoff - timedelta(days=30)
    in_90d = pl.col("date") > cutoff - timedelta(days=90)
    clicks = messages.filter(pl.col("event") == "click")
    return {
        "days_since_last_purchase": (cutoff - purchases["date"].max()).days if purchases.height else None,
        "count_purchase_days_lifetime": purchases["date"].n_unique(),
        "count_orders_lifetime": purchases.select("date", "message_id").n_unique(),
        "count_items_90d": purchases.filter(in_90d)["quantity"].sum(),
        "sum_revenue_lifetime": (purchases["price"] * purchases["quantity"]).sum(),
        "count_open_email_30d": messages.filter(
            in_30d & (pl.col("event") == "open") & (pl.col("channel") == "email")
        ).height,
        "count_send_lifetime": messages.filter(pl.col("event") == "send").height,
        "days_since_last_click": (cutoff - clicks["date"].max()).days if clicks.height else None,
    }


def test_features_match_values_computed_by_hand_from_the_raw_rows(tiny_build, apparel_tiny):
    columns = [
        "days_since_last_purchase",
        "count_purchase_days_lifetime",
        "count_orders_lifetime",
        "count_items_90d",
        "sum_revenue_lifetime",
        "count_open_email_30d",
        "count_send_lifetime",
        "days_since_last_click",
    ]
    # the clients with the most purchase days and some email opens, at the latest and a past cutoff
    candidates = query(
        tiny_build,
        f"""
        select client_id, as_of_date
        from {MARTS}.apparel_features
        where count_open_email_30d > 0 and count_purchase_days_lifetime > 1
        order by count_purchase_days_lifetime desc, client_id
        limit 4
        """,
    )
    assert candidates.height >= 2
    for client_id, cutoff in candidates.iter_rows():
        expected = _hand_features(apparel_tiny, client_id, cutoff)
        actual = query(
            tiny_build,
            f"select {', '.join(columns)} from {MARTS}.apparel_features "
            f"where client_id = {client_id} and as_of_date = '{cutoff}'",
        ).row(0, named=True)
        assert actual == pytest.approx(expected), (client_id, cutoff)


def test_every_model_and_column_is_documented(tiny_build):
    assert_documented(tiny_build, "apparel")


def test_scoring_tables_are_declared_as_sources_and_the_job_as_an_exposure(tiny_build):
    manifest = json.loads((tiny_build.parent / "target" / "manifest.json").read_text())
    sources = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "scoring"}
    assert sources == {
        "scores", "explanations", "model_runs", "feature_importance", "latest_scores", "segments",
        "latest_segments", "model_aliases", "offers", "latest_offers", "campaigns", "campaign_members",
        "campaign_results", "campaign_uplift_at_k", "feature_profiles", "drift", "realised_performance",
        "data_health",
    }  # fmt: skip
    exposure = manifest["exposures"]["exposure.feature_store.scoring_score"]
    assert "model.feature_store.apparel_training_set" in exposure["depends_on"]["nodes"]


def test_warehouse_opens_with_the_duckdb_cli(tiny_build):
    cli = shutil.which("duckdb") or str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "duckdb")
    if not Path(cli).exists():
        pytest.skip("the duckdb CLI (pip package duckdb-cli) is not installed")
    result = subprocess.run(
        [cli, "-readonly", "-csv", str(tiny_build), f"select count(*) from {MARTS}.apparel_training_set"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(result.stdout.splitlines()[-1]) > 0
