"""What every build and refresh does for monitoring, in the copy of the warehouse it is about to publish."""

from __future__ import annotations

import duckdb

from scoring.monitor import health, realised
from scoring.store.warehouse import SCHEMA_SQL
from scoring.tasks import TASKS


def after_build(con: duckdb.DuckDBPyConnection, build_kind: str) -> list[str]:
    """In the copy attached as `building`, in one transaction: refresh the realised performance of past runs
    (their outcomes may have arrived with this build's data) and append this build's data health; returns
    the health problems (sentences), for the build to warn about or fail on."""
    con.execute("use building")
    con.execute("begin transaction")
    con.execute(SCHEMA_SQL)
    realised.refresh(con, list(TASKS.values()), "building.")
    recorded = health.record(con, "building", build_kind)
    con.execute("commit")
    return health.problems(recorded)
