"""`scoring build-features` as `make build-features TARGET=spark` runs it (every setting from the
environment), then, once it has passed and in the same process (one JVM, one parse of the project), the
handoff: a scoring run written to a DuckDB file and exported for Spark (what `scoring score` does with
TARGET=spark after its runs), its tables registered in Spark's catalog and queried in Spark through dbt.

One difference from a user's build: dbt's built-in generic tests (not_null, unique, accepted_values,
relationships: 175 of the 201 data tests) are left out (BUILT_IN_TESTS). Their SQL is dbt's own, which
dbt-spark's own tests run on Spark; the data they check here are Spark's marts, which test_on_spark.py proves
equal to DuckDB's row by row; and the DuckDB build of the same files in that module runs every one of them.
Every model runs, and every test whose SQL is this project's (unique_combination_of_columns,
expression_is_true with the data-health tests, the singular tests). Each Spark statement costs about half a
second of planning on tiny data: the left-out tests were 80 of the build's 230 CPU seconds.

Run by tests/spark/conftest.py as `python -m tests.spark.build_then_handoff <duckdb file>` from the repo.
Prints one line, "HANDOFF {json}", for tests/spark/test_on_spark.py; a handoff error is printed in it, so
that the handoff's test fails and the tests of the build do not.
"""

import json
import os
import shutil
import sys
import traceback
from pathlib import Path

from scoring.build.dbt import register_scoring_tables, run_dbt
from scoring.cli import main
from scoring.settings import Settings
from scoring.store import lake, warehouse
from tests.fake_run import fake_run

# The latest scores joined to their run, both read from the registered scoring tables.
QUERY = (
    "select latest.task, count(*) as n, max(runs.feature_list[0]) as feature "
    "from scoring.latest_scores as latest "
    "inner join scoring.model_runs as runs on latest.model_run_id = runs.model_run_id "
    "group by latest.task"
)


BUILD_RESULTS = "build_run_results.json"  # the build's run_results.json, kept in dbt's target folder
BUILT_IN_TESTS = ("not_null", "unique", "accepted_values", "relationships")


def without_built_in_tests(invoke):
    """dbtRunner.invoke, with `dbt build` leaving out dbt's built-in generic tests."""

    def invoke_build(self, args, **kwargs):
        if args[:1] == ["build"]:
            args = [*args, "--exclude", *(f"test_name:{name}" for name in BUILT_IN_TESTS)]
        return invoke(self, args, **kwargs)

    return invoke_build


def handoff(duckdb_file: Path) -> dict:
    settings = Settings.from_env()
    warehouse.write_run(duckdb_file, fake_run("run-1", task="purchase_90d", clients=(1, 2, 3)))
    exported = lake.export_run(duckdb_file, settings.spark_warehouse, "run-1")
    registered = register_scoring_tables(settings)
    shown = run_dbt(settings, ["show", "--inline", QUERY, "--limit", "100"], tasks={})
    rows = [[str(value) for value in row.values()] for row in shown.result.results[0].agate_table.rows]
    return {
        "exported": {name: str(path) for name, path in exported.items()},
        "registered": sorted(registered),
        "rows": rows,
    }


if __name__ == "__main__":
    from dbt.cli.main import dbtRunner

    dbtRunner.invoke = without_built_in_tests(dbtRunner.invoke)
    try:
        main(["build-features"])
    except SystemExit as ended:  # click ends every command with one; only a failed build stops here
        if ended.code not in (0, None):
            raise
    # the build's results, before the handoff's dbt commands write theirs in the same target folder
    results = Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json"
    shutil.copyfile(results, results.with_name(BUILD_RESULTS))
    try:
        found = handoff(Path(sys.argv[1]))
    except Exception:
        found = {"error": traceback.format_exc()}
    print("HANDOFF " + json.dumps(found), flush=True)
