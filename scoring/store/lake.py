"""Parquet I/O for a Spark build (TARGET=spark), and only that.

The handoff between Spark and the scoring job is Parquet in Spark's warehouse directory, which both sides
read without the other: Spark writes every mart as a Parquet table, SPARK_WAREHOUSE/<schema>.db/<mart>/
(part files), and the scoring job reads those files with Polars, never through a Spark session. Its outputs
go back the same way: each run's scoring.* rows, exported from the DuckDB warehouse (which keeps the run
history, the rescore inputs and the SQL views), become one Parquet file per table and run under
SPARK_WAREHOUSE/scoring.db/<table>/, which dbt then registers in Spark's catalog as tables over those
folders (macro register_scoring_tables), so `select * from scoring.scores` works in Spark too.
"""

from datetime import date
from pathlib import Path

import polars as pl

from scoring.errors import DataError
from scoring.store.warehouse import connect, training_date

# The scoring.* tables a run writes, in the order they are registered.
RUN_TABLES = ("model_runs", "scores", "explanations", "feature_importance", "segments", "offers")
# Tables of the whole history rather than of one run: exported whole, replacing their one file.
HISTORY_TABLES = ("model_aliases",)


def relation_dir(spark_warehouse: Path, relation: str) -> Path:
    """Where Spark keeps the Parquet files of a table `schema.name` of its warehouse."""
    schema, _, name = relation.rpartition(".")
    return Path(spark_warehouse) / f"{schema}.db" / name


def relation_files(spark_warehouse: Path, relation: str) -> list[Path]:
    """The Parquet files of a table (Spark's part files; its _SUCCESS marker is not one)."""
    folder = relation_dir(spark_warehouse, relation)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def schema_tables(spark_warehouse: Path, schema: str) -> dict[str, Path]:
    """The tables of one schema of the Spark warehouse that have data files, by name, with their folder."""
    folder = Path(spark_warehouse) / f"{schema}.db"
    if not folder.is_dir():
        return {}
    return {path.name: path for path in sorted(folder.iterdir()) if any(path.glob("*.parquet"))}


def existing_relations(spark_warehouse: Path, relations: list[str]) -> set[str]:
    """Those of `relations` (schema.name) that Spark has written."""
    return {relation for relation in relations if relation_files(spark_warehouse, relation)}


def _scan(spark_warehouse: Path, relation: str) -> pl.LazyFrame:
    files = relation_files(spark_warehouse, relation)
    if not files:
        raise LookupError(
            f"No Parquet files for {relation} under {relation_dir(spark_warehouse, relation)}: build the "
            "features on Spark first (make build-features TARGET=spark)"
        )
    return pl.scan_parquet(files)


def _scoring_date(features: pl.LazyFrame, date_column: str, as_of: date | None) -> date:
    return as_of if as_of is not None else features.select(pl.col(date_column).max()).collect().item()


def labelled_rows_per_client(
    spark_warehouse: Path, training_mart: str, label: str, id_column: str
) -> pl.DataFrame:
    """client_id and n_rows: each client's labelled rows in the training mart (what a cap samples from)."""
    return (
        _scan(spark_warehouse, training_mart)
        .filter(pl.col(label).is_not_null())
        .group_by(pl.col(id_column).alias("client_id"))
        .agg(n_rows=pl.len())
        .collect()
    )


def read_task_frames(
    spark_warehouse: Path,
    training_mart: str,
    feature_mart: str,
    label: str,
    key: tuple[str, str],
    as_of: date | None,
    clients: pl.Series | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, date]:
    """The labelled rows of the training mart (of `clients` only, when given) and the feature mart's rows
    at the scoring date, like scoring.store.warehouse.read_task_frames, from the Parquet tables of a Spark
    build."""
    id_column, date_column = key
    training = _scan(spark_warehouse, training_mart)
    features = _scan(spark_warehouse, feature_mart)
    as_of = training_date(feature_mart, as_of, _scoring_date(features, date_column, None))
    labelled = pl.col(label).is_not_null()
    if clients is not None:
        labelled = labelled & pl.col(id_column).is_in(clients.implode())
    training_rows = training.filter(labelled).sort(id_column, date_column).collect()
    scoring_rows = features.filter(pl.col(date_column) == as_of).sort(id_column).collect()
    if scoring_rows.is_empty():
        raise DataError(f"{feature_mart} has no rows at {date_column} = {as_of}: choose an AS_OF it has")
    return training_rows, scoring_rows, as_of


def read_scoring_frame(
    spark_warehouse: Path, feature_mart: str, key: tuple[str, str], as_of: date | None
) -> tuple[pl.DataFrame, date]:
    """The feature mart's rows at the scoring date (default: its latest date), and that date."""
    id_column, date_column = key
    features = _scan(spark_warehouse, feature_mart)
    as_of = _scoring_date(features, date_column, as_of)
    return features.filter(pl.col(date_column) == as_of).sort(id_column).collect(), as_of


def read_profit(
    spark_warehouse: Path, feature_mart: str, key: tuple[str, str], as_of: date, column: str
) -> pl.DataFrame:
    """client_id and profit (as float) of the feature mart's rows at the scoring date."""
    id_column, date_column = key
    return (
        _scan(spark_warehouse, feature_mart)
        .filter(pl.col(date_column) == as_of)
        .select(pl.col(id_column).alias("client_id"), pl.col(column).cast(pl.Float64).alias("profit"))
        .sort("client_id")
        .collect()
    )


def read_client_columns(
    spark_warehouse: Path, feature_mart: str, key: tuple[str, str], as_of: date, columns: tuple[str, ...]
) -> pl.DataFrame:
    """client_id and `columns` of the feature mart's rows at `as_of`."""
    id_column, date_column = key
    features = _scan(spark_warehouse, feature_mart)
    missing = [c for c in columns if c not in features.collect_schema().names()]
    if missing:
        raise DataError(
            f"{feature_mart} has no column {', '.join(missing)}: rebuild the marts (make build-features)"
        )
    return (
        features.filter(pl.col(date_column) == as_of)
        .select(pl.col(id_column).alias("client_id"), *columns)
        .sort("client_id")
        .collect()
    )


def outcome_clients(
    spark_warehouse: Path, relation: str, date_column: str, after: date, until: date
) -> pl.Series:
    """The distinct client_id with a row of `relation` dated in (after, until], sorted."""
    window = (pl.col(date_column) > after) & (pl.col(date_column) <= until)
    rows = _scan(spark_warehouse, relation).filter(window).select("client_id").unique()
    return rows.sort("client_id").collect()["client_id"]


def last_date(spark_warehouse: Path, relation: str, date_column: str) -> date | None:
    """The last `date_column` of `relation` (None when empty)."""
    return _scan(spark_warehouse, relation).select(pl.col(date_column).max()).collect().item()


def export_run(warehouse: Path, spark_warehouse: Path, model_run_id: str) -> dict[str, Path]:
    """Write one run's rows of every scoring.* table as Parquet for Spark: {table: its folder}.

    The rows come from the DuckDB tables the run was just written to, so the files have exactly their
    column types. Tables the run has no rows in (segments of a task without them) get no file. The alias
    log (HISTORY_TABLES) is written whole, so Spark's latest_scores follows the champion too.
    """
    folders = {}
    with connect(warehouse, read_only=True) as con:
        tables = con.sql("select table_name from duckdb_tables() where schema_name = 'scoring'")
        present = {row[0] for row in tables.fetchall()}
        for table in RUN_TABLES:
            if table not in present:
                continue
            rows = con.sql(f"select * from scoring.{table} where model_run_id = ?", params=[model_run_id])
            frame = rows.pl()
            if frame.is_empty():
                continue
            folder = relation_dir(spark_warehouse, f"scoring.{table}")
            folder.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(folder / f"{model_run_id}.parquet")
            folders[table] = folder
    return {**folders, **export_history(warehouse, spark_warehouse)}


def export_history(warehouse: Path, spark_warehouse: Path) -> dict[str, Path]:
    """Write the whole-history tables (the alias log) as one Parquet file each, replacing the last one."""
    folders = {}
    with connect(warehouse, read_only=True) as con:
        tables = con.sql("select table_name from duckdb_tables() where schema_name = 'scoring'")
        present = {row[0] for row in tables.fetchall()}
        for table in HISTORY_TABLES:
            frame = con.sql(f"select * from scoring.{table}").pl() if table in present else pl.DataFrame()
            if frame.is_empty():  # Spark never sees an empty table
                continue
            folder = relation_dir(spark_warehouse, f"scoring.{table}")
            folder.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(folder / "history.parquet")
            folders[table] = folder
    return folders


def scoring_tables(spark_warehouse: Path) -> dict[str, str]:
    """The scoring.* tables with files in the Spark warehouse: {table: absolute folder}, for registration."""
    return {name: str(path.resolve()) for name, path in schema_tables(spark_warehouse, "scoring").items()}
