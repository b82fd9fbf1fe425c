"""The realised performance of past runs, in SQL: each run's scores against what its clients did once the
run's label window closed in the data (the task's realised labels, Monitoring.realised_labels: for the
purchase task the dbt model apparel_realised_labels), kept in scoring.realised_performance.

The metrics are those of scoring.model.metrics, computed by DuckDB over every client a run scored
(population `scored`) and over the task's target population:
- ROC-AUC by ranks (Mann-Whitney), tied probabilities at their average rank: null with one class only;
- average precision as scikit-learn defines it: precision at each distinct probability from the top, weighted
  by the recall it adds;
- lift in the top 10 %: the positive rate of the first ceil(10 % of clients) in the run's ranking (probability
  descending, then client_id, as scoring.scores.rank) over the positive rate of all;
- Brier score; expected calibration error over ten bins of equal size by probability (as
  scoring.model.metrics.calibration_table: the first bins one client larger when they do not divide evenly).

A task without dated outcomes (Monitoring.realised_labels None: the one-click task, whose files have no dates)
has none; scoring monitor says so.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from scoring.tasks import Task

POPULATIONS = ("scored", "target_population")

METRICS_SQL = """
with labelled as (
    select scores.model_run_id, scores.client_id, scores.probability, cast(labels.label as double) as y,
        labels.is_in_target_population, labels.as_of_date, labels.window_end_date
    from {scores} as scores
    inner join {labels} as labels
        on scores.model_run_id = labels.model_run_id and scores.client_id = labels.client_id
    where scores.task = $task
),
populations as (
    select *, 'scored' as population from labelled
    union all
    select *, 'target_population' as population from labelled where is_in_target_population
),
ranked as (
    select *,
        rank() over (partition by model_run_id, population order by probability) as low_rank,
        count(*) over (partition by model_run_id, population, probability) as ties,
        row_number() over (partition by model_run_id, population order by probability desc, client_id)
            as position,
        ntile(10) over (partition by model_run_id, population order by probability, client_id) as ten,
        count(*) over (partition by model_run_id, population) as n,
        sum(y) over (partition by model_run_id, population) as n_positive
    from populations
),
per_run as (
    select model_run_id, population, any_value(as_of_date) as as_of_date,
        any_value(window_end_date) as window_end, count(*) as clients, sum(y) as positives,
        (sum(y * (low_rank + (ties - 1) / 2.0)) - sum(y) * (sum(y) + 1) / 2.0)
            / (sum(y) * (count(*) - sum(y))) as auc,
        avg(y) filter (where position <= ceil(0.1 * n)) / avg(y) as lift_at_10pct,
        avg((probability - y) * (probability - y)) as brier
    from ranked
    group by all
),
thresholds as (
    select model_run_id, population, probability, sum(y) as hits, count(*) as taken
    from populations
    group by all
),
precision_at as (
    select model_run_id, population, hits,
        sum(hits) over w / sum(taken) over w as precision,
        sum(hits) over (partition by model_run_id, population) as all_hits
    from thresholds
    window w as (partition by model_run_id, population order by probability desc
        rows between unbounded preceding and current row)
),
average_precision as (
    select model_run_id, population, sum(hits / all_hits * precision) as average_precision
    from precision_at where all_hits > 0
    group by all
),
calibration as (
    select model_run_id, population, sum(abs(predicted - observed) * members) / sum(members) as ece
    from (
        select model_run_id, population, ten, avg(probability) as predicted, avg(y) as observed,
            count(*) as members
        from ranked group by all
    )
    group by all
)
select $task as task, per_run.model_run_id, per_run.as_of_date, per_run.window_end, per_run.population,
    cast(per_run.clients as bigint) as clients, cast(per_run.positives as bigint) as positives,
    case when per_run.positives > 0 and per_run.positives < per_run.clients then per_run.auc end as roc_auc,
    average_precision.average_precision,
    case when per_run.positives > 0 then per_run.lift_at_10pct end as lift_at_10pct,
    per_run.brier, calibration.ece, cast($computed_at as timestamp) as computed_at
from per_run
left join average_precision using (model_run_id, population)
left join calibration using (model_run_id, population)
order by per_run.model_run_id, per_run.population
"""


def realised_performance(
    con: duckdb.DuckDBPyConnection, task: Task, prefix: str = "", computed_at: datetime | None = None
) -> pl.DataFrame:
    """The realised performance of every run of `task` whose label window has closed, from the scores and
    the task's realised labels in the database `prefix` names (e.g. 'building.'); empty for a task without
    dated outcomes."""
    labels = task.monitoring.realised_labels
    if labels is None:
        return pl.DataFrame()
    query = METRICS_SQL.format(scores=f"{prefix}scoring.scores", labels=f"{prefix}{labels}")
    return con.sql(query, params={"task": task.name, "computed_at": computed_at or datetime.now()}).pl()


def refresh(con: duckdb.DuckDBPyConnection, tasks: list[Task], prefix: str = "") -> int:
    """Replace the realised performance of every run that has outcomes now (in the database `prefix` names,
    inside the caller's transaction); rows of runs the data no longer covers are kept. Returns the rows
    written. Tasks whose realised labels are not in the warehouse (not built) are skipped."""
    written = 0
    computed_at = datetime.now()
    present = _relations(con, prefix)
    for task in tasks:
        labels = task.monitoring.realised_labels
        if labels is None or labels not in present:
            continue
        frame = realised_performance(con, task, prefix, computed_at)
        if frame.is_empty():
            continue
        con.register("realised_rows", frame.to_arrow())
        con.execute(
            f"delete from {prefix}scoring.realised_performance "
            "where model_run_id in (select model_run_id from realised_rows)"
        )
        con.execute(f"insert into {prefix}scoring.realised_performance by name select * from realised_rows")
        con.unregister("realised_rows")
        written += frame.height
    return written


def _relations(con: duckdb.DuckDBPyConnection, prefix: str) -> set[str]:
    database = prefix.rstrip(".") or None
    where = "where database_name = ?" if database else "where database_name = current_database()"
    params = [database] if database else []
    rows = con.execute(
        f"select schema_name || '.' || table_name from duckdb_tables() {where} "
        f"union all select schema_name || '.' || view_name from duckdb_views() {where}",
        params * 2,
    ).fetchall()
    return {row[0] for row in rows}
