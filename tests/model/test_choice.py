"""The model choice: the simplest candidate within one standard error of the best on validation rows."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from scoring.model.choice import choose_simplest_within_noise, weighted_roc_auc


def _validation(n_clients: int = 400, rows_per_client: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    clients = np.repeat(np.arange(n_clients), rows_per_client)
    signal = rng.normal(size=len(clients))
    y = (rng.random(len(clients)) < 1 / (1 + np.exp(-(signal - 2.5)))).astype(np.int8)
    return rng, clients, signal, y


def test_weighted_auc_matches_scikit_learn_with_ties_and_weights():
    rng = np.random.default_rng(1)
    y = (rng.random(500) < 0.2).astype(np.int8)
    p = np.round(rng.random(500) + 0.3 * y, 1)  # many ties
    weights = rng.poisson(1.0, (4, 500)).astype(float)
    expected = [roc_auc_score(y, p, sample_weight=w) for w in weights]
    np.testing.assert_allclose(weighted_roc_auc(y, p, weights), expected, rtol=1e-12)


def test_a_complex_model_within_noise_of_the_best_loses_to_the_simpler_one():
    rng, clients, signal, y = _validation()
    simple = signal + rng.normal(0, 0.3, len(y))
    complex_ = simple + rng.normal(0, 0.05, len(y))  # a hair different: better or worse by chance
    choice = choose_simplest_within_noise({"baseline": simple, "xgboost": complex_}, y, clients, "roc_auc", 0)
    assert choice.chosen == "baseline"
    assert choice.gap["baseline"] <= choice.gap_se["baseline"]


def test_a_model_clearly_better_than_the_noise_is_chosen():
    rng, clients, signal, y = _validation(n_clients=2000)
    weak = signal + rng.normal(0, 2.0, len(y))
    choice = choose_simplest_within_noise({"baseline": weak, "xgboost": signal}, y, clients, "roc_auc", 0)
    assert choice.chosen == choice.best == "xgboost"
    assert choice.gap["baseline"] > choice.gap_se["baseline"] > 0


def test_a_larger_standard_error_factor_only_ever_prefers_simpler_models():
    rng, clients, signal, y = _validation(n_clients=300)
    candidates = {"baseline": signal + rng.normal(0, 0.8, len(y)), "xgboost": signal}
    strict = choose_simplest_within_noise(candidates, y, clients, "roc_auc", 0, se_factor=0.0)
    loose = choose_simplest_within_noise(candidates, y, clients, "roc_auc", 0, se_factor=100.0)
    assert strict.chosen == "xgboost" and loose.chosen == "baseline"


def test_the_choice_resamples_clients_and_is_fixed_by_the_seed():
    rng, clients, signal, y = _validation()
    candidates = {"baseline": signal + rng.normal(0, 0.5, len(y)), "xgboost": signal}
    first = choose_simplest_within_noise(candidates, y, clients, "roc_auc", 3)
    assert first == choose_simplest_within_noise(candidates, y, clients, "roc_auc", 3)
    # a client's rows move together: resampling rows instead would shrink the errors of repeated rows
    many_rows = np.repeat(clients, 4)
    repeated = {k: np.repeat(v, 4) for k, v in candidates.items()}
    copy = choose_simplest_within_noise(repeated, np.repeat(y, 4), many_rows, "roc_auc", 3)
    assert copy.gap_se["baseline"] == pytest.approx(first.gap_se["baseline"], rel=1e-9)


def test_average_precision_is_a_valid_choice_metric():
    rng, clients, signal, y = _validation()
    candidates = {"baseline": signal + rng.normal(0, 2.0, len(y)), "xgboost": signal}
    choice = choose_simplest_within_noise(candidates, y, clients, "average_precision", 0)
    assert choice.best == "xgboost" and np.isfinite(choice.gap_se["baseline"])
