"""What a run adds after scoring, for tasks that act on the scores: the decision threshold with its recall
and precision, the cross-validated ROC-AUC of the chosen configuration over every labelled client, and the
segments (scoring.segments) with their report sections."""

import numpy as np
import polars as pl

from scoring.crossfit import FinalModel
from scoring.cv_search import cross_validated_auc
from scoring.dataset import Rows
from scoring.marts import mart_source
from scoring.report.segment_sections import segment_report_sections
from scoring.segments import segment_clients
from scoring.tasks import Task
from scoring.threshold import at_threshold, choose_threshold


def decision_metrics(final: FinalModel, estimator, rows: Rows, test_labels, task: Task, seed: int) -> dict:
    """The threshold chosen on the out-of-fold scores of the provided labels, recall and precision there
    and on the test clients; with a cross-validated search, also the ROC-AUC of the chosen configuration
    cross-validated over every labelled client."""
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
    if task.cv_search is not None:
        out["cross_validated_roc_auc_all_labelled"] = {
            "roc_auc": cross_validated_auc(estimator, rows, task, seed),
            "n": len(rows),
            "folds": task.cv_search.folds,
            "note": "the chosen configuration refitted per fold; its hyperparameters were tuned on the "
            "development clients only",
        }
    return out


def segment_run(settings, task: Task, result, scoring: Rows, scored, threshold: dict, profit=None) -> tuple:
    """Segment the scored clients: the segments (written with the run, see publish.finish_run) and the
    report's sections. `profit` (client_id, profit) is read from the warehouse unless given."""
    if scored.values is None:
        raise ValueError(
            f"Task {task.name!r} has segments but its model {result.model_type!r} gave no SHAP values: "
            "remove `segments` from the task or choose a model with explanations (scoring/tasks.py)"
        )
    if profit is None:  # rescoring reads it itself
        reader, location = mart_source(settings)
        profit = reader.read_profit(
            location, task.feature_mart, (task.id_column, task.date_column), result.as_of_date,
            task.segments.profit_column,
        )  # fmt: skip
    scores = scoring.keys.select("client_id").with_columns(probability=pl.Series(scored.probability))
    X = scoring.features.select(scored.names)
    segmentation = segment_clients(
        scores, profit, scored.values, scored.names, X, task.segments, threshold["value"]
    )
    return segmentation, segment_report_sections(
        segmentation, threshold["value"], threshold, X, np.asarray(scored.values), scored.names
    )
