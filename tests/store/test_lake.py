"""Parquet I/O for TARGET=spark, without Spark: marts laid out as Spark writes them load exactly like the
same marts in DuckDB, and a run's rows are exported one file per table with the warehouse's types."""

from dataclasses import replace
from datetime import datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring.run.train import load_task_data, tasks_with_marts
from scoring.store import lake
from scoring.store.aliases import record
from scoring.store.warehouse import connect, write_run
from tests.fake_run import fake_run
from tests.synthetic import make_settings, synthetic_marts, write_marts

NOW = datetime(2024, 1, 1)


def write_spark_layout(spark_warehouse, relation: str, frame: pl.DataFrame, parts: int = 2) -> None:
    """A table as Spark leaves it: several part files and a _SUCCESS marker in <schema>.db/<name>/."""
    folder = lake.relation_dir(spark_warehouse, relation)
    folder.mkdir(parents=True)
    size = -(-frame.height // parts)
    for index in range(parts):
        frame.slice(index * size, size).write_parquet(folder / f"part-{index:05d}-c000.snappy.parquet")
    (folder / "_SUCCESS").touch()


@pytest.fixture
def both_layouts(tmp_path, test_task):
    features, training = synthetic_marts(n_clients=300, seed=3)
    settings = make_settings(tmp_path)
    write_marts(settings.warehouse, features, training)
    spark = replace(settings, target="spark", spark_warehouse=tmp_path / "spark-warehouse")
    write_spark_layout(spark.spark_warehouse, test_task.feature_mart, features)
    write_spark_layout(spark.spark_warehouse, test_task.training_mart, training)
    return settings, spark


def test_spark_marts_load_exactly_like_the_duckdb_marts(both_layouts, test_task):
    duckdb_settings, spark_settings = both_layouts
    from_duckdb = load_task_data(duckdb_settings, test_task)
    from_parquet = load_task_data(spark_settings, test_task)
    assert from_parquet.fingerprint == from_duckdb.fingerprint
    assert from_parquet.as_of == from_duckdb.as_of
    assert_frame_equal(from_parquet.scoring.keys, from_duckdb.scoring.keys)
    assert_frame_equal(from_parquet.rows.features, from_duckdb.rows.features)


def test_spark_target_lists_the_tasks_whose_marts_spark_wrote(both_layouts, test_task):
    _, spark_settings = both_layouts
    assert test_task in tasks_with_marts(spark_settings)
    empty = replace(spark_settings, spark_warehouse=spark_settings.spark_warehouse.parent / "empty")
    assert test_task not in tasks_with_marts(empty)


def test_spark_targets_are_spark_and_the_outputs_named_spark_underscore(tmp_path):
    targets = {name: make_settings(tmp_path) for name in ("duckdb", "spark", "spark_cluster", "sparkling")}
    on_spark = {name: replace(settings, target=name).on_spark for name, settings in targets.items()}
    assert on_spark == {"duckdb": False, "spark": True, "spark_cluster": True, "sparkling": False}


def test_a_missing_spark_mart_says_to_build_on_spark(tmp_path):
    with pytest.raises(LookupError, match="TARGET=spark"):
        lake.read_scoring_frame(tmp_path, "main_marts.apparel_features", ("client_id", "as_of_date"), None)


def test_each_run_adds_one_file_per_table_typed_like_the_warehouse(tmp_path):
    warehouse, spark_warehouse = tmp_path / "w.duckdb", tmp_path / "spark-warehouse"
    for run_id in ("run-1", "run-2"):
        write_run(warehouse, fake_run(run_id, features=("a", "b")))
        folders = lake.export_run(warehouse, spark_warehouse, run_id)
    # the run has no segments (a task without them): no folder, so Spark never sees an empty table
    assert sorted(folders) == ["explanations", "feature_importance", "model_runs", "scores"]
    assert sorted(path.name for path in folders["scores"].iterdir()) == ["run-1.parquet", "run-2.parquet"]
    exported = pl.read_parquet(folders["model_runs"] / "*.parquet")
    with connect(warehouse, read_only=True) as con:
        stored = con.sql("select * from scoring.model_runs order by model_run_id").pl()
    assert_frame_equal(exported.sort("model_run_id"), stored)  # a null-only column keeps its type
    assert lake.scoring_tables(spark_warehouse) == {
        name: str(folder.resolve()) for name, folder in folders.items()
    }


def test_the_alias_log_is_exported_whole_once_it_has_rows(tmp_path):
    warehouse, spark_warehouse = tmp_path / "w.duckdb", tmp_path / "spark-warehouse"
    write_run(
        warehouse, fake_run("run-1"), then=lambda con: record(con, "t", "champion", "run-1", "first", NOW)
    )
    write_run(
        warehouse, fake_run("run-2"), then=lambda con: record(con, "t", "challenger", "run-2", "worse", NOW)
    )
    folders = lake.export_run(warehouse, spark_warehouse, "run-2")
    assert sorted(path.name for path in folders["model_aliases"].iterdir()) == ["history.parquet"]
    exported = pl.read_parquet(folders["model_aliases"] / "history.parquet")
    assert exported.sort("model_run_id")["alias"].to_list() == ["champion", "challenger"]
