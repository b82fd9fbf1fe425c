"""The runner finds each task's files in any accepted format and hands them to dbt."""

import gzip
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from scoring.build.dbt import dbt_vars
from scoring.build.raw_files import discover_data_sets, find_raw_file
from scoring.errors import FeatureBuildError
from tests.dbt.conftest import MARTS, build, copy_task, query

REQUIRED = ("apparel-purchases", "apparel-messages", "apparel-target_binary")


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("x\n")


def test_parquet_is_preferred_over_csv_gz_over_csv(tmp_path):
    touch(tmp_path, "apparel-messages.csv", "apparel-messages.csv.gz", "apparel-messages.parquet")
    assert find_raw_file(tmp_path, "apparel-messages").format == "parquet"
    (tmp_path / "apparel-messages.parquet").unlink()
    assert find_raw_file(tmp_path, "apparel-messages").format == "csv.gz"


def test_tasks_without_files_are_skipped_and_optional_files_are_picked_up(tmp_path):
    touch(tmp_path / "apparel", *(f"{stem}.csv" for stem in REQUIRED), "full_campaign_daily_event.csv")
    touch(tmp_path / "not_a_task", "market_file.csv")
    tasks = discover_data_sets(tmp_path)
    assert list(tasks) == ["apparel"]
    assert set(tasks["apparel"]) == {*REQUIRED, "full_campaign_daily_event"}


def test_a_missing_required_file_is_named_in_the_error(tmp_path):
    touch(tmp_path / "apparel", "apparel-purchases.csv", "apparel-target_binary.csv")
    with pytest.raises(FeatureBuildError, match="missing apparel-messages"):
        discover_data_sets(tmp_path)


def test_a_partial_one_click_folder_names_its_missing_files(tmp_path):
    touch(tmp_path / "one_click", "market_file.csv", "money.csv")
    with pytest.raises(FeatureBuildError, match="missing market_money, market_time"):
        discover_data_sets(tmp_path)


def test_dbt_vars_carry_absolute_paths_formats_and_the_cutoff(tmp_path):
    touch(tmp_path / "apparel", *(f"{stem}.csv" for stem in REQUIRED))
    variables = dbt_vars(discover_data_sets(tmp_path), "2023-11-18")
    purchases = variables["raw_files"]["apparel"]["apparel-purchases"]
    assert Path(purchases["path"]).is_absolute()
    assert purchases["format"] == "csv"
    assert variables["as_of_date"] == "2023-11-18"


def test_a_bad_cutoff_is_rejected_before_dbt_runs(tmp_path):
    touch(tmp_path / "apparel", *(f"{stem}.csv" for stem in REQUIRED))
    with pytest.raises(ValueError):
        dbt_vars(discover_data_sets(tmp_path), "18/11/2023")


@pytest.mark.slow
def test_parquet_and_gzipped_csv_build_the_same_marts_as_csv(apparel_tiny, tiny_build, tmp_path):
    task = copy_task(apparel_tiny, tmp_path / "data")
    messages = task / "apparel-messages.csv"
    pl.read_csv(messages, infer_schema=False).write_parquet(task / "apparel-messages.parquet")
    messages.unlink()
    purchases = task / "apparel-purchases.csv"
    with purchases.open("rb") as plain, gzip.open(task / "apparel-purchases.csv.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    purchases.unlink()

    warehouse = build(tmp_path / "data", tmp_path / "build")
    sql = f"select * from {MARTS}.apparel_training_set order by client_id, as_of_date"
    assert query(warehouse, sql).equals(query(tiny_build, sql))


def test_duckdb_memory_limit_follows_the_raw_files_between_a_floor_and_a_ceiling(tmp_path):
    from scoring.build.dbt import MEMORY_CEILING_SHARE, MEMORY_FLOOR_MB, memory_limit
    from scoring.build.raw_files import RawFile

    def limit_for(size: int) -> int:
        path = tmp_path / f"raw_{size}.csv"
        with path.open("wb") as f:
            f.truncate(size)  # sparse: no bytes written
        return int(memory_limit({"apparel": {"m": RawFile("m", path, "csv")}}).removesuffix("MB"))

    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert limit_for(10**6) == MEMORY_FLOOR_MB
    base, day = tmp_path / "base.csv", tmp_path / "day.csv"
    with base.open("wb") as f:
        f.truncate(2 * 2**30)
    day.write_bytes(b"x" * 10**7)
    with_day = {"apparel": {"m": RawFile("m", base, "csv", days=(RawFile("m", day, "csv"),))}}
    assert memory_limit(with_day) == memory_limit({"apparel": {"m": RawFile("m", base, "csv")}})
    assert limit_for(4 * 2**30) == int(0.85 * 4 * 2**10)
    assert limit_for(int(total_mb * 2**20)) == int(MEMORY_CEILING_SHARE * total_mb)
