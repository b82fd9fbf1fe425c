"""Calibrators: map a model's raw probability to a calibrated one, fitted on held-out rows only.

Both follow the scikit-learn API (fit returns self, fitted attributes end in `_`) and export their few
fitted numbers as JSON, so a saved model's calibration can be read without Python.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

_EPS = 1e-7


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


class PlattCalibrator(BaseEstimator):
    """Logistic regression on the log-odds of the raw probability (two parameters, hard to overfit)."""

    def fit(self, p_raw: np.ndarray, y: np.ndarray) -> "PlattCalibrator":
        if len(np.unique(y)) < 2:
            raise ValueError(
                f"Cannot calibrate on {len(y)} held-out rows with one class only: give the task more "
                "labelled clients or a larger valid_share (scoring/tasks.py)"
            )
        model = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(p_raw).reshape(-1, 1), y)
        self.slope_ = float(model.coef_[0, 0])
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict(self, p_raw: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self.slope_ * _logit(p_raw) + self.intercept_)))

    def to_json(self) -> dict:
        return {"method": "sigmoid", "slope": self.slope_, "intercept": self.intercept_}


class IsotonicCalibrator(BaseEstimator):
    """A monotone step function of the raw probability (needs many positives)."""

    def fit(self, p_raw: np.ndarray, y: np.ndarray) -> "IsotonicCalibrator":
        model = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p_raw, y)
        self.x_ = model.X_thresholds_.astype(float)
        self.y_ = model.y_thresholds_.astype(float)
        return self

    def predict(self, p_raw: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(p_raw, dtype=np.float64), self.x_, self.y_)

    def to_json(self) -> dict:
        return {"method": "isotonic", "x": self.x_.tolist(), "y": self.y_.tolist()}


def make_calibrator(method: str) -> BaseEstimator:
    """An unfitted calibrator: 'sigmoid' or 'isotonic'."""
    if method == "sigmoid":
        return PlattCalibrator()
    if method == "isotonic":
        return IsotonicCalibrator()
    raise ValueError(f"Unknown calibration {method!r}: use 'sigmoid' or 'isotonic' in scoring/tasks.py")


def calibrator_from_json(data: dict) -> BaseEstimator:
    """A fitted calibrator from its to_json() form."""
    if data["method"] == "sigmoid":
        calibrator = PlattCalibrator()
        calibrator.slope_, calibrator.intercept_ = float(data["slope"]), float(data["intercept"])
        return calibrator
    calibrator = IsotonicCalibrator()
    calibrator.x_, calibrator.y_ = np.asarray(data["x"], float), np.asarray(data["y"], float)
    return calibrator
