"""A run written batch by batch into its copy of the warehouse (warehouse.run_transaction): the feature
mart is read in batches of rows, each batch's scores and explanations are appended as they come, and the
scores are ranked in SQL once all are in, so neither side holds more than a batch in Python.

I/O only: scoring.batches computes what is written.
"""

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from scoring import stages
from scoring.warehouse import append

# DuckDB's working memory while a batched run reads the mart (sorted by client) and ranks the scores;
# beyond it DuckDB spills to the run's private folder, so the run's memory does not grow with the clients.
MEMORY_LIMIT = "1GB"


def limit_memory(con: duckdb.DuckDBPyConnection, spill_dir: Path, limit: str = MEMORY_LIMIT) -> None:
    con.execute(f"set memory_limit = '{limit}'")
    con.execute(f"set temp_directory = '{str(spill_dir).replace(chr(39), chr(39) * 2)}'")


def read_batches(
    con: duckdb.DuckDBPyConnection,
    feature_mart: str,
    key: tuple[str, str],
    as_of: date,
    batch_rows: int,
    columns: tuple[str, ...],
) -> Iterator[pl.DataFrame]:
    """The feature mart's rows at the scoring date in frames of at most `batch_rows` rows, with the key and
    those of `columns` the mart has (a wide mart has many more than a model uses), read from the warehouse
    being replaced (attached as `previous`) through a cursor of its own.

    The rows come in the table's stored order (DuckDB preserves insertion order), the same for the same
    warehouse: an ORDER BY would make DuckDB hold the whole sorted mart before the first batch (about 1 GB
    at 600k clients), while the run's tables do not depend on the order (scores are ranked in SQL)."""
    date_column = key[1]
    cursor = con.cursor()
    try:
        present = set(cursor.sql(f"select * from previous.{feature_mart} limit 0").columns)
        wanted = [c for c in dict.fromkeys((*key, *columns)) if c in present]
        selected = ", ".join('"' + c.replace('"', '""') + '"' for c in wanted)
        query = f"select {selected} from previous.{feature_mart} where {date_column} = ?"
        reader = cursor.sql(query, params=[as_of]).to_arrow_reader(batch_rows)
        for record_batch in reader:
            if record_batch.num_rows:
                yield pl.from_arrow(record_batch)
    finally:
        cursor.close()


def commit_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Commit what the run has written so far into its copy of the warehouse, checkpoint the copy and go on
    in a new transaction.

    Until a checkpoint, DuckDB holds the rows a transaction appends, and the primary-key index over them, in
    memory, and that index cannot spill to disk: with the whole run in one transaction, a rescore's peak
    memory grew by ~2.8 kB per client scored (1.39 GB at 153k clients, 2.66 GB at 611k). Checkpointed, both
    are in the file and DuckDB's buffer pool (MEMORY_LIMIT) keeps what it needs. The copy is published
    (renamed over the warehouse) only after the last commit, so the warehouse still changes whole or not at
    all, and a failed run removes the copy."""
    con.execute("commit")
    con.execute("checkpoint building")
    stages.reached("score-write:committed")
    con.execute("begin transaction")


def stage_scores(con: duckdb.DuckDBPyConnection, scores: pl.DataFrame, first: bool) -> None:
    """Keep a batch's (client_id, probability, is_out_of_fold) in a temporary table until all are ranked."""
    con.register("batch_scores", scores.to_arrow())
    if first:
        con.execute("create or replace temp table run_scores as select * from batch_scores")
    else:
        con.execute("insert into run_scores select * from batch_scores")
    con.unregister("batch_scores")


def write_ranked_scores(
    con: duckdb.DuckDBPyConnection, ids: dict[str, str], as_of: date, scored_at: datetime, batch_rows: int
) -> tuple[int, int]:
    """Rank the staged scores (1 = most likely, ties by client_id; deciles 1 = top) into scoring.scores,
    as results.score_frame does, `batch_rows` ranks at a time, each committed (commit_batch) so the
    primary-key index over them is checkpointed too; returns the clients scored and those out of fold."""
    repeated = con.execute(
        "select client_id from run_scores group by client_id having count(*) > 1 limit 1"
    ).fetchall()
    if repeated:
        raise ValueError(f"the feature mart has several rows for client_id {repeated[0][0]} at {as_of}")
    n_rows, n_out_of_fold = con.execute(
        "select count(*), count(*) filter (where is_out_of_fold) from run_scores"
    ).fetchall()[0]
    con.execute(
        "create or replace temp table ranked_scores as select *, "
        "row_number() over (order by probability desc, client_id) as rank from run_scores"
    )
    for first in range(1, n_rows + 1, batch_rows):
        con.execute(
            """
            insert into scoring.scores by name
            select
                client_id, cast(? as date) as as_of_date, probability,
                cast(rank as integer) as rank, cast((rank - 1) * 10 // ? + 1 as integer) as decile,
                is_out_of_fold, cast(? as varchar) as task, cast(? as varchar) as model_run_id,
                cast(? as timestamp) as scored_at
            from ranked_scores
            where rank >= ? and rank < ?
            order by rank
            """,
            [as_of, n_rows, ids["task"], ids["model_run_id"], scored_at, first, first + batch_rows],
        )
        commit_batch(con)
    con.execute("drop table run_scores")
    con.execute("drop table ranked_scores")
    stages.reached("score-write:scores")
    return n_rows, n_out_of_fold


def append_explanations(con: duckdb.DuckDBPyConnection, reasons: pl.DataFrame, ids: dict[str, str]) -> None:
    append(con, "explanations", reasons.with_columns(**{k: pl.lit(v) for k, v in ids.items()}))
