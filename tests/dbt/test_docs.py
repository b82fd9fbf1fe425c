"""The dbt docs describe the whole flow: lineage from the raw files to the scoring job's tables."""

import pytest

from scoring.build.docs import generate_docs
from scoring.settings import Settings
from tests.warehouses import at_scratch, copy_build


@pytest.mark.slow  # dbt reads the catalog and writes the page: 10-20 s
def test_docs_are_one_file_whose_lineage_ends_at_the_scoring_job(tiny_build, apparel_tiny, tmp_path):
    # dbt opens the warehouse for writing to read its catalog: on the shared build, that would stop the other
    # worker's readers of it ("Could not set lock on file"), so the docs are made from a copy, at the scratch
    # path where dbt reuses the builds' parse of the project
    with at_scratch(copy_build(tiny_build, tmp_path)) as (warehouse, target):
        settings = Settings(
            data_dir=apparel_tiny.parent, warehouse=warehouse, reports_dir=tmp_path / "reports"
        )
        page = generate_docs(settings, target=target).read_text()
    assert "exposure.feature_store.scoring_score" in page
    for table in ("scores", "latest_scores", "explanations", "model_runs", "feature_importance"):
        assert f"source.feature_store.scoring.{table}" in page
    assert "model.feature_store.apparel_training_set" in page
    assert '<script src="http' not in page  # self-contained: nothing fetched at view time
