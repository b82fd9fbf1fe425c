"""Incremental refresh: apply the new days of apparel events to a built warehouse and move its latest cutoff.

A day arrives as files of its own, DATA_DIR/apparel/days/YYYY-MM-DD/apparel-messages.csv and
apparel-purchases.csv (either may be missing; .csv.gz and .parquet work too), holding that day's rows only.
`scoring refresh` applies the day folders after the warehouse's latest cutoff: it checks their files (the
specs of scoring/checks, and that every row is dated on its folder's day), then runs the dbt selector
`apparel_refresh` incrementally in a copy of the warehouse, and publishes the copy with one rename, like a
build (scoring/store/atomic.py): a refused or failed refresh leaves the warehouse as it was.

What a refresh changes: the latest cutoff moves to the newest day (or AS_OF), and every apparel mart holds
that cutoff's rows in place of the replaced cutoff's, equal to what a full build at that cutoff computes
(tests/dbt/test_refresh.py). The past cutoffs of the training spine stay as the last full build made them:
they feed training, and rebuilding them would cost four cutoffs' worth of features and labels a day. Messages
are not re-read: the new days' events are appended, and each message window is carried forward
(int_apparel__messages_aggregated_to_client_cutoff). Purchases are small and rebuilt from all their files.
dbt writes no JSON artifacts on a refresh (--no-write-json: its manifest alone took a tenth of the refresh):
the build's manifest.json stays valid, and the models' timings come back in Refreshed.

Rows dated on or before the latest cutoff (late rows) cannot be applied this way: they are refused, and a full
build (`make build-features`, which reads every day folder) takes them in. DuckDB only: on Spark, run the full
build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from scoring import stages
from scoring.build.checks import Problem, check_inputs, format_problems
from scoring.build.dbt import failures, preload_dbt, raw_file_var, run_dbt
from scoring.build.raw_files import RawFile, require_data_sets
from scoring.errors import FeatureBuildError, InputCheckFailed
from scoring.monitor import builds
from scoring.settings import Settings
from scoring.store import atomic

SELECTOR = "apparel_refresh"  # dbt_project/selectors.yml
DATE_COLUMN = "date"  # the day column of apparel-messages and apparel-purchases


class NothingToRefresh(FeatureBuildError):
    """No day folder after the warehouse's latest cutoff: the warehouse is up to date."""


@dataclass(frozen=True)
class WarehouseState:
    """Where the last build or refresh left the warehouse: its latest cutoff and last loaded message day."""

    latest_cutoff: date
    last_message_day: date | None


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the cutoff it replaced, the new one and the days it applied; how long dbt ran its
    models, and each model's seconds, slowest first."""

    replaced_cutoff: date
    latest_cutoff: date
    days: tuple[date, ...]
    dbt_seconds: float
    model_seconds: tuple[tuple[str, float], ...]
    health_problems: tuple[str, ...] = ()  # the raw sources that are stale or collapsed (scoring.data_health)


def warehouse_state(warehouse: Path) -> WarehouseState:
    """The latest cutoff and last message day of a built warehouse; FeatureBuildError when it has none."""
    if not Path(warehouse).exists():
        raise FeatureBuildError(f"{warehouse} does not exist: build the features first (make build-features)")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            (latest,) = con.sql(
                "select as_of_date from main_intermediate.int_apparel__cutoff_dates where cutoff_index = 0"
            ).fetchall()[0]
            (last_day,) = con.sql(
                "select max(event_date) from main_intermediate.int_apparel__messages_deduplicated"
            ).fetchall()[0]
    except duckdb.CatalogException as error:
        raise FeatureBuildError(
            f"{warehouse} has no incremental apparel models ({str(error).splitlines()[0]}): run a full build "
            "with this version first (make build-features)"
        ) from None
    except duckdb.IOException as error:
        raise atomic.busy_error(Path(warehouse), error) from error
    return WarehouseState(latest, last_day)


def new_days(files: Mapping[str, RawFile], after: date, until: date | None) -> tuple[date, ...]:
    """The days with a folder after `after` (up to `until`, when given), oldest first."""
    days = {day.day for raw in files.values() for day in raw.days if day.day is not None}
    return tuple(sorted(day for day in days if day > after and (until is None or day <= until)))


def _day_files(files: Mapping[str, RawFile], days: tuple[date, ...]) -> dict[str, RawFile]:
    """The files of `days` only, by stem, in the shape check_inputs reads (the day files as a file's days)."""
    found = {}
    for stem, raw in files.items():
        chosen = tuple(day for day in raw.days if day.day in days)
        if chosen:  # the base file itself is not checked again: the build that loaded it did
            found[stem] = dataclasses.replace(chosen[0], days=chosen[1:])
    return found


def misdated_rows(raw: RawFile) -> Problem | None:
    """A problem when a day file has rows dated on another day than its folder's (late or misfiled rows)."""
    reader = {
        "parquet": "read_parquet(?)",
        "csv": "read_csv(?, all_varchar = true)",
        "csv.gz": "read_csv(?, all_varchar = true)",
    }[raw.format]
    with duckdb.connect() as con:
        count, example = con.sql(
            f"select count(*), min({DATE_COLUMN}) from {reader} where {DATE_COLUMN} <> ?",
            params=[str(raw.path), raw.day.isoformat()],
        ).fetchall()[0]
    if not count:
        return None
    return Problem(
        f"apparel/days/{raw.day}/{raw.path.name}",
        f"{count:,} rows are dated on another day than the folder's {raw.day}, e.g. {example}",
        "a day folder holds that day's rows only; rows of an earlier day are late and need a full build "
        "(make build-features), which reads every day folder",
        column=DATE_COLUMN,
    )


def check_days(files: Mapping[str, RawFile]) -> list[Problem]:
    """Every problem of the day files: their specs (scoring/checks), then their dates."""
    problems = check_inputs({"apparel": files})
    for raw in files.values():
        for day_file in (raw, *raw.days):
            problem = misdated_rows(day_file)
            if problem is not None:
                problems.append(problem)
    return problems


def refresh_features(settings: Settings, target_path: Path | None = None) -> Refreshed:
    """Apply the day folders after the warehouse's latest cutoff and publish the refreshed warehouse.

    The new latest cutoff is settings.as_of when given, else the newest day folder. Raises NothingToRefresh
    when there is no new day, InputCheckFailed when a new day's files break their checks, FeatureBuildError
    when the warehouse was not built for it or dbt fails, atomic.WarehouseBusy when another run holds it; in
    every case the warehouse is unchanged.
    """
    if settings.on_spark:
        raise FeatureBuildError(
            "scoring refresh runs on DuckDB only: on Spark (TARGET=spark), run the full build "
            "(make build-features TARGET=spark), which reads every day folder"
        )
    tasks = require_data_sets(Path(settings.data_dir))
    if "apparel" not in tasks:
        raise FeatureBuildError(f"No apparel files under {settings.data_dir}: nothing to refresh")
    published = Path(settings.warehouse).resolve()
    with atomic.run_lock(published, "refresh"):
        preload_dbt()
        state = warehouse_state(published)
        if state.last_message_day is not None and state.last_message_day > state.latest_cutoff:
            raise FeatureBuildError(
                f"{published} was built as of {state.latest_cutoff} with messages up to "
                f"{state.last_message_day} (AS_OF before the end of the data): a refresh moves the latest "
                "cutoff from the last loaded day; run a full build instead"
            )
        days = new_days(tasks["apparel"], state.latest_cutoff, settings.as_of)
        if not days:
            raise NothingToRefresh(
                f"No day folder after {state.latest_cutoff} (the warehouse's latest cutoff) under "
                f"{settings.data_dir}/apparel/days/: the warehouse is up to date"
            )
        latest = settings.as_of or days[-1]
        stages.reached("check-inputs", f"checking the files of {', '.join(map(str, days))}")
        day_files = _day_files(tasks["apparel"], days)
        problems = check_days(day_files)
        if problems:
            message = format_problems(problems).replace("Nothing was built", "Nothing was refreshed")
            raise InputCheckFailed(message)
        try:
            result, problems = _refresh_and_publish(
                settings, published, tasks, day_files, state, latest, target_path
            )
        except BaseException:
            atomic.remove_building(published)
            raise
        stages.reached("published", f"published {published} as of {latest}")
    timings = sorted(((r.node.name, r.execution_time) for r in result.result.results), key=lambda t: -t[1])
    return Refreshed(
        state.latest_cutoff, latest, days, result.result.elapsed_time, tuple(timings), tuple(problems)
    )


def _refresh_and_publish(settings, published, tasks, day_files, state, latest, target_path):
    stages.reached("copy", "copying the warehouse to refresh it")
    with atomic.previous(published) as con:  # no session writes the warehouse while it is copied
        building = atomic.attach_building(con, published, copy=True)
        con.execute("detach building")
    messages = day_files.get("apparel-messages")
    variables = {
        "as_of_date": latest.isoformat(),
        "replaced_as_of_date": state.latest_cutoff.isoformat(),
        "refresh_message_files": (
            [raw_file_var(raw) for raw in (messages, *messages.days)] if messages else []
        ),
    }
    args = ["run", "--selector", SELECTOR, "--no-write-json"]
    if target_path is not None:
        args += ["--target-path", str(Path(target_path).resolve())]
    stages.reached("dbt-run", f"moving the latest cutoff from {state.latest_cutoff} to {latest} (dbt run)")
    result = run_dbt(dataclasses.replace(settings, warehouse=building), args, tasks, run_vars=variables)
    if not result.success:
        raise FeatureBuildError(
            "dbt run of the refresh failed; the warehouse is unchanged:\n  " + "\n  ".join(failures(result))
        )
    with atomic.previous(published) as con:
        atomic.attach_building(con, published, copy=False)
        stages.reached("monitor", "refreshing the realised performance and recording the data health")
        problems = builds.after_build(con, "refresh")
        if problems and settings.fail_on_health:
            raise FeatureBuildError(
                "data health failed (FAIL_ON_HEALTH=1); the warehouse is unchanged:\n  "
                + "\n  ".join(problems)
            )
        stages.reached("publish", f"publishing the refreshed warehouse as {published}")
        atomic.publish(con, published)
    return result, problems
