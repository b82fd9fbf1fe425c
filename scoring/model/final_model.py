"""The production model: cross-fitted on the development clients (train + validation of the client split).

Each fold model gives out-of-fold scores for its held-out clients; the calibrator is fitted on those
out-of-fold scores at the provided target; the final model is refitted on every development client and
measured on the test clients, which nothing else has touched. So every labelled client's score comes from
a model that never saw its labels, and the test metrics are the deployed model's.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
from tqdm.auto import tqdm

from scoring.model import metrics
from scoring.model.calibration import make_calibrator
from scoring.model.candidates import Candidate, fit_candidate
from scoring.model.dataset import Rows
from scoring.model.metrics import Metrics
from scoring.model.splits import Split, client_folds


@dataclass(frozen=True)
class FinalModel:
    """The fold models, the refitted final model, their calibrator and what they measured."""

    pipeline: object  # fitted on every development client
    fold_pipelines: tuple
    client_folds: pl.DataFrame  # client_id -> fold of the development clients
    labelled_clients: pl.Series  # every client with a label (development and test)
    calibrator: object
    cv_metrics: Metrics  # out-of-fold, calibrated, provided-target rows of the development clients
    test_metrics: Metrics  # the final model on the test clients
    test_probability: np.ndarray
    oof: pl.DataFrame  # client_id, as_of_date, is_provided, label, raw and calibrated OOF probability


def _fit(candidate: Candidate, rows: Rows, index: np.ndarray, seed: int):
    return fit_candidate(candidate, rows.features[index], rows.y[index], seed)


def fit_final(
    rows: Rows, split: Split, candidate: Candidate, n_folds: int, calibration: str, seed: int
) -> FinalModel:
    """Cross-fit on the development clients in `n_folds` folds, calibrate out of fold (`calibration`: sigmoid
    or isotonic), refit, measure the test clients."""
    dev = np.sort(np.concatenate([split.train, split.valid]))
    folds = client_folds(rows.keys, rows.y, dev, n_folds, seed)
    oof_raw = np.empty(len(dev))
    fold_pipelines = []
    for fold in tqdm(range(n_folds), desc="cross-fitting", unit="fold", leave=False):
        pipeline = _fit(candidate, rows, dev[folds != fold], seed)
        oof_raw[folds == fold] = pipeline.predict_proba(rows.features[dev[folds == fold]])[:, 1]
        fold_pipelines.append(pipeline)
    provided = rows.keys["is_provided"].to_numpy()[dev]
    calibrator = make_calibrator(calibration).fit(oof_raw[provided], rows.y[dev][provided])
    oof_p = calibrator.predict(oof_raw)
    final = _fit(candidate, rows, dev, seed)
    p_test = calibrator.predict(final.predict_proba(rows.features[split.test])[:, 1])
    oof = rows.keys[pl.Series(dev)].with_columns(
        label=pl.Series(rows.y[dev]), fold=pl.Series(folds), raw_probability=oof_raw, probability=oof_p
    )
    return FinalModel(
        pipeline=final,
        fold_pipelines=tuple(fold_pipelines),
        client_folds=oof.select("client_id", "fold").unique("client_id").sort("client_id"),
        labelled_clients=rows.keys["client_id"].unique().sort(),
        calibrator=calibrator,
        cv_metrics=metrics.evaluate(rows.y[dev][provided], oof_p[provided]),
        test_metrics=metrics.evaluate(rows.y[split.test], p_test),
        test_probability=p_test,
        oof=oof,
    )


def assign_models(final: FinalModel, client_ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per client: which model scores it (fold number, or -1 for the final model) and whether that score is
    out of fold (the client has labels and the model never saw them)."""
    frame = pl.DataFrame({"client_id": client_ids})
    fold = frame.join(final.client_folds, on="client_id", how="left", maintain_order="left")["fold"]
    is_labelled = client_ids.is_in(final.labelled_clients.implode()).to_numpy()
    return fold.fill_null(-1).to_numpy(), is_labelled
