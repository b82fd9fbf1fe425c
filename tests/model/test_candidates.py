"""The candidates' pipelines: which columns each reads."""

from scoring.model.candidates import BoostedTrees, input_features, sklearn_candidates, xgboost_pipeline
from scoring.model.dataset import FeatureSpec
from scoring.tasks import ModelChoice

CHOICE = ModelChoice(baseline_features=("days_since_last_purchase", "count_purchase_days_lifetime"))
SPEC = FeatureSpec(
    ("days_since_last_purchase", "count_purchase_days_lifetime", "count_clicks_30d"), ("segment",)
)


def test_the_baseline_reads_only_its_recency_and_frequency_columns():
    baseline = next(c for c in sklearn_candidates(CHOICE, SPEC, 0) if c.name == "baseline")
    assert input_features(baseline.estimator) == CHOICE.baseline_features


def test_linear_knn_and_tree_candidates_read_every_feature_of_their_spec():
    others = [c.estimator for c in sklearn_candidates(CHOICE, SPEC, 0) if c.name != "baseline"]
    for pipeline in [*others, xgboost_pipeline(SPEC, BoostedTrees())]:
        assert input_features(pipeline) == SPEC.columns
