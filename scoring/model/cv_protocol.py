"""The cross-validated protocol: every candidate tuned by a randomized search with stratified k-fold
cross-validation on the development clients, judged on its pooled out-of-fold ROC-AUC, the best candidate
chosen the same way, the test clients untouched.

For tasks with one labelled row per client and too few clients to spare a validation set (one-click: 1040
labelled clients): a 20 % validation split would choose among five models on about 200 clients. Returns
the same FittedProtocol as scoring.model.holdout_protocol.fit_protocol, so the rest of the job is shared.
"""

import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import ParameterSampler, StratifiedGroupKFold, cross_val_predict
from tqdm.auto import tqdm

from scoring.model import metrics
from scoring.model.calibration import make_calibrator
from scoring.model.cv_spaces import SearchSpace, search_spaces
from scoring.model.dataset import FeatureSpec, Rows
from scoring.model.holdout_protocol import CandidateResult, FittedProtocol, ProtocolResult
from scoring.model.splits import Split
from scoring.tasks import CvSearch, ModelChoice


def development_rows(split: Split) -> np.ndarray:
    """The rows the search may use: training and validation rows (never the test rows)."""
    return np.sort(np.concatenate([split.train, split.valid]))


def _check_one_row_per_client(rows: Rows, index: np.ndarray) -> None:
    ids = rows.keys["client_id"].gather(index)
    if ids.is_duplicated().any():
        example = ids.filter(ids.is_duplicated())[0]
        raise ValueError(
            f"The cross-validated protocol needs one labelled row per client; client {example} "
            "has several: give the task cv_search=None (scoring/tasks.py) to use the client split instead"
        )


def duplicate_groups(features) -> np.ndarray:
    """A group id per row, shared by rows with identical features (the real one-click file has 11 pairs).

    Folds keep such rows together: otherwise a nearest-neighbour model finds a held-out row's twin at
    distance 0 and scores it with the twin's label, which flatters it in the comparison.
    """
    return features.hash_rows(seed=0).rank("dense").to_numpy()


def _folds(n_folds: int, seed: int) -> StratifiedGroupKFold:
    return StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)


def _tune(space: SearchSpace, X, y, folds: list, search: CvSearch, metric: str, seed: int):
    """The candidate's best setting of `n_iter` seeded random ones, judged on the pooled out-of-fold scores:
    the job scores clients with several refits (fold models and the final model), so a setting must rank
    well across refits, not only within each fold (a strongly regularised SVC ranks well within folds, but
    its margins' level drifts between refits: ROC-AUC 0.90 per fold, 0.70 pooled on the real data).
    `folds` are the (train, test) row indices of every setting's cross-validation.

    Returns (estimator, score, params, out-of-fold raw probabilities)."""
    best = None
    for params in ParameterSampler(space.distributions, search.n_iter, random_state=seed):
        estimator = clone(space.estimator).set_params(**params)
        oof = cross_val_predict(estimator, X, y, cv=folds, method="predict_proba", n_jobs=search.n_jobs)[:, 1]
        score = metrics.score(metric, y, oof)
        if best is None or score > best[1]:
            best = (estimator, score, params, oof)
    return best


def _plain(params: dict) -> dict:
    """Parameters without the Pipeline prefix, as plain Python numbers (for JSON)."""
    return {k.removeprefix("model__"): v.item() if hasattr(v, "item") else v for k, v in params.items()}


def _candidate(
    space, X, y, rows: Rows, split: Split, folds, choice: ModelChoice, search: CvSearch, seed: int
):
    """Tune, calibrate and fit one candidate on the development rows (X, y); evaluate it on the test rows."""
    start = time.perf_counter()
    best, score, params, oof_raw = _tune(space, X, y, folds, search, choice.metric, seed)
    calibrator = make_calibrator(choice.calibration).fit(oof_raw, y)
    fitted = clone(best).fit(X, y)
    p_test = calibrator.predict(fitted.predict_proba(rows.features[split.test])[:, 1])
    result = CandidateResult(
        name=space.name, params=_plain(params), valid_score=score,
        valid=metrics.evaluate(y, oof_raw),
        test=metrics.evaluate(rows.y[split.test], p_test), test_probability=p_test,
        fit_seconds=time.perf_counter() - start,
    )  # fmt: skip
    return best, result


def cross_validated_protocol(
    rows: Rows, split: Split, spec: FeatureSpec, choice: ModelChoice, search: CvSearch, seed: int
) -> FittedProtocol:
    """Tune (as `search` says) and compare the candidates of `choice` by cross-validation on the development
    rows of `split`."""
    dev = development_rows(split)
    _check_one_row_per_client(rows, dev)
    # Split once: StratifiedGroupKFold places the groups one by one in Python (about 0.1 s a split for 1,000
    # clients), and every setting of every candidate uses the same folds.
    X, y = rows.features[dev], rows.y[dev]
    folds = list(_folds(search.folds, seed).split(X, y, duplicate_groups(X)))
    pipelines, results = {}, []
    spaces = search_spaces(choice.candidates, spec, seed)
    for space in tqdm(spaces, desc="cross-validated search", unit="model", leave=False):
        pipelines[space.name], result = _candidate(space, X, y, rows, split, folds, choice, search, seed)
        results.append(result)
    chosen = max(results, key=lambda r: r.valid_score).name
    n_dev, n_test = {"rows": len(dev), "positives": int(rows.y[dev].sum())}, len(split.test)
    protocol = ProtocolResult(
        name="client_split",
        description=(
            f"{len(dev)} development clients: each candidate tuned by a {search.n_iter}-setting "
            f"randomized search with {search.folds}-fold stratified cross-validation (identical "
            f"rows in one fold) and chosen on the {choice.metric} of its pooled out-of-fold scores; {n_test} "
            "test clients held out"
        ),
        sizes={"train": n_dev, "valid": n_dev, "calibrate": n_dev,
               "test": {"rows": n_test, "positives": int(rows.y[split.test].sum())}},
        candidates=tuple(results),
        chosen=chosen,
        test_client_ids=rows.keys["client_id"].to_numpy()[split.test],
        test_labels=rows.y[split.test],
        search=None,
    )  # fmt: skip
    return FittedProtocol(protocol, pipelines, None)


def cross_validated_auc(estimator, rows: Rows, n_folds: int, seed: int) -> float:
    """ROC-AUC of out-of-fold scores of one configuration over every labelled row (stratified `n_folds`-fold,
    identical rows kept in one fold)."""
    groups = duplicate_groups(rows.features)
    splitter = _folds(n_folds, seed)
    oof = cross_val_predict(
        clone(estimator), rows.features, rows.y, groups=groups, cv=splitter, method="predict_proba"
    )
    return metrics.roc_auc(rows.y, oof[:, 1])
