"""`scoring build-features` as `make build-features TARGET=spark` runs it (every setting from the
environment), then, once it has passed and in the same process (one JVM, one parse of the project), the
handoff: a scoring run written to a DuckDB file and exported for Spark (what `scoring score` does with
TARGET=spark after its runs), its tables registered in Spark's catalog and queried in Spark through dbt.

Run by tests/spark/conftest.py as `python -m tests.spark.build_then_handoff <duckdb file>` from the repo.
Prints one line, "HANDOFF {json}", for tests/spark/test_on_spark.py; a handoff error is printed in it, so
that the handoff's test fails and the tests of the build do not.
"""

import json
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
    try:
        main(["build-features"])
    except SystemExit as ended:  # click ends every command with one; only a failed build stops here
        if ended.code not in (0, None):
            raise
    try:
        found = handoff(Path(sys.argv[1]))
    except Exception:
        found = {"error": traceback.format_exc()}
    print("HANDOFF " + json.dumps(found), flush=True)
