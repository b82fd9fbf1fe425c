"""The scoring job end to end on small generated marts: tables, keys, out-of-fold flags, reproducibility."""

import hashlib
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from scoring.errors import DataError
from scoring.model.candidates import input_features
from scoring.run import rescore as rescore_module
from scoring.run.rescore import rescore
from scoring.run.result import safety_stops, summary
from scoring.run.train import train_and_score
from scoring.store.artifacts import load_model, load_run_result
from scoring.store.atomic import building_path
from tests.synthetic import CUTOFFS, make_settings, read, synthetic_marts, write_marts

pytestmark = pytest.mark.slow

COLUMNS = {
    "model_runs": {
        "model_run_id", "task", "run_kind", "source_model_run_id", "status", "created_at", "as_of_date",
        "model_type", "parameters", "feature_list", "metrics", "data_fingerprint", "artifact_path",
        "durations", "seed", "n_scored",
    },
    "scores": {
        "task", "model_run_id", "client_id", "as_of_date", "probability", "rank", "decile", "is_out_of_fold",
        "scored_at",
    },
    "explanations": {"task", "model_run_id", "client_id", "feature", "feature_value", "shap_value", "rank"},
    "feature_importance": {"task", "model_run_id", "feature", "mean_abs_shap", "rank"},
    "latest_scores": {
        "task", "model_run_id", "client_id", "as_of_date", "probability", "rank", "decile", "is_out_of_fold",
        "scored_at",
    },
}  # fmt: skip


def _scores(settings, run_id: str) -> pl.DataFrame:
    return read(settings, "select * from scoring.scores where model_run_id = ? order by client_id", [run_id])


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_run_writes_every_scoring_table_with_its_columns(job_runs, table):
    columns = read(job_runs.settings, "select * from scoring." + table + " limit 0").columns
    assert set(columns) == COLUMNS[table]


def test_scores_one_row_per_client_of_the_feature_mart_per_run(job_runs):
    mart = read(
        job_runs.settings, "select client_id from marts.client_features where as_of_date = '2024-02-16'"
    )
    for run in (job_runs.first, job_runs.second, job_runs.rescored):
        scores = _scores(job_runs.settings, run.model_run_id)
        assert scores["client_id"].is_unique().all()
        assert set(scores["client_id"]) == set(mart["client_id"])
        assert sorted(scores["rank"]) == list(range(1, scores.height + 1))
        assert scores["probability"].is_between(0, 1).all()


def test_top_decile_holds_the_highest_probabilities(job_runs):
    scores = _scores(job_runs.settings, job_runs.first.model_run_id)
    assert (
        scores.filter(pl.col("decile") == 1)["probability"].min()
        >= scores.filter(pl.col("decile") == 2)["probability"].max()
    )


def test_labelled_clients_are_scored_out_of_fold_and_the_others_are_not(job_runs):
    query = "select client_id from marts.training_set where label is not null"
    labelled = set(read(job_runs.settings, query)["client_id"])
    scores = _scores(job_runs.settings, job_runs.first.model_run_id)
    flagged = set(scores.filter("is_out_of_fold")["client_id"])
    assert flagged == labelled & set(scores["client_id"])
    assert scores.filter(~pl.col("is_out_of_fold")).height > 0


def test_rescored_scores_are_never_out_of_fold(job_runs):
    assert not _scores(job_runs.settings, job_runs.rescored.model_run_id)["is_out_of_fold"].any()


def test_same_seed_gives_byte_identical_scores(job_runs):
    # the searches ran their fixed trial count: the test compares two seeded runs, not two lucky clocks
    for run in (job_runs.first, job_runs.second):
        assert all(p.search.stopped_by == "trials" for p in run.protocols.values())
        assert safety_stops(run) == []
    first = _scores(job_runs.settings, job_runs.first.model_run_id)
    second = _scores(job_runs.settings, job_runs.second.model_run_id)
    assert first["client_id"].to_numpy().tobytes() == second["client_id"].to_numpy().tobytes()
    assert first["probability"].to_numpy().tobytes() == second["probability"].to_numpy().tobytes()
    assert job_runs.first.data_fingerprint == job_runs.second.data_fingerprint


def test_rescoring_with_a_saved_model_reproduces_its_probabilities(job_runs):
    trained = _scores(job_runs.settings, job_runs.first.model_run_id)
    rescored = _scores(job_runs.settings, job_runs.rescored.model_run_id)
    # the saved model is the final refit, which scored every client not cross-fitted (unlabelled and test)
    final_scored = ~pl.Series(trained["client_id"]).is_in(job_runs.first.oof["client_id"].implode())
    assert final_scored.sum() > 0
    np.testing.assert_allclose(  # equal up to the last bits of BLAS's blocking
        trained.filter(final_scored)["probability"].to_numpy(),
        rescored.filter(final_scored)["probability"].to_numpy(),
        rtol=1e-12,
    )


def test_rescore_records_the_source_run_and_keeps_its_model(job_runs):
    run = read(job_runs.settings, "select * from scoring.model_runs where model_run_id = ?",
               [job_runs.rescored.model_run_id]).row(0, named=True)  # fmt: skip
    assert run["run_kind"] == "rescore"
    assert run["source_model_run_id"] == job_runs.first.model_run_id
    assert run["artifact_path"] == str(job_runs.first.model_dir)


def test_latest_scores_view_shows_only_the_latest_run_of_the_champions_model(job_runs):
    latest = read(job_runs.settings, "select distinct model_run_id from scoring.latest_scores")
    query = "select arg_max(model_run_id, set_at) as run from scoring.model_aliases where alias = 'champion'"
    champion = read(job_runs.settings, query)["run"].item()
    # the rescore of the first run's model is the latest run; it acts only for that model
    first = champion == job_runs.first.model_run_id
    assert latest["model_run_id"].to_list() == [job_runs.rescored.model_run_id if first else champion]


def test_explanations_keep_the_top_k_reasons_per_client_by_absolute_shap(job_runs):
    explanations = read(job_runs.settings, "select * from scoring.explanations where model_run_id = ?",
                        [job_runs.first.model_run_id])  # fmt: skip
    per_client = explanations.group_by("client_id").agg(pl.len(), pl.col("rank").sort(), pl.col("shap_value"))
    assert (per_client["len"] == 3).all()
    assert per_client["rank"].to_list()[0] == [1, 2, 3]
    ordered = explanations.sort("client_id", "rank").group_by("client_id", maintain_order=True).agg(
        pl.col("shap_value").abs()
    )  # fmt: skip
    assert all(list(v) == sorted(v, reverse=True) for v in ordered["shap_value"].to_list())
    assert set(explanations["feature"]) <= set(job_runs.first.features)


def test_feature_importance_has_one_row_per_model_feature_per_run(job_runs):
    importance = read(job_runs.settings, "select * from scoring.feature_importance where model_run_id = ?",
                      [job_runs.first.model_run_id])  # fmt: skip
    assert sorted(importance["feature"]) == sorted(job_runs.first.features)
    assert importance.sort("rank")["mean_abs_shap"].is_sorted(descending=True)


def test_model_runs_record_features_metrics_fingerprint_and_durations(job_runs):
    runs = read(job_runs.settings, "select * from scoring.model_runs order by created_at")
    assert runs["model_run_id"].is_unique().all() and runs.height == 3
    first = runs.row(0, named=True)
    assert first["status"] == "succeeded" and first["run_kind"] == "train"
    assert first["feature_list"] == list(job_runs.first.features)
    assert '"client_split"' in first["metrics"] and '"out_of_time"' in first["metrics"]
    assert len(first["data_fingerprint"]) == 32
    assert Path(first["artifact_path"], "metadata.json").exists()


def test_feature_list_is_exactly_what_the_saved_model_reads(job_runs):
    runs = read(job_runs.settings, "select model_run_id, feature_list from scoring.model_runs")
    for run in (job_runs.first, job_runs.rescored):
        listed = runs.filter(pl.col("model_run_id") == run.model_run_id)["feature_list"][0].to_list()
        assert tuple(listed) == input_features(load_model(run.model_dir).pipeline) == run.features


def test_a_search_cut_by_its_safety_stop_is_reported(job_runs):
    protocol = job_runs.first.protocols["client_split"]
    cut = replace(protocol, search=replace(protocol.search, stopped_by="time"))
    run = replace(job_runs.first, protocols={"client_split": cut})
    assert "client_split: the xgboost search hit its time safety stop" in summary(run)


def test_a_chosen_model_without_shap_values_is_scored_and_written_without_explanations(
    tmp_path, test_task, monkeypatch
):
    # the one-SE rule may pick KNN on small data; with too many features for permutation SHAP it has no SHAP
    # values, but its run must still publish
    monkeypatch.setattr("scoring.explain.contributions.affordable", lambda n_rows, n_features: False)
    settings = make_settings(tmp_path)
    write_marts(settings.warehouse, *synthetic_marts(n_clients=300, seed=5))
    run = train_and_score(settings, replace(test_task, choice=replace(test_task.choice, candidates=("knn",))))
    assert run.model_type == "knn"
    scores = read(settings, "select count(*) as n from scoring.scores")["n"][0]
    explanations = read(settings, "select count(*) as n from scoring.explanations")["n"][0]
    assert scores == run.scores.height > 0 and explanations == 0
    listed = read(settings, "select feature_list from scoring.model_runs")["feature_list"][0].to_list()
    assert tuple(listed) == input_features(load_model(run.model_dir).pipeline)


def test_training_for_a_date_before_the_marts_cutoff_is_refused_as_it_would_learn_from_the_future(
    tmp_path, test_task
):
    settings = make_settings(tmp_path)
    write_marts(settings.warehouse, *synthetic_marts(n_clients=200, seed=3))
    with pytest.raises(DataError, match=r"built as of 2024-02-16.*make score AS_OF=2023-11-18"):
        train_and_score(replace(settings, as_of=CUTOFFS[1]), test_task)
    assert read(settings, "select * from information_schema.tables where table_schema = 'scoring'").is_empty()


def test_trees_win_on_data_with_a_threshold_interaction(job_runs):
    assert job_runs.first.model_type == "xgboost"
    choice = job_runs.first.protocols["client_split"].choice
    assert choice.best == choice.chosen == "xgboost" and choice.gap_se["baseline"] > 0


def test_saved_model_directory_is_inspectable(job_runs):
    files = {p.name for p in job_runs.first.model_dir.iterdir()}
    assert {"metadata.json", "calibrator.json"} <= files
    assert "model.ubj" in files or "pipeline.skops" in files
    assert load_model(job_runs.first.model_dir).spec.columns == job_runs.first.features


def test_run_result_is_pickled_with_what_a_report_needs(job_runs):
    result = load_run_result(job_runs.first.report_dir / "run_result.pkl")
    assert set(result.protocols) == {"client_split", "out_of_time"}
    for protocol in result.protocols.values():
        assert {c.name for c in protocol.candidates} >= {"baseline", "logistic_regression", "knn", "xgboost"}
        assert len(protocol.test_labels) == len(protocol.candidate(protocol.chosen).test_probability)
    assert result.shap_sample.values.shape == result.shap_sample.data.shape
    assert len(result.test_probability) == len(result.test_labels) == result.test_metrics.n
    assert result.cv_metrics.calibration_table
    assert {"read", "client_split", "cross_fit", "write"} <= set(result.timings)
    assert all(path.exists() for path in result.plots.values()) and "beeswarm" in result.plots


def test_rescoring_an_unknown_run_says_how_to_list_the_runs(job_runs):
    with pytest.raises(LookupError, match="select model_run_id"):
        rescore(job_runs.settings, "no-such-run")


def test_warehouse_opens_in_the_duckdb_1_5_shell(job_runs):
    shell = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    if shell is None:
        pytest.skip("the duckdb shell is not installed in this environment")
    out = subprocess.run(
        [shell, "-readonly", str(job_runs.settings.warehouse), "select count(*) from scoring.latest_scores"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr


def _run_rows(settings, table: str, run_id: str, order: str) -> pl.DataFrame:
    query = f"select * exclude (model_run_id) from scoring.{table} where model_run_id = ? order by {order}"
    frame = read(settings, query, [run_id])
    return frame.drop("scored_at") if "scored_at" in frame.columns else frame


def test_batched_rescoring_writes_the_same_bytes_as_one_batch(job_runs, tmp_path, monkeypatch):
    settings = replace(job_runs.settings, warehouse=tmp_path / "wh.duckdb", reports_dir=tmp_path / "reports")
    shutil.copyfile(job_runs.settings.warehouse, settings.warehouse)
    scored_rows = []
    real = rescore_module.predict_and_explain
    monkeypatch.setattr(
        rescore_module,
        "predict_and_explain",
        lambda groups, X, *a: scored_rows.append(len(X)) or real(groups, X, *a),
    )
    whole = rescore(settings, job_runs.first.model_run_id, top_k=3, batch_size=10**9)
    assert scored_rows == [900]
    batched = rescore(settings, job_runs.first.model_run_id, top_k=3, batch_size=7)
    assert max(scored_rows[1:]) <= 7 and sum(scored_rows[1:]) == 900  # no batch holds more rows
    for table, order in (
        ("scores", "rank"),
        ("explanations", "client_id, rank"),
        ("feature_importance", "rank"),
    ):
        one, many = (_run_rows(settings, table, run.model_run_id, order) for run in (whole, batched))
        assert one.equals(many), table
    probability = [
        _run_rows(settings, "scores", r.model_run_id, "rank")["probability"] for r in (whole, batched)
    ]
    assert probability[0].to_numpy().tobytes() == probability[1].to_numpy().tobytes()
    assert whole.data_fingerprint == batched.data_fingerprint == job_runs.rescored.data_fingerprint
    assert whole.counts() == batched.counts() == (900, 0)
    for field in ("values", "data", "client_ids"):
        assert getattr(whole.shap_sample, field).tobytes() == getattr(batched.shap_sample, field).tobytes()


def test_a_rescore_failing_after_committed_batches_leaves_the_warehouse_as_it_was(
    job_runs, tmp_path, monkeypatch
):
    settings = replace(job_runs.settings, warehouse=tmp_path / "wh.duckdb", reports_dir=tmp_path / "reports")
    shutil.copyfile(job_runs.settings.warehouse, settings.warehouse)
    before = hashlib.sha256(settings.warehouse.read_bytes()).hexdigest()
    scored_rows = []
    real = rescore_module.predict_and_explain

    def failing_at_the_third_batch(groups, X, *args):
        scored_rows.append(len(X))
        if len(scored_rows) == 3:
            raise RuntimeError("stopped at the third batch")
        return real(groups, X, *args)

    monkeypatch.setattr(rescore_module, "predict_and_explain", failing_at_the_third_batch)
    with pytest.raises(RuntimeError, match="third batch"):
        rescore(settings, job_runs.first.model_run_id, top_k=3, batch_size=7)
    # two batches were committed into the run's copy; the warehouse itself was never written
    assert hashlib.sha256(settings.warehouse.read_bytes()).hexdigest() == before
    assert not building_path(settings.warehouse).parent.exists()


def test_rescoring_a_mart_without_one_of_the_models_features_says_to_rebuild_the_marts(job_runs, tmp_path):
    settings = replace(job_runs.settings, warehouse=tmp_path / "wh.duckdb", reports_dir=tmp_path / "reports")
    shutil.copyfile(job_runs.settings.warehouse, settings.warehouse)
    feature = job_runs.first.features[0]
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(f'alter table marts.client_features drop column "{feature}"')
    with pytest.raises(ValueError, match=rf"lacks the model's features \['{feature}'\]: rebuild the marts"):
        rescore(settings, job_runs.first.model_run_id, top_k=3, batch_size=7)
