"""DuckDB I/O for segments, and only that: read the profit beside the scores, write scoring.segments."""

from datetime import date
from pathlib import Path

import polars as pl

from scoring.warehouse import connect

SEGMENTS_SQL = """
create schema if not exists scoring;
create table if not exists scoring.segments (
    task varchar not null,
    model_run_id varchar not null,
    client_id bigint not null,
    probability double not null,          -- calibrated probability of the outcome (activity declines)
    profit double not null,               -- the profit measure the segments use
    segment varchar not null,             -- "high risk, high profit" ... "low risk, low profit"
    offer varchar not null,               -- the segment's action, from its members' risk drivers (SHAP)
    reason varchar not null,              -- the client's strongest risk-raising feature, in words
    primary key (model_run_id, client_id)
);
create or replace view scoring.latest_segments as
with latest_runs as (
    -- the latest run that wrote segments (a rescore of a model without a threshold writes none)
    select task, arg_max(model_run_id, created_at) as model_run_id
    from scoring.model_runs
    where status = 'succeeded' and model_run_id in (select model_run_id from scoring.segments)
    group by task
)
select segments.*
from scoring.segments as segments
inner join latest_runs
    on segments.task = latest_runs.task
    and segments.model_run_id = latest_runs.model_run_id;
"""


def read_profit(
    warehouse: Path, feature_mart: str, key: tuple[str, str], as_of: date, column: str
) -> pl.DataFrame:
    """client_id and profit (as float) of the feature mart's rows at the scoring date."""
    id_column, date_column = key
    with connect(warehouse, read_only=True) as con:
        return con.sql(
            f"select {id_column} as client_id, cast({column} as double) as profit from {feature_mart} "
            f"where {date_column} = ? order by {id_column}",
            params=[as_of],
        ).pl()


def write_segments(warehouse: Path, task: str, model_run_id: str, clients: pl.DataFrame) -> None:
    """Append one run's segments (client_id, probability, profit, segment, offer, reason) at once."""
    rows = clients.select("client_id", "probability", "profit", "segment", "offer", "reason").with_columns(
        task=pl.lit(task), model_run_id=pl.lit(model_run_id)
    )
    with connect(warehouse) as con:
        con.execute("begin transaction")
        try:
            con.execute(SEGMENTS_SQL)
            con.register("segment_rows", rows.to_arrow())
            con.execute("insert into scoring.segments by name select * from segment_rows")
            con.unregister("segment_rows")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
