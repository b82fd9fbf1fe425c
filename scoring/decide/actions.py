"""What a run adds to each scored client, for every task: its reasons in plain words and its offer (the
table scoring.offers). Frames and arrays in, a frame out; the run supplies the population the values are
set against (scoring.decide.reasons.population, or the mart's when it scores in batches)."""

import numpy as np
import polars as pl

from scoring.decide.offers import OfferRule, choose_offers, rule_columns
from scoring.decide.reasons import Population, client_reasons
from scoring.tasks import ReasonWords

NO_EXPLANATION = "No reasons: the model gives no SHAP values."


def action_columns(rules: tuple[OfferRule, ...], names: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of the scored rows that reasons and offers read: the explained features and those the
    offer rules test or quote."""
    return tuple(dict.fromkeys((*names, *rule_columns(rules))))


def client_values(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """The `columns` of `frame` that it has, as the estimators see them (scoring.model.dataset.model_frame):
    numbers and flags as Float32, the rest as strings; the same values whether read whole or in batches."""
    present = [c for c in columns if c in frame.columns]
    return frame.select(
        pl.col(c).cast(pl.Float32) if frame.schema[c] == pl.Boolean or frame.schema[c].is_numeric()
        else pl.col(c).cast(pl.String)
        for c in present
    )  # fmt: skip


def client_actions(
    rules: tuple[OfferRule, ...],
    words: ReasonWords,
    client_ids: pl.Series,
    data: pl.DataFrame,
    values: np.ndarray | None,
    names: tuple[str, ...],
    people: Population,
) -> pl.DataFrame:
    """client_id, reason, offer_rule, offer for each scored client: reasons worded by `words`, the offer by
    the first of `rules` that holds. `data` holds the clients' values (at least action_columns) and `values`
    their SHAP values over `names`, in the row order of `client_ids`."""
    if values is None:
        reasons = [NO_EXPLANATION] * len(client_ids)
    else:
        reasons = client_reasons(values, names, data.select(names), people, words.raises, words.lowers)
    frame = pl.DataFrame({"client_id": client_ids, "reason": pl.Series(reasons, dtype=pl.String)})
    # the ids give the rows their number even when no rule reads a column
    offers = choose_offers(rules, frame.select("client_id").hstack(data), values, names, people)
    return frame.hstack(offers)
