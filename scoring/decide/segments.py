"""Segments of the scored clients by probability of decline and profit, each with an action that follows
from the features driving its members' risk (SHAP); each client keeps its own reasons
(scoring.decide.reasons), and its own offer is in scoring.offers (scoring.decide.offers).

Frames in, frames out; scoring.store.warehouse writes them with the run's other tables.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.tasks import SegmentRules

# Segment name -> the action, with {offers} the answers to the segment's risk drivers; in the order the
# report lists them, the key segment first.
KEY_SEGMENT = "high risk, high profit"
SEGMENTS = {
    KEY_SEGMENT: "Retain first, with a personal offer: {offers}",
    "high risk, low profit": "Retain at low cost, with automated messages: {offers}",
    "low risk, high profit": (
        "Keep close with loyalty perks (early access, a thank-you bonus); to prevent a decline: {offers}"
    ),
    "low risk, low profit": "Standard communication; to prevent a decline: {offers}",
}

# Feature -> (what it says about a client, in words; the offer that answers it when it drives the risk).
FEATURE_WORDS = {
    "avg_pages_per_visit_3m": (
        "pages viewed per visit",
        "personal recommendations to bring them back to browse",
    ),
    "avg_categories_per_visit": (
        "categories viewed per visit",
        "a digest of categories they have not explored",
    ),
    "minutes_current_month": ("minutes on the site this month", "a re-engagement mailing with new arrivals"),
    "minutes_previous_month": ("minutes on the site last month", "a re-engagement mailing with new arrivals"),
    "share_promo_purchases_6m": (
        "share of purchases on promotion",
        "a personal promo code or early access to sales",
    ),
    "count_unpaid_items_3m": (
        "items left unpaid in the basket",
        "a basket reminder with a time-limited discount",
    ),
    "avg_marketing_contacts_6m": (
        "marketing contacts per month",
        "regular campaigns: they hear little from the store",
    ),
    "count_marketing_contacts_current_month": (
        "marketing contacts this month",
        "regular campaigns: they hear little from the store",
    ),
    "count_service_errors": (
        "service errors met",
        "an apology with a goodwill bonus, and a check of their errors",
    ),
    "days_since_registration": ("days since registration", "a loyalty reward for their time with the store"),
    "top_category": ("favourite category", "an offer on their favourite category"),
    "service_type": ("service level", "a review of their service level (premium perks or a premium trial)"),
    "is_offers_allowed": ("allows offers", "a request for permission to send personal offers"),
    "revenue_current_month": ("revenue this month", "a spend-and-get bonus to lift their monthly spending"),
    "revenue_previous_month": ("revenue last month", "a spend-and-get bonus to lift their monthly spending"),
    "revenue_two_months_ago": (
        "revenue two months ago",
        "a spend-and-get bonus to lift their monthly spending",
    ),
}
DRIVERS_PER_OFFER = 2


@dataclass(frozen=True)
class Segmentation:
    """The segments table, each segment's risk drivers (mean positive SHAP) and the thresholds used."""

    clients: pl.DataFrame  # client_id, probability, profit, segment, offer (the segment's action), reason
    drivers: pl.DataFrame  # segment, feature, mean_shap_raising_risk, rank
    risk_threshold: float
    profit_threshold: float


def feature_words(feature: str) -> tuple[str, str]:
    """(what the feature says about a client, the offer that answers it), in plain words."""
    return FEATURE_WORDS.get(
        feature, (feature.replace("_", " "), f"an offer addressing {feature.replace('_', ' ')}")
    )


def assign_segments(frame: pl.DataFrame, risk_threshold: float, profit_threshold: float) -> pl.Series:
    """The segment of each row of (probability, profit)."""
    risk = (
        pl.when(pl.col("probability") >= risk_threshold)
        .then(pl.lit("high risk"))
        .otherwise(pl.lit("low risk"))
    )
    profit = (
        pl.when(pl.col("profit") >= profit_threshold)
        .then(pl.lit("high profit"))
        .otherwise(pl.lit("low profit"))
    )
    return frame.select(pl.concat_str(risk, profit, separator=", ").alias("segment"))["segment"]


def segment_drivers(segments: pl.Series, values: np.ndarray, names: tuple[str, ...]) -> pl.DataFrame:
    """Per segment, each feature's mean SHAP value counted only where it raises the risk, largest first."""
    raising = pl.DataFrame(np.clip(values, 0, None), schema=list(names)).with_columns(segment=segments)
    long = raising.unpivot(index="segment", variable_name="feature", value_name="shap")
    means = long.group_by("segment", "feature").agg(pl.col("shap").mean().alias("mean_shap_raising_risk"))
    means = means.sort(["segment", "mean_shap_raising_risk", "feature"], descending=[False, True, False])
    return means.with_columns(rank=pl.int_range(1, pl.len() + 1).over("segment").cast(pl.Int32))


def segment_offer(segment: str, drivers: pl.DataFrame) -> str:
    """The segment's action and the offers answering its top risk drivers."""
    top = drivers.filter(pl.col("segment") == segment, pl.col("rank") <= DRIVERS_PER_OFFER)
    offers = list(dict.fromkeys(feature_words(f)[1] for f in top["feature"]))
    causes = ", ".join(feature_words(f)[0] for f in top["feature"])
    return SEGMENTS[segment].format(offers="; ".join(offers)) + f" (risk driven by {causes})"


def segment_clients(
    scores: pl.DataFrame,
    profit: pl.DataFrame,
    values: np.ndarray,
    names: tuple[str, ...],
    reasons: pl.Series,
    rules: SegmentRules,
    risk_threshold: float,
) -> Segmentation:
    """Segments, the segments' actions and the clients' reasons (scoring.decide.reasons) for scored clients.

    `scores` (client_id, probability), `values` (SHAP, rows x names) and `reasons` share one row order;
    `profit` (client_id, profit) is joined on client_id. A client without a profit is an error.
    """
    frame = scores.select("client_id", "probability").join(
        profit, on="client_id", how="left", maintain_order="left"
    )
    missing = frame.filter(pl.col("profit").is_null())
    if missing.height:
        raise ValueError(
            f"{missing.height} scored clients have no profit (e.g. client_id {missing['client_id'][0]}): "
            f"check the {rules.profit_column} column of the feature mart"
        )
    if rules.high_risk_probability is not None:
        risk_threshold = rules.high_risk_probability
    profit_threshold = float(frame["profit"].quantile(rules.high_profit_quantile, interpolation="linear"))
    segments = assign_segments(frame, risk_threshold, profit_threshold)
    drivers = segment_drivers(segments, values, names)
    offers = {s: segment_offer(s, drivers) for s in segments.unique()}
    clients = frame.with_columns(
        segment=segments,
        offer=segments.replace_strict(offers, return_dtype=pl.String),
        reason=pl.Series(reasons, dtype=pl.String),
    )
    return Segmentation(clients, drivers, risk_threshold, profit_threshold)
