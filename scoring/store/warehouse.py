"""DuckDB I/O, and only that: read marts into Polars, write a run's scoring.* tables (segments too, for
tasks that have them) in one transaction.

DuckDB locks its file while any process holds a connection, so every function opens, does one thing and
closes. Writes go to a copy that replaces the warehouse whole (scoring.store.atomic), never to the file
readers have open. Files this module creates stay readable by the duckdb 1.5 CLI.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from scoring import stages
from scoring.errors import DataError
from scoring.store import atomic

_CREATE_CONFIG = {"storage_compatibility_version": atomic.STORAGE_VERSION}

SCHEMA_SQL = """
create schema if not exists scoring;
create table if not exists scoring.model_runs (
    model_run_id varchar primary key,
    task varchar not null,
    run_kind varchar not null,            -- train | rescore
    source_model_run_id varchar,          -- the run whose saved model a rescore used
    status varchar not null,              -- succeeded (a failed run writes nothing)
    created_at timestamp not null,
    as_of_date date not null,
    model_type varchar not null,
    parameters varchar not null,          -- JSON
    feature_list varchar[] not null,
    metrics varchar not null,             -- JSON: validation, test and cross-validation metrics
    data_fingerprint varchar not null,
    artifact_path varchar not null,
    durations varchar not null,           -- JSON: seconds per stage
    seed integer not null,
    n_scored integer not null
);
create table if not exists scoring.scores (
    task varchar not null,
    model_run_id varchar not null,
    client_id bigint not null,
    as_of_date date not null,
    probability double not null,
    rank integer not null,                -- 1 = most likely
    decile integer not null,              -- 1 = top 10 %
    is_out_of_fold boolean not null,      -- scored by a model that never saw this client's labels
    scored_at timestamp not null,
    primary key (model_run_id, client_id)
);
create table if not exists scoring.explanations (
    task varchar not null,
    model_run_id varchar not null,
    client_id bigint not null,
    feature varchar not null,
    feature_value varchar,                -- as text, so numeric and categorical features share a column
    shap_value double not null,           -- contribution to the log-odds of the uncalibrated model
    rank integer not null,                -- 1 = largest absolute contribution
    primary key (model_run_id, client_id, rank)
);
create table if not exists scoring.feature_importance (
    task varchar not null,
    model_run_id varchar not null,
    feature varchar not null,
    mean_abs_shap double not null,
    rank integer not null,
    primary key (model_run_id, feature)
);
create table if not exists scoring.model_aliases (
    task varchar not null,
    alias varchar not null,               -- champion | challenger
    model_run_id varchar not null,        -- a train run (its model; rescores of it act for it)
    set_at timestamp not null,
    reason varchar not null               -- why: the gates' numbers, a first run, a promotion, a rollback
);
create or replace view scoring.latest_scores as
with champions as (
    select task, arg_max(model_run_id, set_at) as model_run_id
    from scoring.model_aliases
    where alias = 'champion'
    group by task
),
acting_runs as (
    -- the champion's train run and the rescores of its model; a task with no champion yet: all its runs
    select runs.task, runs.model_run_id, runs.created_at
    from scoring.model_runs as runs
    left join champions on runs.task = champions.task
    where runs.status = 'succeeded'
        and (
            champions.model_run_id is null
            or coalesce(runs.source_model_run_id, runs.model_run_id) = champions.model_run_id
        )
),
latest_runs as (
    select task, arg_max(model_run_id, created_at) as model_run_id
    from acting_runs
    group by task
)
select scores.*
from scoring.scores as scores
inner join latest_runs
    on scores.task = latest_runs.task
    and scores.model_run_id = latest_runs.model_run_id;

create table if not exists scoring.offers (
    task varchar not null,
    model_run_id varchar not null,
    client_id bigint not null,
    reason varchar not null,              -- the client's strongest contributions in words, by direction
    offer_rule varchar,                   -- the first offer rule that holds (scoring/decide/offer_rules.py)
    offer varchar,                        -- that rule's offer, with the client's values
    primary key (model_run_id, client_id)
);
create or replace view scoring.latest_offers as
select offers.*
from scoring.offers as offers
inner join (select distinct task, model_run_id from scoring.latest_scores) as latest
    on offers.task = latest.task
    and offers.model_run_id = latest.model_run_id;

create table if not exists scoring.campaigns (
    campaign_id varchar primary key,      -- the task, the scores' date and a digest of the parameters
    task varchar not null,
    model_run_id varchar not null,        -- the run whose scores were selected from (the champion's latest)
    as_of_date date not null,             -- the scores' date: outcomes count after it
    created_at timestamp not null,
    selection varchar not null,           -- the rule in words
    parameters varchar not null,          -- JSON: rule, size or budget..., control share, seed, values, costs
    counts varchar not null,              -- JSON: scored, excluded by reason, selected, groups, offers
    export_path varchar not null          -- the treatment group's CSV (a Parquet file beside it)
);
create table if not exists scoring.campaign_members (
    campaign_id varchar not null,
    client_id bigint not null,
    "group" varchar not null,             -- treatment (contacted) | control (held out, not contacted)
    probability double not null,
    expected_value double not null,       -- probability x value x offer effect - contact cost
    offer_rule varchar,                   -- the offer rule that chose the offer (scoring.offers)
    offer varchar,
    reason varchar not null,
    primary key (campaign_id, client_id)
);
create table if not exists scoring.campaign_results (
    campaign_id varchar primary key,
    task varchar not null,
    window_start date not null,           -- the day after the campaign's date
    window_end date not null,             -- outcomes counted up to this day (the window has closed)
    treatment_clients integer not null,
    treatment_converted integer not null,
    treatment_rate double,
    control_clients integer not null,
    control_converted integer not null,
    control_rate double,
    uplift double,                        -- treatment_rate - control_rate
    uplift_ci_low double,
    uplift_ci_high double,
    confidence double not null,
    computed_at timestamp not null
);
create table if not exists scoring.campaign_uplift_at_k (
    task varchar not null,
    k_share double not null,              -- the top share of each campaign's members by expected value
    campaigns integer not null,           -- the campaigns with a closed window, pooled
    treatment_clients integer not null,
    treatment_rate double,
    control_clients integer not null,
    control_rate double,
    uplift double,
    computed_at timestamp not null,
    primary key (task, k_share)
);

create table if not exists scoring.segments (
    task varchar not null,
    model_run_id varchar not null,
    client_id bigint not null,
    probability double not null,          -- calibrated probability of the outcome (activity declines)
    profit double not null,               -- the profit measure the segments use
    segment varchar not null,             -- "high risk, high profit" ... "low risk, low profit"
    offer varchar not null,               -- the segment's action, from its members' risk drivers (SHAP)
    reason varchar not null,              -- the client's reasons in words (as in scoring.offers)
    primary key (model_run_id, client_id)
);
create table if not exists scoring.feature_profiles (
    task varchar not null,
    model_run_id varchar not null,
    profile_kind varchar not null,        -- scored | scored_rebinned | training | training_cutoff
    edges_run_id varchar,                 -- the run whose training profile set the histogram's bin edges
    as_of_date date,                      -- the cutoff profiled (null: training, pooled over the cutoffs)
    feature varchar not null,             -- a feature of the task's feature mart, or 'probability'
    feature_type varchar not null,        -- numeric | categorical
    row_count bigint,                     -- every row profiled
    nulls bigint,
    mean double,
    std double,
    min double,
    max double,
    p01 double, p05 double, p25 double, p50 double, p75 double, p95 double, p99 double,  -- of the sample
    bin_edges double[],                   -- upper edges e1 < ... < ek of the bins (-inf, e1] ... (ek, inf)
    bin_counts bigint[],                  -- the sample's rows: nulls first, then one count per bin
    categories varchar[],                 -- categorical: each value (null included) ...
    category_counts bigint[],             -- ... and its rows, over every row
    sample_rows bigint not null,          -- the sampled clients behind the quantiles and the histogram
    computed_at timestamp not null
);
create table if not exists scoring.drift (
    task varchar not null,
    model_run_id varchar not null,
    reference_kind varchar not null,      -- training | previous_run
    reference_run_id varchar not null,
    feature varchar not null,             -- or 'probability', the score itself
    psi double,
    js_distance double,
    threshold double not null,            -- of `metric`; against training raised to training_spread
    is_drifted boolean not null,
    computed_at timestamp not null,
    feature_type varchar,
    metric varchar,                       -- psi | js_distance | linf: what is_drifted compares
    linf_distance double,                 -- the largest change in one bin's or category's share
    training_spread double,               -- the largest distance between a training cutoff and the others
    primary key (model_run_id, reference_kind, feature)
);
create table if not exists scoring.realised_performance (
    task varchar not null,
    model_run_id varchar not null,
    as_of_date date not null,
    window_end date not null,             -- the last day of the outcome window (as_of_date + horizon)
    population varchar not null,          -- scored | target_population
    clients bigint not null,
    positives bigint not null,
    roc_auc double,
    average_precision double,
    lift_at_10pct double,
    brier double,
    ece double,
    computed_at timestamp not null,
    primary key (model_run_id, population)
);
create table if not exists scoring.data_health (
    checked_at timestamp not null,        -- the build (or refresh) that measured it
    build_kind varchar not null,          -- build | refresh
    data_set varchar not null,            -- apparel | one_click
    raw_source varchar not null,          -- the raw file (its stem)
    slice varchar not null,               -- 'all', or one value of the source's slicing column (a channel)
    as_of_date date,                      -- the build's cutoff
    row_count bigint not null,
    newest_event_date date,
    days_behind_cutoff integer,
    recent_rows_per_day double,           -- over the recent days before the cutoff
    trailing_median_rows_per_day double,  -- the median day of the weeks before them
    recent_ratio double,
    null_share double,                    -- the largest share of nulls of one column
    null_column varchar,
    duplicate_share double,
    status varchar not null,              -- ok | stale | collapsed
    message varchar not null
);

create or replace view scoring.latest_segments as
with champions as (
    select task, arg_max(model_run_id, set_at) as model_run_id
    from scoring.model_aliases
    where alias = 'champion'
    group by task
),
latest_runs as (
    -- the champion's latest run that wrote segments (a rescore of a model without a threshold writes none)
    select runs.task, arg_max(runs.model_run_id, runs.created_at) as model_run_id
    from scoring.model_runs as runs
    left join champions on runs.task = champions.task
    where runs.status = 'succeeded'
        and runs.model_run_id in (select model_run_id from scoring.segments)
        and (
            champions.model_run_id is null
            or coalesce(runs.source_model_run_id, runs.model_run_id) = champions.model_run_id
        )
    group by runs.task
)
select segments.*
from scoring.segments as segments
inner join latest_runs
    on segments.task = latest_runs.task
    and segments.model_run_id = latest_runs.model_run_id;
"""


@dataclass(frozen=True)
class RunTables:
    """One run's rows for the scoring.* tables."""

    model_run: pl.DataFrame  # one row
    scores: pl.DataFrame
    explanations: pl.DataFrame
    feature_importance: pl.DataFrame
    segments: pl.DataFrame | None = None  # tasks that segment their clients (scoring.segments)
    offers: pl.DataFrame | None = None  # each client's reasons and offer (scoring.offers)
    feature_profiles: pl.DataFrame | None = None  # scoring.monitor: what the run scored, its reference
    drift: pl.DataFrame | None = None


@contextmanager
def connect(warehouse: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; a new file is created readable by the duckdb 1.5 CLI."""
    if read_only and not Path(warehouse).exists():
        raise FileNotFoundError(
            f"No warehouse at {warehouse}: build the features first (make build-features)"
        )
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    config = {} if Path(warehouse).exists() else dict(_CREATE_CONFIG)
    try:
        con = duckdb.connect(str(warehouse), read_only=read_only, config=config)
    except duckdb.IOException as error:
        if "Could not set lock" not in str(error):
            raise
        raise atomic.busy_error(warehouse, error) from error
    try:
        yield con
    finally:
        con.close()


def existing_relations(warehouse: Path, relations: list[str]) -> set[str]:
    """Those of `relations` (schema.name) that exist in the warehouse."""
    if not Path(warehouse).exists():
        return set()
    with connect(warehouse, read_only=True) as con:
        rows = con.sql("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        rows += con.sql("select schema_name || '.' || view_name from duckdb_views()").fetchall()
    present = {row[0] for row in rows}
    return {r for r in relations if r in present}


def labelled_rows_per_client(warehouse: Path, training_mart: str, label: str, id_column: str) -> pl.DataFrame:
    """client_id and n_rows: each client's labelled rows in the training mart (what a cap samples from)."""
    with connect(warehouse, read_only=True) as con:
        _require_relation(con, training_mart, warehouse)
        return con.sql(
            f"select {id_column} as client_id, count(*) as n_rows from {training_mart} "
            f"where {label} is not null group by {id_column}"
        ).pl()


def training_date(feature_mart: str, as_of: date | None, latest: date) -> date:
    """The scoring date of a train run: the mart's latest date. A mart built as of a later date holds labels
    that look past an earlier one, so training for an earlier date from it would learn from the future."""
    if as_of is None or as_of == latest:
        return latest
    if as_of > latest:
        raise DataError(f"{feature_mart} has no rows after {latest}: choose an AS_OF it has, or rebuild")
    raise DataError(
        f"{feature_mart} was built as of {latest}: training for a score as of {as_of} from it would learn "
        f"from labels after {as_of}. Build the features as of that date first: make score AS_OF={as_of} "
        "(it rebuilds them), or rescore a saved model as of it: scoring score --model-run <run>"
    )


def read_task_frames(
    warehouse: Path,
    training_mart: str,
    feature_mart: str,
    label: str,
    key: tuple[str, str],
    as_of: date | None,
    clients: pl.Series | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, date]:
    """The labelled rows of the training mart (of `clients` only, when given: the other rows are never
    loaded) and the feature mart's rows at the scoring date.

    The scoring date is `as_of`, or the latest date in the feature mart; an earlier date is refused
    (training_date). Rows come sorted by key so the same warehouse always gives the same frames.
    """
    id_column, date_column = key
    only = "" if clients is None else f" and {id_column} in (select client_id from sampled_clients)"
    with connect(warehouse, read_only=True) as con:
        for relation in (training_mart, feature_mart):
            _require_relation(con, relation, warehouse)
        latest = con.sql(f"select max({date_column}) from {feature_mart}").fetchall()[0][0]
        as_of = training_date(feature_mart, as_of, latest)
        if clients is not None:
            con.register("sampled_clients", pl.DataFrame({"client_id": clients}))
        training = con.sql(
            f"select * from {training_mart} where {label} is not null{only} "
            f"order by {id_column}, {date_column}"
        ).pl()
        scoring = con.sql(
            f"select * from {feature_mart} where {date_column} = ? order by {id_column}", params=[as_of]
        ).pl()
    if scoring.is_empty():
        raise DataError(f"{feature_mart} has no rows at {date_column} = {as_of}: choose an AS_OF it has")
    return training, scoring, as_of


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


def read_client_columns(
    warehouse: Path, feature_mart: str, key: tuple[str, str], as_of: date, columns: tuple[str, ...]
) -> pl.DataFrame:
    """client_id and `columns` of the feature mart's rows at `as_of` (what a campaign values and excludes
    clients by); an error names a column the mart lacks."""
    id_column, date_column = key
    with connect(warehouse, read_only=True) as con:
        _require_relation(con, feature_mart, warehouse)
        present = set(con.sql(f"select * from {feature_mart} limit 0").columns)
        missing = [c for c in columns if c not in present]
        if missing:
            raise DataError(
                f"{feature_mart} has no column {', '.join(missing)}: rebuild the marts (make build-features)"
            )
        selected = ", ".join(f'"{c}"' for c in columns)
        return con.sql(
            f"select {id_column} as client_id, {selected} from {feature_mart} where {date_column} = ? "
            f"order by {id_column}",
            params=[as_of],
        ).pl()


def outcome_clients(warehouse: Path, relation: str, date_column: str, after: date, until: date) -> pl.Series:
    """The distinct client_id with a row of `relation` dated in (after, until], sorted."""
    with connect(warehouse, read_only=True) as con:
        _require_relation(con, relation, warehouse)
        return con.sql(
            f"select distinct client_id from {relation} where {date_column} > ? and {date_column} <= ? "
            "order by client_id",
            params=[after, until],
        ).pl()["client_id"]


def last_date(warehouse: Path, relation: str, date_column: str) -> date | None:
    """The last `date_column` of `relation` (None when empty): how far the data reach."""
    with connect(warehouse, read_only=True) as con:
        _require_relation(con, relation, warehouse)
        return con.sql(f"select max({date_column}) from {relation}").fetchall()[0][0]


def scoring_date_and_count(
    warehouse: Path,
    feature_mart: str,
    key: tuple[str, str],
    as_of: date | None,
    memory_limit: str | None = None,
) -> tuple[date, int]:
    """The scoring date (`as_of`, default: the feature mart's latest date) and the mart's rows at it, with
    DuckDB held to `memory_limit` if given (on DuckDB the wide mart is a view: counting it runs its joins)."""
    date_column = key[1]
    with connect(warehouse, read_only=True) as con:
        if memory_limit:
            con.execute(f"set memory_limit = '{memory_limit}'")
        _require_relation(con, feature_mart, warehouse)
        if as_of is None:
            as_of = con.sql(f"select max({date_column}) from {feature_mart}").fetchall()[0][0]
        count = con.sql(f"select count(*) from {feature_mart} where {date_column} = ?", params=[as_of])
        n_rows = count.fetchall()[0][0]
    if not n_rows:
        raise DataError(f"{feature_mart} has no rows at {date_column} = {as_of}: choose an AS_OF it has")
    return as_of, n_rows


def _require_relation(con: duckdb.DuckDBPyConnection, relation: str, warehouse: Path) -> None:
    schema, _, name = relation.rpartition(".")
    found = con.sql(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", params=[schema, name]
    ).fetchall()[0][0]
    found += con.sql(
        "select count(*) from duckdb_views() where schema_name = ? and view_name = ?", params=[schema, name]
    ).fetchall()[0][0]
    if not found:
        raise LookupError(
            f"{warehouse} has no relation {relation}: build the features first (make build-features)"
        )


@contextmanager
def run_transaction(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a copy of the warehouse (attached as `building`; the warehouse as `previous`), in a
    transaction with the scoring.* tables created: on leaving, the run is committed and the copy replaces
    the warehouse (scoring.store.atomic); on an error it is rolled back and the copy removed. A failure or a
    kill at any point leaves the warehouse as it was. What makes the run atomic is the rename, not the
    transaction, so a long run may commit into its copy along the way (run_writer.commit_batch)."""
    with atomic.previous(warehouse) as con:
        atomic.attach_building(con, Path(warehouse), copy=True)
        stages.reached("score-write", "writing the run to a copy of the warehouse")
        con.execute("use building")
        con.execute("begin transaction")
        try:
            con.execute(SCHEMA_SQL)
            yield con
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            atomic.remove_building(warehouse)
            raise
        stages.reached("score-publish", f"publishing the run in {warehouse}")
        atomic.publish(con, Path(warehouse))


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert a frame's rows into scoring.<table> (by column name), inside the run's transaction."""
    con.register("run_rows", frame.to_arrow())
    con.execute(f"insert into scoring.{table} by name select * from run_rows")
    con.unregister("run_rows")
    stages.reached(f"score-write:{table}")


def write_run(warehouse: Path, tables: RunTables, then: Callable | None = None):
    """Append one run to the scoring.* tables in one transaction, on a copy of the warehouse that replaces
    it only once committed (run_transaction); `then(con)`, when given, runs last in the same transaction
    (a train run's promotion gate), and what it returns is returned."""
    with run_transaction(warehouse) as con:
        for table, frame in (
            ("model_runs", tables.model_run),
            ("scores", tables.scores),
            ("explanations", tables.explanations),
            ("feature_importance", tables.feature_importance),
            ("segments", tables.segments),
            ("offers", tables.offers),
            ("feature_profiles", tables.feature_profiles),
            ("drift", tables.drift),
        ):
            if frame is not None:
                append(con, table, frame)
        return then(con) if then is not None else None


def _scoring_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    query = "select table_name from duckdb_tables() where database_name = ? and schema_name = 'scoring'"
    return [row[0] for row in con.execute(query, [database]).fetchall()]


def carry_history(con: duckdb.DuckDBPyConnection) -> None:
    """Create the scoring.* tables in the new build attached as `building` and copy every run so far into
    them from the warehouse attached as `previous` (when there is one), in one transaction. Tables this
    module does not know are copied as they are, so a run history written by a newer version is not lost."""
    attached = {row[0] for row in con.execute("select database_name from duckdb_databases()").fetchall()}
    tables = _scoring_tables(con, "previous") if "previous" in attached else []
    con.execute("use building")
    con.execute("begin transaction")
    con.execute(SCHEMA_SQL)  # even with no history: the models over the scoring source read these tables
    known = set(_scoring_tables(con, "building"))
    for table in tables:
        if table in known:
            con.execute(f'insert into scoring."{table}" by name select * from previous.scoring."{table}"')
        else:
            con.execute(f'create table scoring."{table}" as select * from previous.scoring."{table}"')
    con.execute("commit")


def read_model_run(warehouse: Path, model_run_id: str) -> dict:
    """The scoring.model_runs row of a run, as a dict."""
    with connect(warehouse, read_only=True) as con:
        has_runs = con.sql(
            "select count(*) from duckdb_tables() where schema_name = 'scoring' and table_name = 'model_runs'"
        ).fetchall()[0][0]
        frame = (
            con.sql("select * from scoring.model_runs where model_run_id = ?", params=[model_run_id]).pl()
            if has_runs
            else pl.DataFrame()
        )
    if frame.is_empty():
        raise LookupError(
            f"No model run {model_run_id!r} in {warehouse} (scoring.model_runs): list the runs with "
            "`select model_run_id, task, created_at from scoring.model_runs order by created_at desc`"
        )
    return frame.row(0, named=True)
