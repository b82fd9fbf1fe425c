"""The `scoring score` command: a thin layer over the job."""

import shutil

import pytest
from click.testing import CliRunner

from scoring.cli import main


def test_score_help_names_the_options_and_the_tables():
    out = CliRunner().invoke(main, ["score", "--help"]).output
    for text in ("--task", "--model-run", "--top-k", "scoring.model_runs"):
        assert text in out


@pytest.mark.slow
def test_score_rescores_a_saved_model_and_prints_a_summary(job_runs, tmp_path):
    warehouse = tmp_path / "copy.duckdb"  # the shared warehouse stays as the other tests expect it
    shutil.copy(job_runs.settings.warehouse, warehouse)
    env = {"WAREHOUSE": str(warehouse), "SEED": "42"}
    args = ["score", "--model-run", job_runs.first.model_run_id, "--top-k", "2"]
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):  # reports go to ./data/reports
        run = runner.invoke(main, args, env=env, catch_exceptions=False)
    assert run.exit_code == 0
    assert "(rescore)" in run.output and "clients scored" in run.output


def test_score_without_marts_says_to_build_the_features(tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        run = runner.invoke(main, ["score"], env={"WAREHOUSE": str(tmp_path / "none.duckdb")})
    assert run.exit_code != 0
    assert "make build-features" in run.output
