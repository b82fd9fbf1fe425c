"""Where the scoring job reads the marts from: the DuckDB warehouse (TARGET=duckdb), or the Parquet tables
a Spark build wrote (TARGET=spark or spark_<cluster>, read with Polars; see scoring/store/lake.py). Both
readers have the same functions (existing_relations, labelled_rows_per_client, read_task_frames,
read_scoring_frame, read_profit) over a location."""

from datetime import date
from pathlib import Path
from types import ModuleType

import polars as pl

from scoring.settings import Settings
from scoring.store import lake, warehouse
from scoring.tasks import Task


def mart_source(settings: Settings) -> tuple[ModuleType, Path]:
    """The reader module of the marts and the location to pass it."""
    if settings.on_spark:
        return lake, settings.spark_warehouse
    return warehouse, settings.warehouse


def read_profit(settings: Settings, task: Task, as_of: date) -> pl.DataFrame:
    """The profit per client (client_id, profit) at the scoring date, for a task with segments."""
    reader, location = mart_source(settings)
    key = task.columns.key
    return reader.read_profit(location, task.feature_mart, key, as_of, task.segments.profit_column)
