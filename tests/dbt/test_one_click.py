"""The one-click feature store: staged, pivoted, flagged and joined as documented, on generated data and on
the real files, with values checked by hand against the raw rows. Both builds are the session's
(one_click_build, one_click_real_build in tests/conftest.py)."""

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from scoring.errors import FeatureBuildError
from tests.dbt.conftest import MARTS, assert_documented, build, query
from tests.warehouses import ONE_CLICK_AS_OF

pytestmark = pytest.mark.slow

MART_COLUMNS_FROM_MONEY = {
    "revenue_current_month": "текущий_месяц",
    "revenue_previous_month": "предыдущий_месяц",
    "revenue_two_months_ago": "препредыдущий_месяц",
}


def raw(path: Path, delimiter: str = ",") -> pl.DataFrame:
    """A raw file with every column as text, like the sources read it."""
    with duckdb.connect() as con:
        return con.sql(f"select * from read_csv('{path}', all_varchar = true, delim = '{delimiter}')").pl()


def number(text: str) -> float:
    return float(text.replace(",", "."))


def _hand_row(files: Path, client_id: int) -> dict:
    """The mart row of one client, computed from the raw rows by hand."""
    market = raw(files / "market_file.csv").filter(pl.col("id") == str(client_id)).row(0, named=True)
    money = raw(files / "market_money.csv").filter(pl.col("id") == str(client_id))
    minutes = raw(files / "market_time.csv").filter(pl.col("id") == str(client_id))
    profit = raw(files / "money.csv", ";").filter(pl.col("id") == str(client_id))["Прибыль"].item()
    revenue = {
        column: number(money.filter(pl.col("Период") == period)["Выручка"].item())
        for column, period in MART_COLUMNS_FROM_MONEY.items()
    }
    label = market["Покупательская активность"]
    return {
        **revenue,
        "minutes_current_month": int(minutes.filter(pl.col("Период") == "текущий_месяц")["минут"].item()),
        "minutes_previous_month": int(minutes.filter(pl.col("Период") == "предыдцщий_месяц")["минут"].item()),
        "avg_monthly_profit_3m": number(profit),
        "service_type": "стандарт" if market["Тип сервиса"] == "стандартт" else market["Тип сервиса"],
        "is_offers_allowed": market["Разрешить сообщать"] == "да",
        "avg_pages_per_visit_3m": int(market["Страниц_за_визит"]),
        "share_promo_purchases_6m": number(market["Акционные_покупки"]),
        "count_months_without_revenue_3m": sum(v == 0 for v in revenue.values()),
        "label": None if label is None else int(label == "Снизилась"),
    }


def _mart_row(warehouse: Path, client_id: int, columns) -> dict:
    row = query(
        warehouse,
        f"select {', '.join(columns)} from {MARTS}.one_click_training_set where client_id = {client_id}",
    ).row(0, named=True)
    return {k: float(v) if k in MART_COLUMNS_FROM_MONEY or k == "avg_monthly_profit_3m" else v
            for k, v in row.items()}  # fmt: skip


def test_training_set_has_one_row_per_client_of_market_file(one_click_build, one_click_tiny):
    clients = raw(one_click_tiny / "one_click" / "market_file.csv")["id"].cast(pl.Int64)
    mart = query(one_click_build, f"select client_id, as_of_date from {MARTS}.one_click_training_set")
    assert sorted(mart["client_id"]) == sorted(clients)
    assert mart["as_of_date"].unique().to_list() == [date.fromisoformat(ONE_CLICK_AS_OF)]


def test_every_one_click_model_and_column_is_documented(one_click_build):
    assert_documented(one_click_build, "one_click")


def test_only_the_one_click_task_is_built_when_only_its_files_are_there(one_click_build):
    tables = query(one_click_build, "select table_name from information_schema.tables")["table_name"]
    assert any(t.startswith("stg_one_click__") for t in tables)
    assert not any("apparel" in t for t in tables)


def test_mart_values_match_the_raw_rows_by_hand(one_click_build, one_click_tiny):
    files = one_click_tiny / "one_click"
    market = raw(files / "market_file.csv")
    typo = market.filter(pl.col("Тип сервиса") == "стандартт")["id"][0]
    unlabelled = market.filter(pl.col("Покупательская активность").is_null())["id"][0]
    for client_id in {int(market["id"][0]), int(typo), int(unlabelled), int(market["id"][-1])}:
        expected = _hand_row(files, client_id)
        assert _mart_row(one_click_build, client_id, expected) == pytest.approx(expected), client_id


def test_typos_are_fixed_and_period_names_all_mapped(one_click_build):
    services = query(one_click_build, "select distinct service_type from main_staging.stg_one_click__clients")
    assert set(services["service_type"]) == {"стандарт", "премиум"}
    for model, months in (("monthly_revenue", {0, 1, 2}), ("monthly_minutes", {0, 1})):
        found = query(one_click_build, f"select distinct months_ago from main_staging.stg_one_click__{model}")
        assert set(found["months_ago"]) == months


def test_zero_revenue_clients_and_the_outlier_are_flagged_not_dropped(one_click_build, one_click_tiny):
    money = raw(one_click_tiny / "one_click" / "market_money.csv").with_columns(
        pl.col("Выручка").cast(pl.Float64)
    )
    zero_ids = set(money.filter(pl.col("Выручка") == 0)["id"].cast(pl.Int64))
    top_id = int(money.sort("Выручка")["id"][-1])
    flagged = query(
        one_click_build,
        f"select client_id, count_months_without_revenue_3m, has_revenue_outlier_3m "
        f"from {MARTS}.one_click_features "
        "where count_months_without_revenue_3m > 0 or has_revenue_outlier_3m",
    )
    assert zero_ids, "the generator writes zero-revenue clients"
    assert set(flagged.filter(pl.col("count_months_without_revenue_3m") > 0)["client_id"]) == zero_ids
    assert flagged.filter("has_revenue_outlier_3m")["client_id"].to_list() == [top_id]


def test_a_money_file_saved_with_commas_fails_naming_the_file_and_the_separator(one_click_tiny, tmp_path):
    files = tmp_path / "one_click"
    files.mkdir()
    for path in (one_click_tiny / "one_click").iterdir():
        (files / path.name).write_bytes(path.read_bytes())
    money = files / "money.csv"
    money.write_text(money.read_text(encoding="utf-8").replace(";", ","), encoding="utf-8")
    with pytest.raises(
        FeatureBuildError, match=r"one_click/money\.csv, line 1: is separated by ',', not ';'"
    ):
        build(tmp_path, tmp_path / "build")


def test_a_file_missing_a_column_fails_naming_the_column(one_click_tiny, tmp_path):
    files = tmp_path / "one_click"
    files.mkdir()
    for path in (one_click_tiny / "one_click").iterdir():
        (files / path.name).write_bytes(path.read_bytes())
    raw(files / "market_time.csv").drop("минут").write_csv(files / "market_time.csv")
    expected = r"one_click/market_time\.csv, line 1: lacks the columns минут\. Fix: line 1 must be exactly"
    with pytest.raises(FeatureBuildError, match=expected):
        build(tmp_path, tmp_path / "build")


@pytest.mark.real_data
def test_real_files_build_only_this_task_with_1300_clients_1040_labelled(one_click_real_build):
    counts = query(
        one_click_real_build,
        f"select count(*) as n, count(label) as labelled, sum(label) as declined "
        f"from {MARTS}.one_click_training_set",
    ).row(0, named=True)
    assert counts == {"n": 1300, "labelled": 1040, "declined": 398}
    tables = query(one_click_real_build, "select table_name from information_schema.tables")["table_name"]
    assert not any("apparel" in t for t in tables)


@pytest.mark.real_data
def test_real_files_values_checked_by_hand(one_click_real_build, shared_data):
    # raw rows: market_money 215380 текущий 106862.2 / предыдущий 6077.0 / препредыдущий 5051.0;
    # money.csv "215348;0,98"; market_file 215350 has «стандартт»; 215348 had no revenue two months running
    rows = query(
        one_click_real_build,
        f"select * from {MARTS}.one_click_training_set where client_id in (215348, 215350, 215380) "
        "order by client_id",
    ).rows_by_key("client_id", named=True, unique=True)
    assert float(rows[215380]["revenue_current_month"]) == 106862.2
    assert float(rows[215380]["revenue_previous_month"]) == 6077.0
    assert float(rows[215380]["revenue_two_months_ago"]) == 5051.0
    assert rows[215380]["has_revenue_outlier_3m"] is True
    assert float(rows[215348]["avg_monthly_profit_3m"]) == 0.98
    assert rows[215348]["count_months_without_revenue_3m"] == 2
    assert float(rows[215348]["revenue_current_month"]) == 3293.1
    assert rows[215350]["service_type"] == "стандарт"
    assert rows[215350]["label"] == 1
    flagged = query(
        one_click_real_build,
        f"select client_id from {MARTS}.one_click_features "
        "where count_months_without_revenue_3m > 0 or has_revenue_outlier_3m order by client_id",
    )["client_id"].to_list()
    assert flagged == [215348, 215357, 215359, 215380]
