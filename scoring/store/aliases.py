"""The model aliases (scoring.model_aliases) and the evidence a promotion gate reads: DuckDB I/O only.

Every function takes an open connection, so the same reads and writes serve a run's transaction (a train
run's gate is decided in the transaction that writes the run) and a promotion of its own. The alias table is
a log: the current champion of a task is its latest `champion` row.
"""

import json
from datetime import datetime

import duckdb
import polars as pl

CHAMPION, CHALLENGER = "champion", "challenger"
# The gate's inputs written by the monitoring (issue 16): read when they exist, else empty.
EVIDENCE_TABLES = ("realised_performance", "drift")


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether scoring.<table> exists in the connection's current database."""
    query = (
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'scoring' and table_name = ?"
    )
    return bool(con.execute(query, [table]).fetchall()[0][0])


def champion(con: duckdb.DuckDBPyConnection, task: str) -> str | None:
    """The model_run_id of the task's champion, or None when it has none yet."""
    if not has_table(con, "model_aliases"):
        return None
    rows = con.execute(
        "select arg_max(model_run_id, set_at) from scoring.model_aliases where task = ? and alias = ?",
        [task, CHAMPION],
    ).fetchall()
    return rows[0][0] if rows else None


def history(con: duckdb.DuckDBPyConnection, task: str | None = None) -> pl.DataFrame:
    """The alias rows (of one task, or all), oldest first."""
    if not has_table(con, "model_aliases"):
        return pl.DataFrame(schema={"task": pl.String, "alias": pl.String, "model_run_id": pl.String,
                                    "set_at": pl.Datetime, "reason": pl.String})  # fmt: skip
    where, params = ("where task = ?", [task]) if task else ("", [])
    return con.sql(
        f"select * from scoring.model_aliases {where} order by set_at, model_run_id", params=params
    ).pl()


def model_run(con: duckdb.DuckDBPyConnection, model_run_id: str) -> dict | None:
    """The scoring.model_runs row of a run (metrics parsed), or None."""
    if not has_table(con, "model_runs"):
        return None
    frame = con.sql("select * from scoring.model_runs where model_run_id = ?", params=[model_run_id]).pl()
    if frame.is_empty():
        return None
    row = frame.row(0, named=True)
    return {**row, "metrics": json.loads(row["metrics"])}


def evidence(con: duckdb.DuckDBPyConnection, table: str, model_run_id: str) -> pl.DataFrame:
    """A run's rows of scoring.<table> (realised_performance or drift); empty when the table is absent."""
    if table not in EVIDENCE_TABLES:
        raise ValueError(f"{table} is not a gate input: {EVIDENCE_TABLES}")
    if not has_table(con, table):
        return pl.DataFrame()
    return con.sql(f"select * from scoring.{table} where model_run_id = ?", params=[model_run_id]).pl()


def record(
    con: duckdb.DuckDBPyConnection, task: str, alias: str, model_run_id: str, reason: str, set_at: datetime
) -> None:
    """Append one alias row."""
    con.execute(
        "insert into scoring.model_aliases (task, alias, model_run_id, set_at, reason) "
        "values (?, ?, ?, ?, ?)",
        [task, alias, model_run_id, set_at, reason],
    )
