"""What a run adds after scoring, for tasks that act on the scores: the decision threshold with its recall
and precision, the cross-validated ROC-AUC of the chosen configuration over every labelled client, and the
segments (the table scoring.segments). Frames in, frames out: the run reads the profits with the marts and
the report draws the segments."""

import polars as pl

from scoring.decide.segments import Segmentation, segment_clients
from scoring.decide.threshold import at_threshold, choose_threshold
from scoring.errors import ScoringError
from scoring.model.cv_protocol import cross_validated_auc
from scoring.model.dataset import Rows
from scoring.model.final_model import FinalModel
from scoring.tasks import CvSearch, SegmentRules


def decision_metrics(
    final: FinalModel, estimator, rows: Rows, test_labels, cv_search: CvSearch | None, seed: int
) -> dict:
    """The threshold chosen on the out-of-fold scores of the provided labels, recall and precision there
    and on the test clients; with a cross-validated search (`cv_search`), also the ROC-AUC of the chosen
    configuration cross-validated over every labelled client in as many folds as the search used."""
    oof = final.oof.filter("is_provided")
    y, p = oof["label"].to_numpy(), oof["probability"].to_numpy()
    threshold = choose_threshold(y, p)
    out = {
        "threshold": {
            "value": threshold,
            "rule": "max F1 on the out-of-fold scores of the development clients",
            "cross_validation": at_threshold(y, p, threshold).as_dict(),
            "test": at_threshold(test_labels, final.test_probability, threshold).as_dict(),
        }
    }
    if cv_search is not None:
        out["cross_validated_roc_auc_all_labelled"] = {
            "roc_auc": cross_validated_auc(estimator, rows, cv_search.folds, seed),
            "n": len(rows),
            "folds": cv_search.folds,
            "note": "the chosen configuration refitted per fold; its hyperparameters were tuned on the "
            "development clients only",
        }
    return out


def segment_scored(
    rules: SegmentRules,
    scoring: Rows,
    scored,
    threshold: float,
    profit: pl.DataFrame,
    model_type: str,
    reasons: pl.Series,
) -> Segmentation:
    """Segment the scored clients by probability (against `threshold`) and `profit` (client_id, profit), with
    the segments' actions from their SHAP values (scored.values, scored.names) and the clients' `reasons`."""
    if scored.values is None:
        raise ScoringError(
            f"The task has segments but its model {model_type!r} gave no SHAP values: remove `segments` from "
            "the task or choose a model with explanations (scoring/tasks.py)"
        )
    scores = scoring.keys.select("client_id").with_columns(probability=pl.Series(scored.probability))
    return segment_clients(scores, profit, scored.values, scored.names, reasons, rules, threshold)
