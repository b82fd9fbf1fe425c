"""`scoring refresh` (issue 7): new days applied to a built warehouse give the marts a full rebuild gives.

The tiny generated data is split as daily deliveries would be: the history up to D - 2 is built in full as
of D - 2; day D - 1 and then day D arrive as folders of their own and are refreshed one after the other (so
the second refresh carries the first one's rows); a full build of the same files as of D is the reference.
Every apparel mart is compared at D, every row and every column, exactly: the carried windows are sums of
integers and decimals, so a refresh and a rebuild compute every float from the same two numbers.
"""

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.build.refresh import NothingToRefresh, refresh_features
from scoring.errors import FeatureBuildError, InputCheckFailed
from scoring.generate.days import add_day, last_message_day, split_by_day
from scoring.settings import Settings
from tests.daily_events import write_daily_events
from tests.dbt.conftest import APPAREL_MARTS, MARTS, build, query
from tests.warehouses import at_scratch

pytestmark = pytest.mark.slow  # two builds and two refreshes of its own (module fixture `days`)

KEYS = ["client_id", "as_of_date"]


def mart(warehouse: Path, name: str, where: str) -> pl.DataFrame:
    return query(warehouse, f"select * from {MARTS}.{name} where {where}").sort(KEYS)


def refresh(data_dir: Path, warehouse: Path, **settings):
    """`scoring refresh` of `warehouse`, run at the test process's scratch path (at_scratch): dbt reuses the
    parse of the builds before it, and its artifacts stay out of the repo's dbt_project/target."""
    with at_scratch(warehouse) as (there, target):
        return refresh_features(Settings(data_dir=data_dir, warehouse=there, **settings), target_path=target)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def days(apparel_tiny: Path, tmp_path_factory) -> SimpleNamespace:
    """The history built as of D - 2, then D - 1 and D refreshed in turn; and the full build as of D."""
    work = tmp_path_factory.mktemp("refresh")
    source = work / "source"
    shutil.copytree(apparel_tiny, source, ignore=shutil.ignore_patterns("_truth"))
    write_daily_events(source)  # the optional campaign file too: its base-wide rates are carried as well
    day = last_message_day(source)
    apparel = split_by_day(source, work / "data", day - timedelta(days=2), [])
    refreshed = build(work / "data", work / "refreshed", as_of=day - timedelta(days=2))
    before = {name: mart(refreshed, name, "true") for name in APPAREL_MARTS}
    results = []
    for new_day in (day - timedelta(days=1), day):
        add_day(source, apparel, new_day)
        results.append(refresh(work / "data", refreshed))
    rebuilt = build(work / "data", work / "rebuilt", as_of=day)
    return SimpleNamespace(
        day=day, source=source, data=work / "data", refreshed=refreshed, rebuilt=rebuilt, before=before,
        results=results,
    )  # fmt: skip


def test_each_refresh_moves_the_latest_cutoff_to_its_new_day(days):
    assert [(r.replaced_cutoff, r.latest_cutoff) for r in days.results] == [
        (days.day - timedelta(days=2), days.day - timedelta(days=1)),
        (days.day - timedelta(days=1), days.day),
    ]
    latest = query(days.refreshed, f"select max(as_of_date) as d from {MARTS}.apparel_features")["d"][0]
    assert latest == days.day


@pytest.mark.parametrize("name", APPAREL_MARTS)
def test_refreshed_mart_equals_a_full_rebuild_at_the_new_day_row_by_row_and_column_by_column(days, name):
    where = f"as_of_date = date '{days.day}'"
    expected = mart(days.rebuilt, name, where)
    actual = mart(days.refreshed, name, where)
    assert expected.height > 100
    assert dict(actual.schema) == dict(expected.schema)
    assert_frame_equal(actual, expected, check_exact=True)


@pytest.mark.parametrize("name", APPAREL_MARTS)
def test_refresh_keeps_the_past_cutoffs_of_the_training_spine_as_the_full_build_made_them(days, name):
    """Only the latest cutoff moves; the past cutoffs (relative to the full build's date) stay."""
    past = f"as_of_date < date '{days.day - timedelta(days=2)}'"
    before = days.before[name].filter(pl.col("as_of_date") < days.day - timedelta(days=2))
    assert before.height > 0
    assert_frame_equal(mart(days.refreshed, name, past), before, check_exact=True)
    assert mart(days.refreshed, name, f"as_of_date > date '{days.day - timedelta(days=90)}'")[
        "as_of_date"
    ].unique().to_list() == [days.day]


def test_with_no_new_day_there_is_nothing_to_refresh(days):
    with pytest.raises(NothingToRefresh, match="up to date"):
        refresh(days.data, days.refreshed)


@pytest.fixture
def next_day(days, tmp_path) -> SimpleNamespace:
    """A copy of the refreshed warehouse and its data, with the last day delivered again as D + 1."""
    data = tmp_path / "data"
    shutil.copytree(days.data, data)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(days.refreshed, warehouse)
    folder = data / "apparel" / "days" / (days.day + timedelta(days=1)).isoformat()
    shutil.copytree(data / "apparel" / "days" / days.day.isoformat(), folder)
    for path in folder.iterdir():  # the same rows, dated the next day
        path.write_text(path.read_text().replace(days.day.isoformat(), folder.name))
    return SimpleNamespace(data=data, warehouse=warehouse, folder=folder)


def test_a_new_day_with_late_rows_is_refused_and_the_warehouse_is_unchanged(days, next_day):
    messages = next_day.folder / "apparel-messages.csv"
    lines = messages.read_text().splitlines()
    lines[1] = lines[1].replace(next_day.folder.name, days.day.isoformat())  # one row of the day before
    messages.write_text("\n".join(lines) + "\n")
    unchanged = file_hash(next_day.warehouse)
    with pytest.raises(InputCheckFailed, match=r"apparel-messages\.csv.*dated on another day") as error:
        refresh(next_day.data, next_day.warehouse)
    assert "Nothing was refreshed" in str(error.value)
    assert file_hash(next_day.warehouse) == unchanged


def test_a_new_day_that_breaks_the_input_checks_is_refused_and_the_warehouse_is_unchanged(next_day):
    purchases = next_day.folder / "apparel-purchases.csv"
    lines = purchases.read_text().splitlines()
    fields = lines[1].split(",")
    fields[0] = "1.515915625468e+18"  # a client id that went through a float
    lines[1] = ",".join(fields)
    purchases.write_text("\n".join(lines) + "\n")
    unchanged = file_hash(next_day.warehouse)
    with pytest.raises(InputCheckFailed, match=r"apparel-purchases\.csv, line 2, column client_id"):
        refresh(next_day.data, next_day.warehouse)
    assert file_hash(next_day.warehouse) == unchanged


def test_refresh_on_spark_says_to_run_the_full_build(days):
    with pytest.raises(FeatureBuildError, match=r"DuckDB only.*make build-features TARGET=spark"):
        refresh(days.data, days.refreshed, target="spark")


def row_groups(warehouse: Path) -> dict[str, int]:
    """Row groups per table with rows per cutoff (those a refresh deletes from)."""
    tables = query(
        warehouse,
        "select schema_name || '.' || table_name as name from duckdb_tables() "
        "where table_name like 'apparel_features_%' or table_name like '%_at_cutoff%' "
        "or table_name = 'apparel_labels'",
    )["name"]
    return {
        table: query(
            warehouse, f"select count(distinct row_group_id) as n from pragma_storage_info('{table}')"
        )["n"][0]
        for table in tables
    }


def test_daily_refreshes_reuse_the_row_groups_they_delete_so_the_file_does_not_grow(next_day):
    """The rows the previous refresh appended are deleted whole, and their row groups dropped: a third
    refresh ends with the row groups it found, so daily refreshes do not grow the file. (A refresh also keeps
    the row groups its deletes thin out instead of vacuuming them, macros/latest_cutoff.sql; tables this
    small have one row group each, which no vacuum would merge: the benchmark at scale 1 shows that part.)"""
    before = row_groups(next_day.warehouse)
    assert len(before) >= 7 and min(before.values()) >= 2  # the build's row groups and the last refresh's
    refresh(next_day.data, next_day.warehouse)
    assert row_groups(next_day.warehouse) == before
