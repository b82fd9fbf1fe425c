"""Build the feature marts: find each task's raw files and run `dbt build` (models and tests) over them.

The dbt project (dbt_project/) owns every feature; this module only finds the inputs, hands their paths and
formats to dbt as `--vars`, and runs dbt in-process through `dbtRunner`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scoring import atomic, stages, warehouse
from scoring.checks import check_inputs, format_problems
from scoring.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# Accepted formats of a raw file, in order of preference when several copies of one file exist.
RAW_FORMATS: tuple[tuple[str, str], ...] = (
    ("parquet", ".parquet"),
    ("csv.gz", ".csv.gz"),
    ("csv", ".csv"),
)


@dataclass(frozen=True)
class TaskFiles:
    """The raw files of one task, by file stem (the name without its format suffix)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


# Tasks the dbt project has models for; each is also the dbt tag that selects its models.
TASKS: Mapping[str, TaskFiles] = {
    "apparel": TaskFiles(
        required=("apparel-purchases", "apparel-messages", "apparel-target_binary"),
        optional=("full_campaign_daily_event", "full_campaign_daily_event_channel"),
    ),
    "one_click": TaskFiles(required=("market_file", "market_money", "market_time", "money")),
}


# Later days of a file, each as a file of its own: <task dir>/days/YYYY-MM-DD/<stem>.<format>. A build reads
# them after the file; `scoring refresh` applies the days after the latest cutoff (scoring/refresh.py).
DAYS_DIR = "days"
DAILY_STEMS = frozenset({"apparel-messages", "apparel-purchases"})  # the files that grow by the day


@dataclass(frozen=True)
class RawFile:
    """One raw input file found on disk, with the files of its later days (oldest first), if any."""

    stem: str
    path: Path
    format: str
    days: tuple[RawFile, ...] = ()
    day: date | None = None  # for the file of one day: that day


def find_day_files(task_dir: Path, stem: str) -> tuple[RawFile, ...]:
    """The files of `stem` in the day folders of `task_dir` (days/YYYY-MM-DD/), oldest day first.

    Raises FeatureBuildError for a folder under days/ that is not named as a date.
    """
    root = task_dir / DAYS_DIR
    if stem not in DAILY_STEMS or not root.is_dir():
        return ()
    found = []
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            raise FeatureBuildError(
                f"{folder}: a day folder must be named as its day, YYYY-MM-DD (e.g. {root}/2024-02-17)"
            ) from None
        raw = find_raw_file(folder, stem)
        if raw is not None:
            found.append(dataclasses.replace(raw, day=day))
    return tuple(found)


class FeatureBuildError(RuntimeError):
    """The feature build cannot start (missing inputs) or dbt reported a failure."""


class InputCheckFailed(FeatureBuildError):
    """The raw files break their specs (scoring/checks/): nothing was built."""


def find_raw_file(task_dir: Path, stem: str) -> RawFile | None:
    """The preferred file named `stem` in `task_dir` (parquet, then csv.gz, then csv), or None."""
    for file_format, suffix in RAW_FORMATS:
        path = task_dir / f"{stem}{suffix}"
        if path.is_file():
            return RawFile(stem=stem, path=path.resolve(), format=file_format)
    return None


def discover_tasks(data_dir: Path) -> dict[str, dict[str, RawFile]]:
    """The tasks with raw files under `data_dir`, each with the files found, by stem.

    A task counts as present when any of its files exists in `data_dir/<task>/`; then all its required files
    must be there too.
    """
    tasks: dict[str, dict[str, RawFile]] = {}
    for task, files in TASKS.items():
        task_dir = data_dir / task
        found = {
            stem: dataclasses.replace(raw, days=find_day_files(task_dir, stem))
            for stem in files.required + files.optional
            if (raw := find_raw_file(task_dir, stem)) is not None
        }
        if not found:
            continue
        missing = [stem for stem in files.required if stem not in found]
        if missing:
            suffixes = ", ".join(suffix for _, suffix in RAW_FORMATS)
            raise FeatureBuildError(
                f"{task_dir}: missing {', '.join(missing)} (looked for {suffixes}). "
                f"Put the files there or run `scoring generate {task} --out {task_dir}`."
            )
        tasks[task] = found
    return tasks


def dbt_vars(tasks: Mapping[str, Mapping[str, RawFile]], as_of: date | str | None = None) -> dict:
    """The `--vars` of a build: the raw files found and, when given, the cutoff date."""
    variables: dict = {
        "raw_files": {
            task: {stem: raw_file_var(raw) for stem, raw in files.items()} for task, files in tasks.items()
        }
    }
    if as_of:
        variables["as_of_date"] = date.fromisoformat(str(as_of)).isoformat()
    return variables


def raw_file_var(raw: RawFile) -> dict:
    """A raw file as dbt's var raw_files has it: {path, format} and, when it has day files, their list."""
    entry: dict = {"path": raw.path.as_posix(), "format": raw.format}
    if raw.days:
        entry["days"] = [raw_file_var(day) for day in raw.days]
    return entry


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of a block (profiles.yml reads them), then restore."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _release_dbt_resources() -> None:
    """Close the log file and the DuckDB connection (or Spark session) dbt keeps open in-process after a run.

    Otherwise the warehouse stays open with dbt's settings, and the next connection in this process (the
    scoring job, a test) fails with "different configuration than existing connections"; a Spark session
    left running would hold its memory and serve the next build with this one's warehouse directory.
    """
    from dbt_common.events.event_manager_client import cleanup_event_logger, get_event_manager

    for dbt_logger in get_event_manager().loggers:  # dbt.log stays open after an in-process run
        for handler in logging.getLogger(dbt_logger.name).handlers:
            handler.close()
    cleanup_event_logger()
    if "pyspark" in sys.modules:  # only a spark build imports it
        from pyspark import SparkContext

        context = SparkContext._active_spark_context  # dbt started it in one of its threads
        if context is not None:
            context.stop()
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


MEMORY_PER_RAW_BYTE = 0.85  # DuckDB's working memory, as a share of the raw inputs' size, before it spills
MEMORY_FLOOR_MB = 1200  # small inputs: enough for dbt's joins without spilling
MEMORY_CEILING_SHARE = 0.6  # never more than this share of the machine's memory


def memory_limit(tasks: Mapping[str, Mapping[str, RawFile]]) -> str:
    """DuckDB's memory limit for a build: it follows the size of the raw files.

    A fixed limit sized for the real data (scale 1, ~1.5 GB of CSV, peak under 2 GB) makes larger inputs
    spill to disk and the build time grow faster than the data; this keeps the growth linear while the
    machine has memory, and spills only beyond MEMORY_CEILING_SHARE of it. DUCKDB_MEMORY_LIMIT overrides it.
    Day folders (RawFile.days) do not count: a day is small beside the history, and a limit that moved with
    every day would change dbt's profile, which makes dbt parse the whole project again (see run_dbt).
    """
    raw_bytes = sum(raw.path.stat().st_size for files in tasks.values() for raw in files.values())
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    wanted = max(MEMORY_FLOOR_MB, MEMORY_PER_RAW_BYTE * raw_bytes / 2**20)
    return f"{int(min(wanted, MEMORY_CEILING_SHARE * total_mb))}MB"


def require_tasks(data_dir: Path) -> dict[str, dict[str, RawFile]]:
    """The tasks found under `data_dir` (discover_tasks); an error when there is none."""
    tasks = discover_tasks(data_dir)
    if not tasks:
        expected = ", ".join(f"{task}/{files.required[0]}.csv" for task, files in TASKS.items())
        raise FeatureBuildError(f"No raw files under {data_dir} (expected e.g. {expected}).")
    return tasks


def _mark_finished_nodes(event) -> None:
    """dbt callback: each model or test that finishes is a stage (`dbt:<name>`) a test can stop a run at."""
    if event.info.name == "NodeFinished":
        stages.reached(f"dbt:{event.data.node_info.node_name}")


def preload_dbt() -> None:
    """Import dbt (1.2-1.6 s of Python) in the background while a run checks its inputs or copies the
    warehouse: both wait on DuckDB or the disk, which release the interpreter. run_dbt's own import then
    finds the module loaded, or waits for it under Python's import lock. (Importing the DuckDB adapter too
    gained nothing: dbt's adapter registration is not its import.)"""
    threading.Thread(
        target=importlib.import_module, args=("dbt.cli.main",), name="import-dbt", daemon=True
    ).start()


RUN_VARS = "SCORING_RUN_VARS"  # read by the dbt macro run_var (dbt_project/macros/run_var.sql)


def run_dbt(
    settings: Settings,
    args: list[str],
    tasks: Mapping[str, Mapping[str, RawFile]] | None = None,
    extra_vars: Mapping[str, object] | None = None,
    run_vars: Mapping[str, object] | None = None,
):
    """Run one dbt command in-process against the project, warehouse and raw files of `settings`.

    `extra_vars` override the project's vars (e.g. training_cutoff_count) for this command only, as --vars.
    What changes every run (the raw files found, the cutoff, and `run_vars`: a refresh's dates and files)
    goes in the environment instead (SCORING_RUN_VARS, read by the macro run_var at execution), so that
    dbt's parse of the project does not depend on it and is reused from run to run (partial parsing).

    Returns dbt's result; raises FeatureBuildError when dbt could not run at all.
    """
    from dbt.cli.main import dbtRunner

    data_dir = Path(settings.data_dir)
    warehouse_file = Path(settings.warehouse).resolve()
    project_dir = Path(settings.project_dir)
    if not project_dir.is_absolute():
        project_dir = DBT_PROJECT_DIR.parent / project_dir
    if tasks is None:
        tasks = discover_tasks(data_dir)
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    full = [
        *args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target", settings.target,
        *(["--vars", json.dumps(dict(extra_vars))] if extra_vars else []),
    ]  # fmt: skip
    limits = {} if os.environ.get("DUCKDB_MEMORY_LIMIT") else {"DUCKDB_MEMORY_LIMIT": memory_limit(tasks)}
    paths = {
        RUN_VARS: json.dumps({**dbt_vars(tasks, settings.as_of), **(run_vars or {})}),
        "WAREHOUSE": str(warehouse_file),
        "SPARK_WAREHOUSE": str(Path(settings.spark_warehouse).resolve()),
        "DATA_DIR": str(data_dir.resolve()),
    }
    with _environment(**paths, **limits):
        try:
            result = dbtRunner(callbacks=[_mark_finished_nodes]).invoke(full)
        finally:
            _release_dbt_resources()
    if result.exception is not None:
        raise FeatureBuildError(f"dbt {args[0]} could not run: {result.exception}") from result.exception
    return result


def build_features(
    settings: Settings,
    select: str | None = None,
    target_path: Path | None = None,
    extra_vars: Mapping[str, object] | None = None,
) -> None:
    """Check the raw files, then run `dbt build` (models, unit and data tests) for every task with raw files
    under settings.data_dir into a new file, and publish it as the warehouse only when all of it passed.

    Uses settings.data_dir, .warehouse, .as_of (the latest cutoff; None is the last day of the data),
    .target (the dbt target) and .project_dir. `select` replaces the default selection (every model of
    the tasks found) with a dbt selector; the build starts from an empty file, so a selection must include
    what its models read (e.g. `+model`). `target_path` moves dbt's artifacts (manifest, compiled SQL) out
    of dbt_project/target; `extra_vars` override project vars for this build. The scoring.* tables (the
    run history) are carried over from the previous warehouse. Raises InputCheckFailed when the raw files
    break their specs, FeatureBuildError when inputs are missing or a model or test fails, and
    atomic.WarehouseBusy when another run holds the warehouse; in every case the warehouse is unchanged.
    On a Spark target (settings.on_spark) dbt builds Spark's tables in settings.spark_warehouse instead,
    under the same lock (_build_on_spark).
    """
    tasks = require_tasks(Path(settings.data_dir))
    # --full-refresh: every cutoff of the spine, whatever the target holds (Spark's tables outlive a build;
    # a DuckDB build starts from an empty file anyway). Only `scoring refresh` runs the models incrementally.
    args = ["build", "--full-refresh", "--select", select or " ".join(f"tag:{task}" for task in tasks)]
    if target_path is not None:
        args += ["--target-path", str(Path(target_path).resolve())]
    published = Path(settings.warehouse).resolve()
    with atomic.run_lock(published, "build-features"):
        preload_dbt()
        stages.reached("check-inputs", f"checking the raw files under {settings.data_dir}")
        problems = check_inputs(tasks)
        if problems:
            raise InputCheckFailed(format_problems(problems))
        if settings.on_spark:
            _build_on_spark(settings, args, tasks, extra_vars)
            return
        try:
            _build_and_publish(settings, published, args, tasks, extra_vars)
        except BaseException:
            atomic.remove_building(published)
            raise
        stages.reached("published", f"published {published}")


def _build_and_publish(settings, published: Path, args, tasks, extra_vars) -> None:
    building = atomic.new_building(published)
    stages.reached("dbt-build", "building and testing the features (dbt build) in a new file")
    result = run_dbt(dataclasses.replace(settings, warehouse=building), args, tasks, extra_vars)
    if not result.success:
        raise FeatureBuildError(
            "dbt build failed; the warehouse is unchanged:\n  " + "\n  ".join(_failures(result))
        )
    stages.reached("carry-history", "carrying the scoring history over to the new build")
    with atomic.previous(published) as con:
        atomic.attach_building(con, published, copy=False)
        warehouse.carry_history(con)
        stages.reached("publish", f"publishing the new build as {published}")
        atomic.publish(con, published)


def _build_on_spark(settings, args, tasks, extra_vars) -> None:
    """The build on Spark (TARGET=spark): its tables live in settings.spark_warehouse and the DuckDB
    warehouse is not touched; the run lock still held around it keeps a score run from reading marts that
    are being rebuilt. Spark replaces each model's table as dbt builds it, so there is no copy to publish:
    after a failure the models that ran are rebuilt and the others are as they were."""
    stages.reached("dbt-build", "building and testing the features (dbt build) on Spark")
    result = run_dbt(settings, args, tasks, extra_vars)
    if not result.success:
        raise FeatureBuildError(
            f"dbt build on Spark ({settings.spark_warehouse}) failed:\n  " + "\n  ".join(_failures(result))
        )


def _failures(result) -> list[str]:
    failed = [
        f"{node.node.unique_id} ({node.status}): {node.message}"
        for node in (result.result or [])
        if str(node.status) in {"error", "fail", "runtime error"}
    ]
    return failed or ["see the dbt log above"]


def register_scoring_tables(settings: Settings) -> dict[str, str]:
    """Declare the scoring job's Parquet outputs as tables in Spark's catalog (TARGET=spark): {table: folder}.

    Runs the dbt operation register_scoring_tables on the spark target; the catalog is the metastore the
    Spark build uses, so the scoring tables sit beside the marts.
    """
    from scoring.lake import scoring_tables

    tables = scoring_tables(settings.spark_warehouse)
    if not tables:
        return tables
    args = ["run-operation", "register_scoring_tables", "--args", json.dumps({"tables": tables})]
    result = run_dbt(settings, args, tasks={})
    if not result.success:
        raise FeatureBuildError("dbt run-operation register_scoring_tables failed: see the dbt log above")
    return tables
