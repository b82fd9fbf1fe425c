"""Where the scoring job reads the marts from: the DuckDB warehouse (TARGET=duckdb), or the Parquet tables
a Spark build wrote (TARGET=spark or spark_<cluster>, read with Polars; see scoring/store/lake.py). Both
readers have the same functions (existing_relations, labelled_rows_per_client, read_task_frames,
read_scoring_frame, read_profit, read_client_columns, outcome_clients, last_date) over a location."""

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


def read_client_columns(
    settings: Settings, task: Task, as_of: date, columns: tuple[str, ...]
) -> pl.DataFrame:
    """client_id and `columns` of the task's feature mart at `as_of` (a campaign's values and exclusions)."""
    reader, location = mart_source(settings)
    key = task.columns.key
    return reader.read_client_columns(location, task.feature_mart, key, as_of, columns)


def outcome_clients(
    settings: Settings, relation: str, date_column: str, after: date, until: date
) -> pl.Series:
    """The clients with an outcome (a row of `relation`) dated in (after, until]."""
    reader, location = mart_source(settings)
    return reader.outcome_clients(location, relation, date_column, after, until)


def last_date(settings: Settings, relation: str, date_column: str) -> date | None:
    """How far an outcome relation reaches: its last date."""
    reader, location = mart_source(settings)
    return reader.last_date(location, relation, date_column)
