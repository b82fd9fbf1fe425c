"""The decision threshold: chosen for the best F1, measured by hand."""

import numpy as np
import pytest

from scoring.decide.threshold import at_threshold, choose_threshold


def test_precision_and_recall_at_a_threshold_match_a_hand_count():
    y = np.array([1, 1, 1, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.1])
    m = at_threshold(y, p, 0.5)  # flags 0.9, 0.8 (hits) and 0.7 (a miss)
    assert (m.flagged, m.precision, m.recall) == (3, pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_threshold_is_the_one_with_the_best_f1():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.6, 0.7, 0.5, 0.4, 0.2, 0.1])
    best = choose_threshold(y, p)
    # 0.6 flags the three positives and one negative: F1 = 6/7, better than any other cut
    assert best == 0.6
    assert at_threshold(y, p, best).f1 == pytest.approx(6 / 7)


def test_a_threshold_above_every_score_flags_nobody_and_has_no_precision():
    m = at_threshold(np.array([1, 0]), np.array([0.2, 0.1]), 0.5)
    assert m.flagged == 0 and m.recall == 0 and np.isnan(m.precision)
