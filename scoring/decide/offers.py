"""The offer for each client, chosen by rules on its reasons and its data: the first rule whose conditions all
hold gives the offer. The rules are configuration (scoring.decide.offer_rules has each task's default); this
module evaluates them. Frames and arrays in, a frame out.

A condition tests one feature: `raises` / `lowers` (the feature is among the client's five strongest SHAP
contributions, as scoring.explanations keeps them, and moves the predicted probability up / down),
`at_least` / `at_most` / `equals` (the client's value against a number or a category), `above_median` /
`below_median` (against the population's).
An offer's text may name features in braces ("an offer in {top_category}"): the client's values fill them.
"""

import re
import string
from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.decide.reasons import RULE_REASONS, Population, in_top, number
from scoring.errors import ConfigError

TESTS = ("raises", "lowers", "at_least", "at_most", "equals", "above_median", "below_median")


@dataclass(frozen=True)
class Condition:
    """One test of one feature (see the module's docstring for the tests)."""

    feature: str
    test: str
    value: float | str | bool | None = None

    def __post_init__(self) -> None:
        if self.test not in TESTS:
            raise ConfigError(
                f"Offer condition on {self.feature!r}: unknown test {self.test!r}; use one of {TESTS}"
            )


@dataclass(frozen=True)
class OfferRule:
    """An offer and when it applies; `effect` is its assumed effect on the client's value (None: the task's
    CampaignRules.offer_effect)."""

    name: str
    offer: str
    when: tuple[Condition, ...] = ()
    effect: float | None = None

    def placeholders(self) -> tuple[str, ...]:
        return tuple(f for _, f, _, _ in string.Formatter().parse(self.offer) if f)


def rule_columns(rules: tuple[OfferRule, ...]) -> tuple[str, ...]:
    """Every column the rules read from a client's data (value tests and the offers' placeholders)."""
    wanted = [c.feature for r in rules for c in r.when if c.test not in ("raises", "lowers")]
    wanted += [f for r in rules for f in r.placeholders()]
    return tuple(dict.fromkeys(wanted))


def _values(data: pl.DataFrame, feature: str, rule: str) -> pl.Series:
    if feature not in data.columns:
        raise ConfigError(
            f"Offer rule {rule!r} reads {feature!r}, which the scored rows do not have: fix the rule "
            "(scoring/decide/offer_rules.py) or the feature mart"
        )
    return data[feature]


def _holds(condition: Condition, rule: str, data, values, names, people: Population, k: int) -> np.ndarray:
    if condition.test in ("raises", "lowers"):
        if values is None:
            return np.zeros(data.height, dtype=bool)
        return in_top(values, names, condition.feature, 1 if condition.test == "raises" else -1, k)
    column = _values(data, condition.feature, rule)
    if condition.test == "equals":
        if condition.value is None:
            return column.is_null().to_numpy()
        if isinstance(condition.value, str):
            return (column.cast(pl.String) == condition.value).fill_null(False).to_numpy()
        return (column.cast(pl.Float64) == float(condition.value)).fill_null(False).to_numpy()
    numbers = column.cast(pl.Float64).fill_nan(None)
    if condition.test in ("above_median", "below_median"):
        median = people.medians.get(condition.feature)
        if median is None:
            return np.zeros(data.height, dtype=bool)
        found = numbers > median if condition.test == "above_median" else numbers < median
    else:
        limit = float(condition.value)
        found = numbers >= limit if condition.test == "at_least" else numbers <= limit
    return found.fill_null(False).to_numpy()


def _filled(rule: OfferRule, data: pl.DataFrame, rows: np.ndarray) -> list[str]:
    fields = rule.placeholders()
    if not fields:
        return [rule.offer] * len(rows)
    columns = {f: _values(data, f, rule.name).to_list() for f in fields}
    out = []
    for row in rows:
        shown = {}
        for f in fields:
            value = columns[f][row]
            shown[f] = number(float(value)) if isinstance(value, int | float) else str(value)
        out.append(rule.offer.format(**shown))
    return out


def choose_offers(
    rules: tuple[OfferRule, ...],
    data: pl.DataFrame,
    values: np.ndarray | None,
    names: tuple[str, ...],
    people: Population,
    k: int = RULE_REASONS,
) -> pl.DataFrame:
    """offer_rule and offer per row of `data` (the clients' values; `values` their SHAP values over `names`,
    in the same row order): the first rule that holds. The last rule should have no condition; a row no rule
    takes gets no offer (nulls)."""
    n = data.height
    chosen = np.full(n, -1)
    for index, rule in enumerate(rules):
        holds = np.ones(n, dtype=bool)
        for condition in rule.when:
            holds &= _holds(condition, rule.name, data, values, names, people, k)
        chosen[(chosen < 0) & holds] = index
    offers = np.full(n, None, dtype=object)
    for index, rule in enumerate(rules):
        rows = np.flatnonzero(chosen == index)
        if len(rows):
            offers[rows] = _filled(rule, data, rows)
    return pl.DataFrame(
        {"offer_rule": [rules[i].name if i >= 0 else None for i in chosen], "offer": offers.tolist()},
        schema={"offer_rule": pl.String, "offer": pl.String},
    )


def offer_effects(rules: tuple[OfferRule, ...], rule_names: pl.Series, default: float) -> pl.Series:
    """The assumed effect of each client's offer, by the name of the rule that chose it (`default` for a rule
    without its own, or a name the rules no longer have)."""
    effects = {r.name: r.effect for r in rules if r.effect is not None}
    return rule_names.replace_strict(effects, default=default, return_dtype=pl.Float64).alias("offer_effect")


def describe_rule(rule: OfferRule) -> str:
    """A rule in words, for the report: 'name: when a and b -> offer'."""
    words = {
        "raises": "{f} raises the score",
        "lowers": "{f} lowers the score",
        "at_least": "{f} ≥ {v}",
        "at_most": "{f} ≤ {v}",
        "equals": "{f} = {v}",
        "above_median": "{f} above the median",
        "below_median": "{f} below the median",
    }
    when = " and ".join(words[c.test].format(f=c.feature, v=c.value) for c in rule.when) or "otherwise"
    offer = re.sub(r"{(\w+)}", r"[\1]", rule.offer)
    return f"{rule.name}: {when} → {offer}"
