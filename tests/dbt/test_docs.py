"""The dbt docs describe the whole flow: lineage from the raw files to the scoring job's tables."""

from scoring.build.docs import generate_docs
from scoring.settings import Settings


def test_docs_are_one_file_whose_lineage_ends_at_the_scoring_job(tiny_build, apparel_tiny, tmp_path):
    settings = Settings(data_dir=apparel_tiny.parent, warehouse=tiny_build, reports_dir=tmp_path / "reports")
    page = generate_docs(settings, target=tmp_path / "target").read_text()
    assert "exposure.feature_store.scoring_score" in page
    for table in ("scores", "latest_scores", "explanations", "model_runs", "feature_importance"):
        assert f"source.feature_store.scoring.{table}" in page
    assert "model.feature_store.apparel_training_set" in page
    assert '<script src="http' not in page  # self-contained: nothing fetched at view time
