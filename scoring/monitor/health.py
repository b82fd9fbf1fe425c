"""The data health of every build, kept over time in scoring.data_health.

The dbt marts `<task>_source_health` (one per task with raw files: apparel_source_health,
one_click_source_health) measure each raw source at the build's cutoff: rows, freshness, rows per day over
the recent days against the median day before them, null and duplicate shares, and a status. After a build
or a refresh has run dbt, `record` appends those rows, with the time and a sentence each, to
scoring.data_health in the same copy of the warehouse that is then published; `problems` are the sentences of
the sources that are not ok, which the build prints as warnings (and, with FAIL_ON_HEALTH=1, their dbt test
has already failed the build).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

MART_SUFFIX = "_source_health"


def _health_marts(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = ? and schema_name = 'main_marts' and table_name like ? order by 1",
        [database, f"%{MART_SUFFIX}"],
    ).fetchall()
    return [row[0] for row in rows]


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def message(row: dict) -> str:
    """One sentence on a source: what is wrong (or that it is fine), with the numbers behind it."""
    name = row["raw_source"] + ("" if row["slice"] == "all" else f" ({row['slice']})")
    status = row["status"]
    if status == "empty":
        return f"{name}: no rows at all"
    if status == "stale":
        return (
            f"{name}: stale, its newest event is {row['newest_event_date']}, "
            f"{row['days_behind_cutoff']} days before the cutoff {row['as_of_date']}: check that the latest "
            "files were delivered"
        )
    if status == "collapsed":
        share = row["recent_ratio"] or 0.0
        return (
            f"{name}: collapsed, {_number(row['recent_rows_per_day'])} rows a day over the recent days up to "
            f"{row['as_of_date']}, {share:.0%} of the median day before them "
            f"({_number(row['trailing_median_rows_per_day'])}): check the export of this source"
        )
    parts = [f"{row['row_count']:,} rows"]
    if row["recent_ratio"] is not None:
        parts.append(f"recent days at {row['recent_ratio']:.0%} of the usual")
    if row["null_share"]:
        parts.append(f"{row['null_share']:.1%} nulls in {row['null_column']}")
    if row["duplicate_share"]:
        parts.append(f"{row['duplicate_share']:.1%} duplicated rows")
    return f"{name}: ok, " + ", ".join(parts)


def measured(con: duckdb.DuckDBPyConnection, database: str) -> pl.DataFrame:
    """The health marts' rows of the database (e.g. 'building'), with their message."""
    marts = _health_marts(con, database)
    if not marts:
        return pl.DataFrame()
    frame = con.sql(" union all by name ".join(f"select * from {database}.{mart}" for mart in marts)).pl()
    return frame.with_columns(message=pl.Series([message(row) for row in frame.iter_rows(named=True)]))


def record(
    con: duckdb.DuckDBPyConnection, database: str, build_kind: str, checked_at: datetime | None = None
) -> pl.DataFrame:
    """Append the health marts' rows to <database>.scoring.data_health (inside the caller's transaction, if
    any) and return them."""
    frame = measured(con, database)
    if frame.is_empty():
        return frame
    frame = frame.with_columns(checked_at=pl.lit(checked_at or datetime.now()), build_kind=pl.lit(build_kind))
    con.register("health_rows", frame.to_arrow())
    try:
        con.execute(f"insert into {database}.scoring.data_health by name select * from health_rows")
    finally:
        con.unregister("health_rows")
    return frame


def problems(frame: pl.DataFrame) -> list[str]:
    """The messages of the sources that are not ok."""
    if frame.is_empty():
        return []
    return frame.filter(pl.col("status") != "ok")["message"].to_list()
