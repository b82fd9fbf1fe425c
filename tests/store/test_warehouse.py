"""DuckDB I/O: a run is written in one transaction."""

import pytest

from scoring.store.warehouse import connect, read_model_run, write_run
from tests.fake_run import fake_run


def test_a_run_is_written_whole(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    write_run(warehouse, fake_run("ok"))
    assert read_model_run(warehouse, "ok")["n_scored"] == 2


def test_a_failing_run_writes_nothing(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    write_run(warehouse, fake_run("first"))
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        write_run(warehouse, fake_run("broken", clients=(1, 1)))
    with connect(warehouse, read_only=True) as con:
        runs = con.sql("select model_run_id from scoring.model_runs").fetchall()
        scores = con.sql("select count(*) from scoring.scores where model_run_id = 'broken'").fetchall()
    assert runs == [("first",)] and scores == [(0,)]


def test_reading_a_missing_warehouse_says_to_build_the_features(tmp_path):
    with (
        pytest.raises(FileNotFoundError, match="make build-features"),
        connect(tmp_path / "none.duckdb", True),
    ):
        pass
