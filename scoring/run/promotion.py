"""Champion and challengers put together: the gate a train run passes as it is written, `scoring promote` and
`scoring rollback`. Each decision is one row of scoring.model_aliases with its reason; scoring.latest_scores
follows the task's champion (scoring/store/warehouse.py)."""

from datetime import datetime

import duckdb

from scoring.decide.promotion import GateResult, RunEvidence, gate
from scoring.errors import ScoringError
from scoring.settings import Settings
from scoring.store import aliases, atomic, lake, warehouse
from scoring.tasks import Task, get_task


def run_evidence(con: duckdb.DuckDBPyConnection, model_run_id: str) -> RunEvidence:
    run = aliases.model_run(con, model_run_id)
    return RunEvidence(
        model_run_id,
        run["metrics"] if run else {},
        aliases.evidence(con, "realised_performance", model_run_id),
        aliases.evidence(con, "drift", model_run_id),
    )


def judge(con: duckdb.DuckDBPyConnection, task: Task, model_run_id: str, champion: str) -> GateResult:
    """The gates of `model_run_id` against the task's `champion`."""
    return gate(run_evidence(con, model_run_id), run_evidence(con, champion), task.promotion)


def gate_new_run(con: duckdb.DuckDBPyConnection, task: Task, model_run_id: str) -> str:
    """Decide, in the transaction that writes a new train run, whether it becomes the champion (a task's first
    run does; a later one when it passes the gates) or stays a challenger, whose scores are kept (shadow).
    A run scored as of a date before the champion's (a backtest) stays a challenger without the gates.
    Returns the decision in words."""
    now = datetime.now()
    current = aliases.champion(con, task.name)
    if current is None:
        aliases.record(con, task.name, aliases.CHAMPION, model_run_id, "the task's first run", now)
        return "champion: the task's first run"
    backtest = _backtest(con, model_run_id, current)
    if backtest:
        aliases.record(
            con, task.name, aliases.CHALLENGER, model_run_id, f"{backtest} (against {current})", now
        )
        return f"{aliases.CHALLENGER}: {backtest} (against {current})"
    result = judge(con, task, model_run_id, current)
    alias = aliases.CHAMPION if result.passed else aliases.CHALLENGER
    reason = f"{result.reason()} (against {current})"
    aliases.record(con, task.name, alias, model_run_id, reason, now)
    return f"{alias}: {reason}"


def _backtest(con: duckdb.DuckDBPyConnection, model_run_id: str, champion: str) -> str | None:
    """Why a new run scored as of a date before the champion's is no candidate (a backtest: its scores
    describe the past, and the champion's scores are the ones to act on now), or None."""
    new, current = aliases.model_run(con, model_run_id), aliases.model_run(con, champion)
    if new is None or current is None or new["as_of_date"] >= current["as_of_date"]:
        return None
    return (
        f"a backtest: it scored as of {new['as_of_date']}, before the champion's {current['as_of_date']}, so "
        "the champion keeps acting (`scoring promote` makes it the champion all the same)"
    )


def _train_run(con: duckdb.DuckDBPyConnection, task: str, model_run_id: str) -> dict:
    run = aliases.model_run(con, model_run_id)
    if run is None:
        raise ScoringError(
            f"No model run {model_run_id!r} in the warehouse: list them with `scoring aliases --task {task}` "
            "or `select model_run_id, task, run_kind from scoring.model_runs`"
        )
    if run["task"] != task:
        raise ScoringError(f"Run {model_run_id} belongs to the task {run['task']!r}, not {task!r}")
    if run["run_kind"] != "train":
        raise ScoringError(
            f"Run {model_run_id} is a rescore of {run['source_model_run_id']}: promote that run (its model)"
        )
    return run


def promote(settings: Settings, task_name: str, model_run_id: str, reason: str, force: bool = False) -> str:
    """Make `model_run_id` the task's champion when it passes the gates against the current one (or with
    `force`, recorded as such); the reason is recorded with the gates' numbers."""
    task = get_task(task_name)
    with atomic.run_lock(settings.warehouse, "promote"), warehouse.run_transaction(settings.warehouse) as con:
        _train_run(con, task.name, model_run_id)
        current = aliases.champion(con, task.name)
        if current == model_run_id:
            raise ScoringError(f"{model_run_id} is already the champion of {task.name}")
        verdict = "" if current is None else judge(con, task, model_run_id, current).reason()
        if current is not None and verdict.startswith("blocked") and not force:
            raise ScoringError(
                f"{model_run_id} was not promoted, {verdict}. Promote it anyway with --force (recorded)."
            )
        forced = " (forced)" if force and verdict.startswith("blocked") else ""
        recorded = f"promoted{forced}: {reason}" + (f"; {verdict} (against {current})" if verdict else "")
        aliases.record(con, task.name, aliases.CHAMPION, model_run_id, recorded, datetime.now())
    _export(settings)
    return f"{model_run_id} is the champion of {task.name}: {recorded}"


def rollback(settings: Settings, task_name: str, reason: str) -> str:
    """Make the champion before the current one the champion again, with the reason recorded."""
    task = get_task(task_name)
    with (
        atomic.run_lock(settings.warehouse, "rollback"),
        warehouse.run_transaction(settings.warehouse) as con,
    ):
        champions = aliases.history(con, task.name).filter(alias=aliases.CHAMPION)
        if champions.is_empty():
            raise ScoringError(f"{task.name} has no champion: nothing to roll back")
        current = champions["model_run_id"][-1]
        earlier = [r for r in champions["model_run_id"].to_list()[:-1] if r != current]
        if not earlier:
            raise ScoringError(f"{task.name} has had no champion before {current}: nothing to roll back to")
        previous = earlier[-1]
        recorded = f"rollback from {current}: {reason}"
        aliases.record(con, task.name, aliases.CHAMPION, previous, recorded, datetime.now())
    _export(settings)
    return f"{previous} is the champion of {task.name} again ({recorded})"


def _export(settings: Settings) -> None:
    if settings.on_spark:  # Spark's copy of the alias log, registered by the command
        lake.export_history(settings.warehouse, settings.spark_warehouse)


def alias_history(settings: Settings, task_name: str | None = None):
    """The alias rows of one task (or all), oldest first."""
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        return aliases.history(con, task_name)
