"""The activity_decline task end to end through the shared job: dbt marts built from one-click files, the
cross-validated search, scores for every client, SHAP, segments and the report; and the real files."""

import dataclasses
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from scoring.build.full_build import build_features
from scoring.decide.segments import SEGMENTS
from scoring.generate.one_click import generate_one_click
from scoring.run.rescore import rescore
from scoring.run.train import train_and_score
from scoring.settings import Settings
from scoring.tasks import TASKS, CvSearch
from tests.synthetic import read

pytestmark = pytest.mark.slow

TASK = TASKS["activity_decline"]
QUICK = dataclasses.replace(TASK, cv_search=CvSearch(n_iter=2, folds=3))


def _run(data_dir: Path, root: Path, task):
    settings = Settings(
        data_dir=data_dir, warehouse=root / "warehouse.duckdb", as_of=date(2024, 3, 1),
        models_dir=root / "models", reports_dir=root / "reports",
    )  # fmt: skip
    build_features(settings, target_path=root / "target")
    return settings, train_and_score(settings, task, top_k=3)


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("activity_decline")
    generate_one_click(root / "data" / "one_click", seed=5, n_clients=400, n_unlabelled=80)
    return _run(root / "data", root, QUICK)


def _latest(settings, table: str) -> pl.DataFrame:
    return read(settings, f"select * from scoring.{table} where task = 'activity_decline'")


def test_every_client_is_scored_labelled_ones_out_of_fold(generated_run):
    settings, result = generated_run
    scores = _latest(settings, "latest_scores")
    labels = read(settings, "select client_id, label from main_marts.one_click_training_set")
    joined = scores.join(labels, on="client_id")
    assert joined.height == scores.height == 400
    assert joined.filter(pl.col("label").is_not_null())["is_out_of_fold"].all()
    assert not joined.filter(pl.col("label").is_null())["is_out_of_fold"].any()
    assert result.model_type in TASK.choice.candidates


def test_every_candidate_was_compared_and_explanations_cover_every_client(generated_run):
    settings, result = generated_run
    assert {c.name for c in result.protocols["client_split"].candidates} == set(TASK.choice.candidates)
    explained = _latest(settings, "explanations").filter(pl.col("model_run_id") == result.model_run_id)
    assert explained["client_id"].n_unique() == 400
    assert not set(explained["feature"]) & set(TASK.columns.non_features)


def test_metrics_hold_the_threshold_with_recall_precision_and_the_all_client_cv_auc(generated_run):
    settings, result = generated_run
    metrics = json.loads(_latest(settings, "model_runs").filter(
        pl.col("model_run_id") == result.model_run_id)["metrics"][0])  # fmt: skip
    threshold = metrics["threshold"]
    assert 0 < threshold["value"] < 1
    for part in ("cross_validation", "test"):
        assert 0 <= threshold[part]["recall"] <= 1 and 0 <= threshold[part]["precision"] <= 1
    assert metrics["cross_validated_roc_auc_all_labelled"]["n"] == 320
    assert metrics["cross_validated_roc_auc_all_labelled"]["roc_auc"] > 0.75


def test_segments_one_row_per_client_placed_by_the_thresholds(generated_run):
    settings, result = generated_run
    segments = read(settings, "select * from scoring.latest_segments")
    assert segments.height == 400 and segments["client_id"].is_unique().all()
    assert set(segments["segment"]) <= set(SEGMENTS)
    threshold = result.metrics_json()["threshold"]["value"]
    high = segments.filter(pl.col("segment").str.starts_with("high risk"))
    assert (high["probability"] >= threshold).all()
    assert segments.filter(pl.col("segment").str.starts_with("low risk"))["probability"].max() < threshold
    assert segments["offer"].str.len_chars().min() > 20 and segments["reason"].null_count() == 0


def test_report_shows_segments_the_scatter_and_the_key_segment(generated_run):
    _, result = generated_run
    html = (result.report_dir / "report.html").read_text(encoding="utf-8")
    for title in ("Segments by risk and profit", "What distinguishes the key segment", "decision threshold"):
        assert title in html


def test_a_rescore_keeps_the_threshold_and_writes_its_own_segments(generated_run):
    settings, result = generated_run
    again = rescore(settings, result.model_run_id, top_k=3)
    assert again.extra_metrics["threshold"]["value"] == result.extra_metrics["threshold"]["value"]
    latest = read(settings, "select distinct model_run_id from scoring.latest_segments")["model_run_id"]
    assert latest.to_list() == [again.model_run_id]


@pytest.mark.real_data
def test_real_files_cross_validated_roc_auc_is_at_least_0_88(shared_data, tmp_path):
    if not (shared_data / "one_click" / "market_file.csv").is_file():
        pytest.skip("the real one-click files are not present")
    settings, result = _run(shared_data, tmp_path, TASK)
    assert result.metrics_json()["cross_validated_roc_auc_all_labelled"]["roc_auc"] >= 0.88
    assert result.cv_metrics.roc_auc >= 0.88  # out of fold, the development clients
    scores = read(settings, "select * from scoring.latest_scores")
    assert scores.height == 1300 and int((~scores["is_out_of_fold"]).sum()) == 260
