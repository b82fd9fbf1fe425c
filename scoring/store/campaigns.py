"""Campaigns in the warehouse and on disk, and only I/O: the scores a campaign acts on (the champion's latest,
with their offers), the campaign tables (scoring.campaigns, campaign_members, campaign_results,
campaign_uplift_at_k), and the treatment group's export for the CRM (CSV and Parquet, named by the
campaign's id).

Reads open short read-only connections; writes take the connection of a run transaction
(scoring.store.warehouse.run_transaction), so a campaign is published whole or not at all.
"""

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from scoring.errors import DataError
from scoring.store.warehouse import append, connect

# The columns of the CRM's file: who, what to offer, why, and what the contact is expected to be worth.
EXPORT_COLUMNS = ("campaign_id", "client_id", "offer", "reason", "probability", "expected_value")


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    query = "select count(*) from duckdb_tables() where schema_name = 'scoring' and table_name = ?"
    return bool(con.execute(query, [table]).fetchall()[0][0])


def acting_scores(warehouse: Path, task: str) -> tuple[str, date, pl.DataFrame]:
    """The run of the task's latest scores to act on (scoring.latest_scores: the champion's), its scoring
    date, and its clients: client_id, probability, reason, offer_rule, offer."""
    with connect(warehouse, read_only=True) as con:
        if not _has(con, "scores"):
            raise DataError(f"{warehouse} has no scores yet: run `make score` first")
        runs = con.execute(
            "select distinct model_run_id, as_of_date from scoring.latest_scores where task = ?", [task]
        ).fetchall()
        if not runs:
            raise DataError(f"{warehouse} has no scores of the task {task!r}: run `make score` first")
        ((run_id, as_of),) = runs
        has_offers = (
            _has(con, "offers")
            and con.execute(
                "select count(*) from scoring.offers where model_run_id = ?", [run_id]
            ).fetchall()[0][0]
        )
        if not has_offers:
            raise DataError(
                f"The scores to act on ({run_id}) have no offers (scored before offers were written): "
                f"rescore them with `scoring score --model-run {run_id}`, or train again with `make score`"
            )
        clients = con.sql(
            """
            select scores.client_id, scores.probability, offers.reason, offers.offer_rule, offers.offer
            from scoring.latest_scores as scores
            inner join scoring.offers as offers
                on scores.model_run_id = offers.model_run_id and scores.client_id = offers.client_id
            where scores.task = ?
            order by scores.client_id
            """,
            params=[task],
        ).pl()
    return run_id, as_of, clients


def read_campaigns(warehouse: Path, task: str | None = None, model_run_id: str | None = None) -> pl.DataFrame:
    """scoring.campaigns rows (of a task, or of the scores of one run), oldest first; empty when none."""
    with connect(warehouse, read_only=True) as con:
        if not _has(con, "campaigns"):
            return pl.DataFrame()
        where, params = ["true"], []
        for column, value in (("task", task), ("model_run_id", model_run_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        query = (
            f"select * from scoring.campaigns where {' and '.join(where)} order by created_at, campaign_id"
        )
        return con.sql(query, params=params).pl()


def read_members(warehouse: Path, campaign_ids: list[str]) -> pl.DataFrame:
    """The members of the campaigns, with their campaign_id."""
    with connect(warehouse, read_only=True) as con:
        con.register("wanted", pl.DataFrame({"campaign_id": campaign_ids}, schema={"campaign_id": pl.String}))
        return con.sql(
            "select * from scoring.campaign_members where campaign_id in (select campaign_id from wanted) "
            "order by campaign_id, client_id"
        ).pl()


def read_results(warehouse: Path, task: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The task's campaign results and its uplift at k (empty frames when none)."""
    with connect(warehouse, read_only=True) as con:
        if not _has(con, "campaign_results"):
            return pl.DataFrame(), pl.DataFrame()
        results = con.sql(
            "select * from scoring.campaign_results where task = ? order by campaign_id", params=[task]
        )
        at_k = con.sql(
            "select * from scoring.campaign_uplift_at_k where task = ? order by k_share", params=[task]
        )
        return results.pl(), at_k.pl()


def write_campaign(con: duckdb.DuckDBPyConnection, campaign: pl.DataFrame, members: pl.DataFrame) -> None:
    """Append one campaign and its members, in the run transaction of `con`."""
    append(con, "campaigns", campaign)
    append(con, "campaign_members", members)


def replace_results(
    con: duckdb.DuckDBPyConnection, task: str, results: pl.DataFrame, uplift_at_k: pl.DataFrame
) -> None:
    """Replace the task's campaign results and uplift at k with these, in the run transaction of `con`."""
    con.execute("delete from scoring.campaign_results where task = ?", [task])
    con.execute("delete from scoring.campaign_uplift_at_k where task = ?", [task])
    if results.height:
        append(con, "campaign_results", results)
    if uplift_at_k.height:
        append(con, "campaign_uplift_at_k", uplift_at_k)


def export_treatment(directory: Path, campaign_id: str, members: pl.DataFrame) -> tuple[Path, Path]:
    """Write the treatment group (EXPORT_COLUMNS, best expected value first) as `<campaign_id>.csv` and
    `.parquet` in `directory`; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = members.filter(pl.col("group") == "treatment").sort(
        ["expected_value", "client_id"], descending=[True, False]
    )
    frame = frame.with_columns(campaign_id=pl.lit(campaign_id)).select(EXPORT_COLUMNS)
    csv, parquet = directory / f"{campaign_id}.csv", directory / f"{campaign_id}.parquet"
    frame.write_csv(csv)
    frame.write_parquet(parquet)
    return csv.resolve(), parquet.resolve()
