"""The full build: check the raw files, run `dbt build` (every model and test) into a new file, and publish
it as the warehouse only when all of it passed (scoring.store.atomic); on Spark, build Spark's tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from scoring import stages
from scoring.build.checks import check_inputs, format_problems
from scoring.build.dbt import failures, preload_dbt, run_dbt
from scoring.build.raw_files import require_data_sets
from scoring.errors import FeatureBuildError, InputCheckFailed
from scoring.monitor import builds, health
from scoring.settings import Settings
from scoring.store import atomic, warehouse


def build_features(
    settings: Settings,
    target_path: Path | None = None,
    extra_vars: Mapping[str, object] | None = None,
) -> list[str]:
    """Check the raw files, then run `dbt build` (models and data tests) for every task with raw files
    under settings.data_dir into a new file, and publish it as the warehouse only when all of it passed.

    Uses settings.data_dir, .warehouse, .as_of (the latest cutoff; None is the last day of the data),
    .target (the dbt target) and .project_dir; the build selects every model of the tasks found.
    `target_path` moves dbt's artifacts (manifest, compiled SQL) out of dbt_project/target; `extra_vars`
    override project vars for this build. The scoring.* tables (the run history) are carried over from the
    previous warehouse. Raises InputCheckFailed when the raw files
    break their specs, FeatureBuildError when inputs are missing or a model or test fails, and
    atomic.WarehouseBusy when another run holds the warehouse; in every case the warehouse is unchanged.
    On a Spark target (settings.on_spark) dbt builds Spark's tables in settings.spark_warehouse instead,
    under the same lock (_build_on_spark).

    Before publishing, the realised performance of past runs is refreshed and the raw sources' health is
    appended to scoring.data_health (scoring.monitor); returns the health problems found, for the caller to
    warn about (with settings.fail_on_health their dbt test fails the build instead).
    """
    tasks = require_data_sets(Path(settings.data_dir))
    # --full-refresh: every cutoff of the spine, whatever the target holds (Spark's tables outlive a build;
    # a DuckDB build starts from an empty file anyway). Only `scoring refresh` runs the models incrementally.
    # No dbt unit tests: their input rows are fixed in the project, so they prove the SQL, not the data, and
    # run with the project's tests (tests/dbt/test_unit_tests.py), as dbt advises; they were a fifth of the
    # time of a small build.
    args = ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]
    args += ["--select", " ".join(f"tag:{task}" for task in tasks)]
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
            return []
        try:
            problems = _build_and_publish(settings, published, args, tasks, extra_vars)
        except BaseException:
            atomic.remove_building(published)
            raise
        stages.reached("published", f"published {published}")
        return problems


def _build_and_publish(settings, published: Path, args, tasks, extra_vars) -> list[str]:
    """Build into a new file and publish it; returns the data-health problems found (warnings)."""
    atomic.new_building(published)
    # The run history first: the models over the `scoring` source (apparel_realised_labels) read it.
    stages.reached("carry-history", "carrying the scoring history over to the new build")
    with atomic.previous(published) as con:
        atomic.attach_building(con, published, copy=False)
        warehouse.carry_history(con)
    stages.reached("dbt-build", "building and testing the features (dbt build) in a new file")
    result = run_dbt(
        dataclasses.replace(settings, warehouse=atomic.building_path(published)), args, tasks, extra_vars
    )
    if not result.success:
        raise FeatureBuildError(
            "dbt build failed; the warehouse is unchanged:\n  "
            + "\n  ".join([*failures(result), *_health_failures(published)])
        )
    with atomic.previous(published) as con:
        atomic.attach_building(con, published, copy=False)
        stages.reached("monitor", "refreshing the realised performance and recording the data health")
        found = builds.after_build(con, "build")
        stages.reached("publish", f"publishing the new build as {published}")
        atomic.publish(con, published)
    return found


def _health_failures(published: Path) -> list[str]:
    """The data-health problems of a failed build's file, said in words (what its failed test found)."""
    building = atomic.building_path(published)
    if not building.exists():
        return []
    with atomic.previous(published) as con:
        atomic.attach_building(con, published, copy=False)
        found = health.problems(health.measured(con, "building"))
        con.execute("detach building")
    return [f"data health: {problem}" for problem in found]


def _build_on_spark(settings, args, tasks, extra_vars) -> None:
    """The build on Spark (TARGET=spark): its tables live in settings.spark_warehouse and the DuckDB
    warehouse is not touched; the run lock still held around it keeps a score run from reading marts that
    are being rebuilt. Spark replaces each model's table as dbt builds it, so there is no copy to publish:
    after a failure the models that ran are rebuilt and the others are as they were."""
    stages.reached("dbt-build", "building and testing the features (dbt build) on Spark")
    result = run_dbt(settings, args, tasks, extra_vars)
    if not result.success:
        raise FeatureBuildError(
            f"dbt build on Spark ({settings.spark_warehouse}) failed:\n  " + "\n  ".join(failures(result))
        )
