"""The digest that checks a refactor kept the job's output: the same rows give the same digest whatever the
run ids and wall-clock columns; another value gives another digest."""

import dataclasses
from datetime import datetime

import polars as pl

from benchmarks.digest import digests
from scoring.store import warehouse
from tests.fake_run import fake_run


def _warehouse(path, run_id: str, created: datetime, probability_scale: float = 1.0):
    tables = fake_run(run_id, task="purchase_90d", clients=(1, 2, 3))
    scores = tables.scores.with_columns(
        probability=pl.col("probability") * probability_scale, scored_at=pl.lit(created)
    )
    model_run = tables.model_run.with_columns(
        created_at=pl.lit(created), durations=pl.lit('{"train": 1.5}'), artifact_path=pl.lit(f"m/{run_id}")
    )
    warehouse.write_run(path, dataclasses.replace(tables, model_run=model_run, scores=scores))
    return path


def test_run_ids_and_wall_clock_columns_leave_the_digest_unchanged_and_a_value_changes_it(tmp_path):
    first = digests(
        _warehouse(tmp_path / "a.duckdb", "purchase_90d-20240101T080000-aaaaaa", datetime(2024, 1, 1))
    )
    again = digests(
        _warehouse(tmp_path / "b.duckdb", "purchase_90d-20260101T090000-bbbbbb", datetime(2026, 1, 1))
    )
    other = digests(_warehouse(tmp_path / "c.duckdb", "purchase_90d-x", datetime(2024, 1, 1), 0.5))
    assert first["scores"][0] == 3 and first == again
    assert other["scores"] != first["scores"] and other["model_runs"] == first["model_runs"]
