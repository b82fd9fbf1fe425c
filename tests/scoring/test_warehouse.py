"""DuckDB I/O: a run is written in one transaction."""

from datetime import date, datetime

import polars as pl
import pytest

from scoring.warehouse import RunTables, connect, read_model_run, write_run


def _tables(run_id: str, duplicate_score: bool = False) -> RunTables:
    ids = {"task": "t", "model_run_id": run_id}
    model_run = pl.DataFrame(
        [{**ids, "run_kind": "train", "source_model_run_id": None, "status": "succeeded",
          "created_at": datetime(2024, 1, 1), "as_of_date": date(2024, 2, 16), "model_type": "xgboost",
          "parameters": "{}", "feature_list": ["a"], "metrics": "{}", "data_fingerprint": "f",
          "artifact_path": "p", "durations": "{}", "seed": 1, "n_scored": 2}],
        schema_overrides={"source_model_run_id": pl.String},
    )  # fmt: skip
    clients = [1, 1] if duplicate_score else [1, 2]
    scores = pl.DataFrame(
        {"client_id": clients, "as_of_date": [date(2024, 2, 16)] * 2, "probability": [0.2, 0.1],
         "rank": [1, 2], "decile": [1, 6], "is_out_of_fold": [True, False],
         "scored_at": [datetime(2024, 1, 1)] * 2}
    ).with_columns(**{k: pl.lit(v) for k, v in ids.items()})  # fmt: skip
    explanations = pl.DataFrame(
        {"client_id": [1], "feature": ["a"], "feature_value": ["3"], "shap_value": [0.5], "rank": [1]}
    ).with_columns(**{k: pl.lit(v) for k, v in ids.items()})
    importance = pl.DataFrame({"feature": ["a"], "mean_abs_shap": [0.5], "rank": [1]}).with_columns(
        **{k: pl.lit(v) for k, v in ids.items()}
    )
    return RunTables(model_run, scores, explanations, importance)


def test_a_run_is_written_whole(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    write_run(warehouse, _tables("ok"))
    assert read_model_run(warehouse, "ok")["n_scored"] == 2


def test_a_failing_run_writes_nothing(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    write_run(warehouse, _tables("first"))
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        write_run(warehouse, _tables("broken", duplicate_score=True))
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
