"""Each client's reasons in plain words: its strongest SHAP contributions, each with the client's own value
set against the population's ("no e-mail opened in the last 90 days (the median client: 3)"), grouped by
direction, so a feature that lowers the predicted probability is never worded as raising it.

Frames and arrays in, strings out; the population's medians, shares and modes are computed once over every
scored client (population) or read from the mart by the run when it scores in batches.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.decide.wording import wording

REASONS_PER_CLIENT = 3  # the strongest contributions a reason puts in words
# the strongest contributions offer rules read (`raises`, `lowers`): as many as scoring.explanations keeps by
# default (`scoring score --top-k`), so a rule can answer a reason one step below the three in words
RULE_REASONS = 5


@dataclass(frozen=True)
class Population:
    """What a client's values are set against: the median of each numeric feature, the share of clients with
    each flag set, and the share of clients in each category."""

    medians: dict[str, float]
    flag_shares: dict[str, float]
    category_shares: dict[str, dict[str, float]]


def _is_flag(column: pl.Series) -> bool:
    if column.dtype == pl.Boolean:
        return True
    if not column.dtype.is_numeric():
        return False
    return set(column.drop_nulls().drop_nans().unique().to_list()) <= {0, 1}


def population(frame: pl.DataFrame) -> Population:
    """The population of the scored clients' values: every column of `frame` (booleans may come as 0/1)."""
    medians, flags, categories = {}, {}, {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype in (pl.String, pl.Categorical, pl.Enum):
            shares = column.fill_null("none").value_counts(normalize=True, name="share")
            categories[name] = dict(zip(shares[name].to_list(), shares["share"].to_list(), strict=True))
        elif _is_flag(column) and wording(name).kind == "flag":
            flags[name] = float(column.cast(pl.Float64).mean() or 0.0)
        elif column.dtype.is_numeric() or column.dtype == pl.Boolean:
            median = column.cast(pl.Float64).fill_nan(None).median()
            if median is not None:
                medians[name] = float(median)
    return Population(medians, flags, categories)


def number(value: float) -> str:
    """A value as a person writes it: whole numbers without decimals, others to 3 significant digits."""
    if value != value:
        return "none"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def describe(feature: str, value, people: Population) -> str:
    """The client's value of `feature` in words, with the population's beside it."""
    words = wording(feature)
    if value is None or (isinstance(value, float) and value != value):
        return f"{words.phrase}: none"
    if words.kind == "category" or isinstance(value, str):
        share = people.category_shares.get(feature, {}).get(value)
        among = f" ({share:.0%} of clients)" if share is not None else ""
        return f"{words.phrase}: {value}{among}"
    if words.kind == "flag":
        share = people.flag_shares.get(feature)
        among = f" ({share:.0%} of clients: yes)" if share is not None else ""
        return f"{words.phrase}: {'yes' if float(value) >= 0.5 else 'no'}{among}"
    value = float(value)
    median = people.medians.get(feature)
    against = f" (the median client: {number(median)})" if median is not None else ""
    if words.kind == "count":
        if value == 0 and words.none:
            return f"{words.none}{against}"
        return f"{number(value)} {words.phrase}{against}"
    return f"{words.phrase}: {number(value)}{against}"


def top_contributions(values: np.ndarray, k: int = REASONS_PER_CLIENT) -> np.ndarray:
    """Per row, the columns of the `k` largest absolute SHAP values, largest first (ties: the first one)."""
    k = min(k, values.shape[1])
    order = np.argsort(-np.abs(values), axis=1, kind="stable")
    return order[:, :k]


def _sentence(head: str, parts: list[str]) -> str:
    return f"{head[0].upper()}{head[1:]}: {'; '.join(parts)}."


def client_reasons(
    values: np.ndarray,
    names: tuple[str, ...],
    X: pl.DataFrame,
    people: Population,
    raises_words: str,
    lowers_words: str,
    k: int = REASONS_PER_CLIENT,
) -> list[str]:
    """Each row's reasons: its `k` strongest contributions, those raising the predicted probability first
    (`raises_words`), then those lowering it (`lowers_words`), each with the client's value and the
    population's. `values` (rows x names) and `X` (the columns of `names`) share one row order."""
    top = top_contributions(values, k)
    columns = {name: X[name].to_list() for name in {names[j] for j in np.unique(top)}}
    reasons = []
    for row, picked in enumerate(top):
        up, down = [], []
        for j in picked:
            shap = values[row, j]
            if shap == 0:
                continue
            text = describe(names[j], columns[names[j]][row], people)
            (up if shap > 0 else down).append(text)
        sentences = [_sentence(raises_words, up)] if up else []
        sentences += [_sentence(lowers_words, down)] if down else []
        reasons.append(
            " ".join(sentences) or "No feature stands out: the score is close to the average client's."
        )
    return reasons


def in_top(values: np.ndarray, names: tuple[str, ...], feature: str, sign: int, k: int) -> np.ndarray:
    """Per row: whether `feature` is among its `k` strongest contributions and moves the probability in the
    direction of `sign` (+1 raises, -1 lowers). False everywhere when the model does not use the feature."""
    if feature not in names:
        return np.zeros(len(values), dtype=bool)
    j = names.index(feature)
    top = top_contributions(values, k)
    return (top == j).any(axis=1) & (np.sign(values[:, j]) == sign)
