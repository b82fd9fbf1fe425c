"""Champion and challengers on the shared job's runs (a copy of its warehouse per test): the first run is the
champion, every later train run is judged, the gates block a worse model, a rollback restores the old
champion, and scoring.latest_scores follows the champion (its rescores included)."""

import dataclasses
import shutil
from datetime import date, datetime

import polars as pl
import pytest

from scoring.errors import ScoringError
from scoring.run.promotion import alias_history, gate_new_run, promote, rollback
from scoring.store import aliases
from scoring.store.warehouse import connect, run_transaction, write_run
from tests.fake_run import fake_run
from tests.synthetic import make_settings, read

pytestmark = pytest.mark.slow

REALISED = """
create table if not exists scoring.realised_performance (
    task varchar, model_run_id varchar, as_of_date date, window_end date, population varchar,
    clients integer, positives integer, roc_auc double, average_precision double, lift_at_10pct double,
    brier double, ece double, computed_at timestamp
)"""
DRIFT = """
create table if not exists scoring.drift (
    task varchar, model_run_id varchar, reference_kind varchar, reference_run_id varchar, feature varchar,
    psi double, js_distance double, threshold double, is_drifted boolean, computed_at timestamp
)"""


@pytest.fixture
def runs(job_runs, tmp_path):
    """The job's settings on a copy of its warehouse, its current champion and the other train run."""
    settings = dataclasses.replace(job_runs.settings, warehouse=tmp_path / "warehouse.duckdb")
    shutil.copy(job_runs.settings.warehouse, settings.warehouse)
    with connect(settings.warehouse, read_only=True) as con:
        champion = aliases.champion(con, job_runs.first.task)
    other = ({job_runs.first.model_run_id, job_runs.second.model_run_id} - {champion}).pop()
    return settings, champion, other


def _realised(settings, rows: list[tuple[str, float, float]]) -> None:
    """Rows of scoring.realised_performance (issue 16's contract) on one window: (run, roc_auc, ece)."""
    with connect(settings.warehouse) as con:
        con.execute(REALISED)
        for run_id, auc, ece in rows:
            con.execute(
                "insert into scoring.realised_performance values "
                "('purchase_test', ?, ?, ?, 'scored', 900, 90, ?, 0.3, 3.0, 0.08, ?, ?)",
                [run_id, date(2024, 2, 16), date(2024, 5, 16), auc, ece, datetime(2024, 5, 20)],
            )


def _acting_run(settings) -> str:
    return read(settings, "select distinct model_run_id from scoring.latest_scores")["model_run_id"].item()


def test_a_tasks_first_run_is_its_champion_and_every_later_train_run_is_judged(job_runs):
    history = alias_history(job_runs.settings, job_runs.first.task)
    assert history.row(0, named=True) | {"set_at": None} == {
        "task": job_runs.first.task, "alias": "champion", "model_run_id": job_runs.first.model_run_id,
        "set_at": None, "reason": "the task's first run",
    }  # fmt: skip
    second = history.filter(pl.col("model_run_id") == job_runs.second.model_run_id).row(0, named=True)
    assert second["alias"] in ("champion", "challenger")
    assert "ROC-AUC out of time" in second["reason"] and "calibration error" in second["reason"]
    assert (
        job_runs.rescored.model_run_id not in history["model_run_id"].to_list()
    )  # a rescore is no candidate
    assert any(note.startswith("champion: the task's first run") for note in job_runs.first.notes)


def test_latest_scores_follows_the_champion_and_the_rescores_of_its_model(job_runs, runs):
    settings, champion, other = runs
    # the rescore of the first run's model is the latest run: it acts whenever the first run is the champion
    expected = job_runs.rescored.model_run_id if champion == job_runs.first.model_run_id else champion
    assert _acting_run(settings) == expected
    _realised(settings, [(champion, 0.75, 0.01), (other, 0.80, 0.01)])
    promote(settings, job_runs.first.task, other, "better on the realised window")
    expected = job_runs.rescored.model_run_id if other == job_runs.first.model_run_id else other
    assert _acting_run(settings) == expected
    latest = read(settings, "select client_id, probability from scoring.latest_scores order by client_id")
    acting = read(settings, "select client_id, probability from scoring.scores where model_run_id = ? "
                  "order by client_id", [expected])  # fmt: skip
    assert latest.equals(acting)


def test_the_gates_block_a_worse_model_and_force_is_recorded(runs):
    settings, champion, other = runs
    _realised(settings, [(champion, 0.80, 0.01), (other, 0.70, 0.01)])
    before = _acting_run(settings)
    with pytest.raises(
        ScoringError, match=r"blocked by the gates: ROC-AUC realised .* 0\.7000 against .* 0\.8000"
    ):
        promote(settings, "purchase_test", other, "try")
    assert _acting_run(settings) == before
    with connect(settings.warehouse, read_only=True) as con:
        assert aliases.champion(con, "purchase_test") == champion
    promote(settings, "purchase_test", other, "the business asked for it", force=True)
    last = alias_history(settings, "purchase_test").row(-1, named=True)
    assert (last["alias"], last["model_run_id"]) == ("champion", other)
    assert last["reason"].startswith("promoted (forced): the business asked for it; blocked by the gates")


def test_a_rollback_restores_the_old_champion_and_its_scores(runs):
    settings, champion, other = runs
    before = _acting_run(settings)
    _realised(settings, [(champion, 0.75, 0.01), (other, 0.76, 0.01)])
    promote(settings, "purchase_test", other, "better")
    assert _acting_run(settings) != before
    message = rollback(settings, "purchase_test", "complaints from the CRM team")
    assert message.startswith(f"{champion} is the champion of purchase_test again")
    assert _acting_run(settings) == before
    last = alias_history(settings, "purchase_test").row(-1, named=True)
    assert last["reason"] == f"rollback from {other}: complaints from the CRM team"


def test_a_new_run_with_severe_drift_stays_a_challenger(test_task, runs):
    settings, champion, other = runs
    with run_transaction(settings.warehouse) as con:
        con.execute(DRIFT)
        # the run's own drift rows (issue 16's monitoring writes them), replaced by a severe one
        con.execute("delete from scoring.drift where model_run_id = ?", [other])
        con.execute(
            "insert into scoring.drift (task, model_run_id, reference_kind, reference_run_id, feature, psi, "
            "js_distance, threshold, is_drifted, computed_at) values "
            "('purchase_test', ?, 'training', ?, 'probability', 0.6, 0.3, 0.2, true, now())",
            [other, other],
        )
        decision = gate_new_run(con, test_task, other)
    assert decision.startswith("challenger: blocked by the gates") and "score PSI 0.600" in decision
    with connect(settings.warehouse, read_only=True) as con:
        assert aliases.champion(con, "purchase_test") == champion


def test_a_backtest_scored_before_the_champions_date_stays_a_challenger_whatever_its_gates(
    test_task, tmp_path
):
    settings = make_settings(tmp_path)
    write_run(settings.warehouse, fake_run("now", task=test_task.name),
              then=lambda con: gate_new_run(con, test_task, "now"))  # fmt: skip
    past = fake_run("past", task=test_task.name, as_of=date(2023, 11, 18))
    decisions = []
    write_run(
        settings.warehouse, past, then=lambda con: decisions.append(gate_new_run(con, test_task, "past"))
    )
    assert decisions[0].startswith(
        "challenger: a backtest: it scored as of 2023-11-18, before the champion's"
    )
    assert _acting_run(settings) == "now"


def test_promoting_the_champion_a_rescore_or_an_unknown_run_says_what_to_do(job_runs, runs):
    settings, champion, _ = runs
    with pytest.raises(ScoringError, match="already the champion"):
        promote(settings, "purchase_test", champion, "again")
    with pytest.raises(ScoringError, match="is a rescore of"):
        promote(settings, "purchase_test", job_runs.rescored.model_run_id, "rescore")
    with pytest.raises(ScoringError, match="No model run 'nope'"):
        promote(settings, "purchase_test", "nope", "unknown")


def test_a_rollback_without_an_earlier_champion_is_refused(test_task, tmp_path):
    settings = make_settings(tmp_path)
    write_run(settings.warehouse, fake_run("only", task=test_task.name),
              then=lambda con: gate_new_run(con, test_task, "only"))  # fmt: skip
    assert _acting_run(settings) == "only"
    with pytest.raises(ScoringError, match="no champion before only"):
        rollback(settings, test_task.name, "nothing earlier")
