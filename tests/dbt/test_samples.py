"""The real first rows of every apparel file (and the full real target) load and build."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.dbt.conftest import build, query

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def samples_build(shared_data: Path, tmp_path_factory) -> Path:
    samples = shared_data / "apparel" / "samples"
    data_dir = tmp_path_factory.mktemp("samples")
    apparel = data_dir / "apparel"
    apparel.mkdir()
    for path in samples.glob("*.csv"):
        shutil.copy(path, apparel / path.name.replace(".head", ""))
    return build(data_dir, data_dir / "build")


def test_samples_build_and_keep_one_line_per_distinct_purchase_row(samples_build, shared_data):
    raw = pl.read_csv(shared_data / "apparel/samples/apparel-purchases.head.csv", infer_schema=False)
    staged = query(samples_build, "select * from main_staging.stg_apparel__purchases")
    assert staged.height == raw.unique().height
    assert staged["source_row_count"].sum() == raw.height
    assert staged.schema["client_id"] == pl.Int64


def test_samples_category_ids_parse_into_integer_lists(samples_build):
    staged = query(
        samples_build,
        "select category_ids, top_category_id, leaf_category_id from main_staging.stg_apparel__purchases "
        "where message_id = '1515915625468169594-4301-627b661e9736d'",
    )
    assert staged["category_ids"].to_list() == [[4, 28, 57, 431]] * staged.height
    assert set(staged["top_category_id"]) == {4}
    assert set(staged["leaf_category_id"]) == {431}


def test_samples_message_id_decodes_campaign_and_send_time(samples_build):
    row = query(
        samples_build,
        "select bulk_campaign_id, message_sent_at, is_other_client_message "
        "from main_staging.stg_apparel__purchases "
        "where message_id = '1515915625468169594-4301-627b661e9736d' limit 1",
    ).row(0, named=True)
    assert row["bulk_campaign_id"] == 4301
    assert str(row["message_sent_at"]).startswith("2022-05-11")  # 0x627b661e seconds since 1970
    assert row["is_other_client_message"] is False


def test_samples_provided_target_loads_completely(samples_build, shared_data):
    target = query(samples_build, "select * from main_staging.stg_apparel__targets")
    assert target.height == 49_849
    assert target["has_purchase_in_target_window"].sum() == 961


def test_samples_optional_campaign_day_files_load(samples_build):
    rows = query(samples_build, "select count(*) as n from main_staging.stg_apparel__campaign_daily_events")
    assert rows.item() == 50
