"""Queries during a run see the previous complete warehouse; a second run, or a run facing a session that
writes the warehouse, stops with a message that names the holder and what to do; a failed build changes
nothing."""

import subprocess
import sys
import textwrap

import pytest

from scoring.build.full_build import build_features
from scoring.errors import FeatureBuildError
from scoring.settings import Settings
from scoring.store.atomic import run_lock
from tests.robustness.conftest import VENV, digest, finish, kill9, make, scoring, stop_at
from tests.warehouses import query

READER = textwrap.dedent(
    """
    import sys, duckdb
    def runs(con):
        return con.execute("select count(*) from scoring.model_runs").fetchall()[0][0]
    held = duckdb.connect(sys.argv[1], read_only=True)
    print("open", runs(held), flush=True)
    sys.stdin.readline()  # a run publishes meanwhile
    print("same connection", runs(held), flush=True)
    held.close()
    with duckdb.connect(sys.argv[1], read_only=True) as fresh:
        print("new connection", runs(fresh), flush=True)
    """
)


@pytest.mark.slow
def test_a_second_run_stops_with_the_holder_while_queries_see_the_previous_warehouse(published, tmp_path):
    warehouse = published.copy_to(tmp_path / "wh")
    holder = make("build-features", published.data_dir, warehouse, tmp_path, SCORING_STOP_AT="dbt-build")
    try:
        stop_at(holder, "dbt-build")
        for args in (("build-features",), ("score", "--model-run", published.model_run_id), ("docs",)):
            code, out = finish(scoring(*args, data_dir=published.data_dir, warehouse=warehouse, cwd=tmp_path))
            assert code == 1
            assert f"{warehouse} is held by a run (pid " in out and "scoring build-features, started" in out
            assert "Wait for it to finish and run again, or stop it (kill <pid>)" in out
        shell = subprocess.run(
            [str(VENV / "bin" / "duckdb"), "-readonly", "-csv", str(warehouse),
             "-c", "select count(*) from scoring.latest_scores"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert shell.returncode == 0, shell.stderr
        latest = query(published.warehouse, "select count(*) as n from scoring.latest_scores")["n"][0]
        assert int(shell.stdout.split()[-1]) == latest
    finally:
        kill9(holder)
    assert digest(warehouse) == published.digest


@pytest.mark.slow
def test_a_reader_keeps_its_snapshot_through_a_publish_and_sees_the_new_run_on_reconnecting(
    published, tmp_path
):
    warehouse = published.copy_to(tmp_path / "wh")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["open", "1"]
        run = scoring(
            "score", "--model-run", published.model_run_id, data_dir=published.data_dir, warehouse=warehouse,
            cwd=tmp_path,
        )  # fmt: skip
        code, out = finish(run)
        assert code == 0, out[-3000:]  # the open reader did not block the run
        out, _ = reader.communicate("\n", timeout=60)
    finally:
        reader.kill()
    assert out.splitlines() == ["same connection 1", "new connection 2"]


@pytest.mark.slow
def test_a_session_writing_the_warehouse_makes_a_run_stop_with_what_to_do(published, tmp_path):
    warehouse = published.copy_to(tmp_path / "wh")
    writer = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); print('open', "
         "flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "open"
        run = scoring(
            "score", "--model-run", published.model_run_id, data_dir=published.data_dir, warehouse=warehouse,
            cwd=tmp_path,
        )  # fmt: skip
        code, out = finish(run)
    finally:
        writer.communicate("\n", timeout=60)
    assert code == 1
    assert "is open for writing in another session" in out and f"PID {writer.pid}" in out
    assert "duckdb -readonly" in out
    assert digest(warehouse) == published.digest


def test_the_run_lock_is_exclusive_and_released_when_the_run_ends(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with run_lock(warehouse, "score"):
        probe = subprocess.run(
            [sys.executable, "-c", "from scoring.store.atomic import run_lock; import sys; "
             f"run_lock({str(warehouse)!r}, 'build-features').__enter__()"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert (
            probe.returncode != 0
            and "is held by a run (pid" in probe.stderr
            and "scoring score" in probe.stderr
        )
    with run_lock(warehouse, "build-features"):
        pass


@pytest.mark.slow
def test_a_failing_dbt_build_leaves_the_warehouse_and_no_build_files(published, tmp_path):
    warehouse = published.copy_to(tmp_path / "wh")
    settings = Settings(data_dir=published.data_dir, warehouse=warehouse)
    with pytest.raises(FeatureBuildError, match="dbt build failed; the warehouse is unchanged"):
        # a label window no model can compute: dbt fails after the staging models were built
        build_features(settings, target_path=tmp_path / "target", extra_vars={"label_horizon_days": "soon"})
    assert digest(warehouse) == published.digest
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.lock"]
