"""The dbt runner: dbt commands run in-process (dbtRunner) against the project, the warehouse and the raw
files found (scoring.build.raw_files), with the per-run values in the environment so dbt reuses its parse.

The dbt project (dbt_project/) owns every feature; this module only hands it the inputs' paths and formats
and runs it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from scoring import stages
from scoring.build.raw_files import RawFile, discover_data_sets
from scoring.errors import FeatureBuildError
from scoring.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


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


def release_dbt_resources() -> None:
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
    machine has memory, and spills only beyond MEMORY_CEILING_SHARE of it. DUCKDB_MEMORY_LIMIT
    (Settings.duckdb_memory_limit) overrides it.
    Day folders (RawFile.days) do not count: a day is small beside the history, and a limit that moved with
    every day would change dbt's profile, which makes dbt parse the whole project again (see run_dbt).
    """
    raw_bytes = sum(raw.path.stat().st_size for files in tasks.values() for raw in files.values())
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    wanted = max(MEMORY_FLOOR_MB, MEMORY_PER_RAW_BYTE * raw_bytes / 2**20)
    return f"{int(min(wanted, MEMORY_CEILING_SHARE * total_mb))}MB"


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
FAIL_ON_HEALTH = "SCORING_FAIL_ON_HEALTH"  # read by the data-health tests' severity


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
        tasks = discover_data_sets(data_dir)
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    full = [
        *args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target", settings.target,
        *(["--vars", json.dumps(dict(extra_vars))] if extra_vars else []),
    ]  # fmt: skip
    limits = {
        "DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit or memory_limit(tasks),
        # the severity of the data-health tests (models/marts/*/_*__models.yml: *_source_health)
        FAIL_ON_HEALTH: "1" if settings.fail_on_health else "0",
    }
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
            release_dbt_resources()
    if result.exception is not None:
        raise FeatureBuildError(f"dbt {args[0]} could not run: {result.exception}") from result.exception
    return result


def failures(result) -> list[str]:
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
    from scoring.store.lake import scoring_tables

    tables = scoring_tables(settings.spark_warehouse)
    if not tables:
        return tables
    args = ["run-operation", "register_scoring_tables", "--args", json.dumps({"tables": tables})]
    result = run_dbt(settings, args, tasks={})
    if not result.success:
        raise FeatureBuildError("dbt run-operation register_scoring_tables failed: see the dbt log above")
    return tables
