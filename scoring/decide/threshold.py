"""The decision threshold: the probability at or above which a client is flagged, chosen on out-of-fold
scores of the development clients, and the recall and precision it gives there and on the test clients."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AtThreshold:
    """How a threshold does on one set of clients."""

    n: int
    flagged: int
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def at_threshold(y: np.ndarray, p: np.ndarray, threshold: float) -> AtThreshold:
    """Precision, recall and F1 of flagging the clients with p >= threshold."""
    y, flagged = np.asarray(y).astype(bool), np.asarray(p) >= threshold
    hits = int((y & flagged).sum())
    precision = hits / flagged.sum() if flagged.any() else float("nan")
    recall = hits / y.sum() if y.any() else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return AtThreshold(len(y), int(flagged.sum()), float(precision), float(recall), float(f1))


def choose_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold with the largest F1 (ties: the higher threshold, which flags fewer clients).

    F1 weighs a missed decliner and a needless offer alike, a neutral default before the costs are known.
    """
    candidates = np.unique(np.asarray(p, dtype=np.float64))
    if len(candidates) == 0:
        raise ValueError("Cannot choose a threshold without scores")
    f1 = np.array([at_threshold(y, p, t).f1 for t in candidates])
    return float(candidates[np.flatnonzero(f1 == f1.max())[-1]])
