"""Where the scoring job reads the marts from: the DuckDB warehouse (TARGET=duckdb), or the Parquet tables
a Spark build wrote (TARGET=spark or spark_<cluster>, read with Polars; see scoring/lake.py). Both readers
have the same functions (existing_relations, labelled_rows_per_client, read_task_frames, read_scoring_frame,
read_profit) over a location."""

from pathlib import Path
from types import ModuleType

from scoring import lake, warehouse
from scoring.settings import Settings


def mart_source(settings: Settings) -> tuple[ModuleType, Path]:
    """The reader module of the marts and the location to pass it."""
    if settings.on_spark:
        return lake, settings.spark_warehouse
    return warehouse, settings.warehouse
