"""kill -9 at every stage of `make build-features` and `make score`: the previous marts and scores stay
complete and queryable, and the next run succeeds with no clean-up.

Each run stops itself at a named stage (SCORING_STOP_AT) and is then killed with SIGKILL, so the kill lands
at exactly that point. The runs are chained on one warehouse: every run starts on whatever the killed one
before it left behind.
"""

import duckdb
import pytest

from scoring.store.atomic import building_path, lock_path
from tests.robustness.conftest import digest, finish, health_rows, kill9, make, scoring, stop_at

# In the order a build reaches them: before the checks, inside dbt (after the first staging model, after
# the widest mart), with the new file complete and the history carried into it, just after the rename.
BUILD_STAGES = (
    "check-inputs",
    "dbt:stg_apparel__purchases",
    "dbt:apparel_features",
    "publish",
    "publish:renamed",
)
OTHER_AS_OF = "2023-11-18"
# A rescore writes its copy of the warehouse batch by batch (scoring.store.batch_writer): the copy made and
# nothing written, a batch committed and checkpointed into the copy, the scores ranked, committed but not
# renamed.
WRITE_STAGES = ("score-write", "score-write:committed", "score-write:scores", "score-publish")


def _runs(warehouse) -> list[tuple[str, int, int]]:
    """Every run with its number of scores and explanations: a half-written run would show here."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select runs.model_run_id, "
            "(select count(*) from scoring.scores s where s.model_run_id = runs.model_run_id), "
            "(select count(*) from scoring.explanations e where e.model_run_id = runs.model_run_id) "
            "from scoring.model_runs runs order by runs.created_at"
        ).fetchall()


def _part(tables: dict, schema: str) -> dict:
    return {name: value for name, value in tables.items() if name.startswith(schema + ".")}


@pytest.mark.slow
def test_kill_9_at_every_stage_of_build_features_keeps_the_warehouse_and_the_next_run_succeeds(
    published, tmp_path
):
    warehouse = published.copy_to(tmp_path / "wh")
    # Another cutoff than the published build's, so a table of a killed build that leaked into the
    # warehouse would show in its digest.
    other = {"AS_OF": OTHER_AS_OF}
    for stage in BUILD_STAGES[:-1]:
        run = make("build-features", published.data_dir, warehouse, tmp_path, SCORING_STOP_AT=stage, **other)
        stop_at(run, stage)
        kill9(run)
        assert digest(warehouse) == published.digest, f"killed at {stage}"
    # Killed just after the rename: the new build is the warehouse, whole, with the history carried over.
    run = make(
        "build-features", published.data_dir, warehouse, tmp_path, SCORING_STOP_AT="publish:renamed", **other
    )
    stop_at(run, "publish:renamed")
    kill9(run)
    renamed = digest(warehouse)
    assert _part(renamed, "main_marts") != _part(published.digest, "main_marts")
    assert _part(renamed, "scoring") == _part(published.digest, "scoring")
    assert health_rows(warehouse) > health_rows(published.warehouse)  # and its own data health
    assert building_path(warehouse).parent.exists(), "the kill left the private folder behind"
    code, out = finish(make("build-features", published.data_dir, warehouse, tmp_path, **other))
    assert code == 0, out[-3000:]
    assert digest(warehouse) == renamed  # what the killed run published is what a whole run builds
    assert not building_path(warehouse).parent.exists()
    assert not (tmp_path / "wh" / "warehouse.duckdb.wal").exists()


@pytest.mark.slow
def test_kill_9_at_every_stage_of_score_keeps_every_run_whole_and_the_next_run_succeeds(published, tmp_path):
    warehouse = published.copy_to(tmp_path / "wh")
    before = _runs(warehouse)
    # A training run (what `make score` runs once its build, whose stages the test above kills, is done):
    # killed as training starts.
    run = scoring("score", data_dir=published.data_dir, warehouse=warehouse, cwd=tmp_path,
                  SCORING_STOP_AT="score-train")  # fmt: skip
    stop_at(run, "score-train")
    kill9(run)
    assert digest(warehouse) == published.digest
    rescore = ("score", "--model-run", published.model_run_id, "--top-k", "2")
    for stage in WRITE_STAGES:
        run = scoring(
            *rescore, data_dir=published.data_dir, warehouse=warehouse, cwd=tmp_path, SCORING_STOP_AT=stage
        )
        stop_at(run, stage)
        kill9(run)
        assert digest(warehouse) == published.digest, f"killed at {stage}"
    # Killed just after the rename: the new run is published, whole.
    run = scoring(
        *rescore,
        data_dir=published.data_dir,
        warehouse=warehouse,
        cwd=tmp_path,
        SCORING_STOP_AT="publish:renamed",
    )
    stop_at(run, "publish:renamed")
    kill9(run)
    after_rename = _runs(warehouse)
    assert after_rename[:-1] == before and after_rename[-1][1:] == before[0][1:]
    code, out = finish(scoring(*rescore, data_dir=published.data_dir, warehouse=warehouse, cwd=tmp_path))
    assert code == 0, out[-3000:]
    runs = _runs(warehouse)
    assert runs[:-1] == after_rename and runs[-1][1:] == before[0][1:]
    assert not building_path(warehouse).parent.exists()
    assert lock_path(warehouse).exists()  # the lock file stays; the lock itself died with each run
