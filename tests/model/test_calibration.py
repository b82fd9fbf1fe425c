"""Calibrators fitted on held-out rows."""

import numpy as np
import pytest

from scoring.model.calibration import calibrator_from_json, make_calibrator


def _shifted(seed: int = 0):
    rng = np.random.default_rng(seed)
    p_true = rng.beta(1, 30, 50_000)
    y = (rng.random(len(p_true)) < p_true).astype(int)
    logit = np.log(p_true / (1 - p_true))
    return 1 / (1 + np.exp(-(logit + 1.5))), y  # a model that over-predicts, as class weights make it


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrator_restores_the_base_rate_of_an_over_predicting_model(method):
    raw, y = _shifted()
    p = make_calibrator(method).fit(raw, y).predict(raw)
    assert raw.mean() > 2 * y.mean()
    assert p.mean() == pytest.approx(y.mean(), rel=0.05)


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrator_round_trips_through_json(method):
    raw, y = _shifted(1)
    fitted = make_calibrator(method).fit(raw, y)
    np.testing.assert_allclose(calibrator_from_json(fitted.to_json()).predict(raw), fitted.predict(raw))


def test_calibrating_on_one_class_says_what_to_change():
    with pytest.raises(ValueError, match="valid_share"):
        make_calibrator("sigmoid").fit(np.array([0.1, 0.2]), np.array([0, 0]))
