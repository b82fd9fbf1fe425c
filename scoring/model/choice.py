"""Choosing among candidates on validation rows: the simplest one within noise of the best.

The one-standard-error rule, on paired differences: the candidate with the best validation score is the
reference; every candidate whose score is below it by at most `se_factor` standard errors of the paired
difference is as good as far as the validation rows can tell, and the simplest of those wins (the task
lists its candidates simplest first). The standard errors come from a bootstrap that resamples clients,
not rows, because a client's rows at several cutoffs are not independent; the same seed draws the same
resamples, so the choice is reproducible.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scoring.model import metrics


@dataclass(frozen=True)
class Choice:
    """The chosen candidate and the evidence: each candidate's score, gap to the best and its noise."""

    chosen: str
    best: str
    scores: dict[str, float]
    gap: dict[str, float]  # best score minus the candidate's
    gap_se: dict[str, float]  # bootstrap standard error of that gap (0 for the best itself)
    se_factor: float
    n_bootstrap: int


def _client_weights(groups: np.ndarray, n_bootstrap: int, seed: int) -> np.ndarray:
    """Bootstrap weights per row, shape (n_bootstrap, rows): how often each row's client is drawn."""
    _, client = np.unique(groups, return_inverse=True)
    n_clients = int(client.max()) + 1 if len(client) else 0
    rng = np.random.default_rng(seed)
    counts = np.stack(
        [np.bincount(rng.integers(0, n_clients, n_clients), minlength=n_clients) for _ in range(n_bootstrap)]
    )
    return counts[:, client].astype(np.float64)


def weighted_roc_auc(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC-AUC of p under each row of weights (ties count half), in one pass: shape (n_weightings,).

    NaN where a weighting leaves no positive or no negative.
    """
    _, tie_group = np.unique(p, return_inverse=True)
    groups = sparse.csr_matrix((np.ones(len(p)), (np.arange(len(p)), tie_group)))
    positive = y.astype(bool)
    pos = np.asarray(groups[positive].T.dot(weights[:, positive].T)).T  # weight per tie group, by rank
    neg = np.asarray(groups[~positive].T.dot(weights[:, ~positive].T)).T
    below = np.cumsum(neg, axis=1) - neg
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, (pos * (below + 0.5 * neg)).sum(axis=1) / pairs, np.nan)


def _bootstrap_scores(metric: str, y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if metric == "roc_auc":
        return weighted_roc_auc(y, p, weights)
    return np.array(
        [metrics.score(metric, y, p, sample_weight=w) if (w * y).sum() > 0 else np.nan for w in weights]
    )


def choose_simplest_within_noise(
    probabilities: dict[str, np.ndarray],
    y: np.ndarray,
    groups: np.ndarray,
    metric: str,
    seed: int,
    se_factor: float = 1.0,
    n_bootstrap: int = 100,
) -> Choice:
    """Apply the rule to candidates' validation probabilities, given simplest first.

    `groups` holds each row's client id; ties in score go to the simpler candidate.
    """
    names = list(probabilities)
    scores = {n: metrics.score(metric, y, p) for n, p in probabilities.items()}
    best = max(names, key=lambda n: (scores[n], -names.index(n)))
    weights = _client_weights(groups, n_bootstrap, seed)
    boot = {n: _bootstrap_scores(metric, y, p, weights) for n, p in probabilities.items()}
    gap = {n: scores[best] - scores[n] for n in names}
    gap_se = {n: float(np.nanstd(boot[best] - boot[n], ddof=1)) if n != best else 0.0 for n in names}
    chosen = next(n for n in names if gap[n] <= se_factor * gap_se[n])
    return Choice(chosen, best, scores, gap, gap_se, se_factor, n_bootstrap)
