"""A run written batch by batch into its copy of the warehouse (warehouse.run_transaction): the feature
mart is read in batches of rows, each batch's scores and explanations are appended as they come, and the
scores are ranked in SQL once all are in, so neither side holds more than a batch in Python.

I/O only: scoring.explain.batches computes what is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from scoring import stages
from scoring.errors import DataError
from scoring.store.warehouse import append

# DuckDB's memory while a batched run reads the mart one range of clients at a time, writes each batch and
# ranks the scores; beyond it DuckDB evicts its cache of the blocks read and written, or spills to the run's
# private folder (primary-key indexes included), so the run's memory does not grow with the clients. One
# batch needs less: the cache alone filled whatever limit it had, and grew the peak from 582 MB at 61k
# clients to 797 MB at 611k under 256 MB (bench `rescore` stage), at no gain in time.
MEMORY_LIMIT = "64MB"


@contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Run a block under another DuckDB memory limit (None: unchanged), then put the previous one back."""
    if limit is None:
        yield
        return
    previous = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{previous}'")


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
    read_limit: str | None = None,
) -> Iterator[pl.DataFrame]:
    """The feature mart's rows at the scoring date in frames of at most `batch_rows` rows, with the key and
    those of `columns` the mart has (a wide mart has many more than a model uses), read from the warehouse
    being replaced (attached as `previous`) through a cursor of its own.

    Each frame is one range of ids, in id order: the ids at the date are read first (8 bytes a row), cut
    every `batch_rows` ids, and each range is its own query. On DuckDB the wide mart is a view joining the
    feature families, and one streamed query over all rows held every family's rows at the date in the
    joins' hash tables (about 1.9 kB a client); a range's query holds that range's only, so memory stays
    flat however many clients there are. The order is the same whatever the batch size. `read_limit`, when
    given, is DuckDB's memory limit while a batch is read (a batch of every column of a wide mart, 50,000
    rows x 250 columns, is 100 MB of result DuckDB holds before handing it over); the connection's own
    limit is back before the batch is yielded."""
    id_column, date_column = key
    cursor = con.cursor()
    try:
        present = set(cursor.sql(f"select * from previous.{feature_mart} limit 0").columns)
        wanted = [c for c in dict.fromkeys((*key, *columns)) if c in present]
        selected = ", ".join('"' + c.replace('"', '""') + '"' for c in wanted)
        ids = cursor.sql(
            f"select {id_column} from previous.{feature_mart} where {date_column} = ? order by {id_column}",
            params=[as_of],
        ).fetchnumpy()[id_column]
        starts = ids[::batch_rows].tolist()  # each range starts at an id: none is empty
        del ids
        for number, start in enumerate(starts):
            where, params = f"{date_column} = ? and {id_column} >= ?", [as_of, start]
            if number + 1 < len(starts):
                where, params = f"{where} and {id_column} < ?", [*params, starts[number + 1]]
            query = f"select {selected} from previous.{feature_mart} where {where} order by {id_column}"
            with memory_limit(cursor, read_limit):
                frame = cursor.sql(query, params=params).pl()
            yield frame
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
        raise DataError(f"the feature mart has several rows for client_id {repeated[0][0]} at {as_of}")
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
