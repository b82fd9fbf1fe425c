"""A campaign's contact list from scored clients: who may not be contacted (and why), the expected value of
contacting each of the others, the selection rule, and a seeded random control group that is held out.

expected value = probability x the client's value x the offer's assumed effect - the contact cost
(CausalML's net-value rule: what a contact is worth after its cost). Frames in, frames out; the run reads
the scores, offers and the clients' columns, and writes what this returns.
"""

import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.errors import ConfigError
from scoring.tasks import CampaignRules, Exclusion

RULES = ("size", "budget", "min_expected_value", "target_recall")
TREATMENT, CONTROL = "treatment", "control"


@dataclass(frozen=True)
class Selection:
    """How many to select: the `size` best by expected value; as many as a `budget` pays to contact (the
    treatment group at the contact cost each); all with an expected value of at least
    `min_expected_value`; or, by probability, the fewest whose expected share of all the eligible clients'
    outcomes (their probabilities summed) reaches `target_recall`."""

    rule: str
    value: float

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ConfigError(f"Unknown selection rule {self.rule!r}: use one of {', '.join(RULES)}")
        if self.rule == "size" and (self.value < 1 or self.value != int(self.value)):
            raise ConfigError(
                f"SIZE={self.value:g}: a campaign's size is a whole number of clients, at least 1"
            )
        if self.rule == "budget" and self.value <= 0:
            raise ConfigError(f"BUDGET={self.value:g}: a budget must be above 0")
        if self.rule == "target_recall" and not 0 < self.value <= 1:
            raise ConfigError(f"RECALL={self.value:g}: a target recall is a share, above 0 and at most 1")

    def describe(self) -> str:
        return {
            "size": f"the {int(self.value):,} clients with the highest expected value",
            "budget": (
                f"as many clients by expected value as a budget of {self.value:,.6g} pays to contact "
                "(the treatment group, at the contact cost each)"
            ),
            "min_expected_value": f"every client with an expected value of at least {self.value:,.6g}",
            "target_recall": (
                f"the fewest clients by probability whose expected recall reaches {self.value:.0%}"
            ),
        }[self.rule]


@dataclass(frozen=True)
class CampaignPlan:
    """The selected clients with their group, and the counts of everyone the campaign looked at."""

    members: pl.DataFrame  # client_id, group, probability, value, offer_effect, expected_value, offer, ...
    excluded: dict[str, int]  # reason -> clients, in the order of the task's exclusions
    counts: dict


def control_size(selected: int, share: float) -> int:
    """Clients held out of `selected`: share x selected, rounded half up."""
    return math.floor(selected * share + 0.5)


def exclusion_mask(frame: pl.DataFrame, exclusion: Exclusion) -> pl.Series:
    """Which rows `exclusion` excludes (its column holds one of its values; None matches a missing value)."""
    if exclusion.column not in frame.columns:
        raise ConfigError(
            f"The exclusion {exclusion.reason!r} reads {exclusion.column!r}, which the clients' rows lack: "
            "fix the task's CampaignRules (scoring/tasks.py) or rebuild the marts"
        )
    column = frame[exclusion.column]
    known = [v for v in exclusion.values if v is not None]
    mask = (
        column.is_in(pl.Series(known, dtype=column.dtype))
        if known
        else pl.repeat(False, len(column), eager=True)
    )
    if None in exclusion.values:
        mask = mask | column.is_null()
    return mask.fill_null(False)


def apply_exclusions(frame: pl.DataFrame, exclusions: tuple[Exclusion, ...]) -> tuple[pl.DataFrame, dict]:
    """The rows no exclusion applies to, and how many each exclusion removed (a row counts under the first
    exclusion that applies to it)."""
    left, excluded = frame, {}
    for exclusion in exclusions:
        mask = exclusion_mask(left, exclusion)
        excluded[exclusion.reason] = int(mask.sum())
        left = left.filter(~mask)
    return left, excluded


def _treated(selected: int, share: float) -> int:
    return selected - control_size(selected, share)


def _budget_size(available: int, budget: float, cost: float, share: float) -> int:
    if cost <= 0:
        raise ConfigError(
            "A budget cannot limit a campaign whose contact cost is 0: set the task's contact_cost "
            "(scoring/tasks.py) or choose a SIZE"
        )
    contacts = math.floor(budget / cost + 1e-9)
    n = min(contacts, available)
    while n < available and _treated(n + 1, share) <= contacts:
        n += 1
    return n


def select(eligible: pl.DataFrame, selection: Selection, rules: CampaignRules, share: float) -> pl.DataFrame:
    """The selected rows of `eligible` (client_id, probability, expected_value, ...), best first."""
    by_value = eligible.sort(["expected_value", "client_id"], descending=[True, False])
    if selection.rule == "size":
        return by_value.head(int(selection.value))
    if selection.rule == "budget":
        return by_value.head(_budget_size(by_value.height, selection.value, rules.contact_cost, share))
    if selection.rule == "min_expected_value":
        return by_value.filter(pl.col("expected_value") >= selection.value)
    by_probability = eligible.sort(["probability", "client_id"], descending=[True, False])
    total = by_probability["probability"].sum()
    if not total:
        return by_probability.head(0)
    recall = (by_probability["probability"].cum_sum() / total).to_numpy()
    n = int(np.searchsorted(recall, selection.value - 1e-12) + 1)
    return by_probability.head(min(n, by_probability.height))


def draw_control(client_ids: pl.Series, share: float, seed: int) -> pl.Series:
    """True for the clients held out: control_size(n, share) of them drawn at random, seeded, from the ids
    in sorted order, so the same ids and seed give the same control group whatever their order."""
    if not 0 <= share < 1:
        raise ConfigError(f"CONTROL_SHARE={share:g}: a control share is at least 0 and below 1")
    ordered = np.sort(client_ids.to_numpy())
    picked = np.random.default_rng(seed).choice(
        len(ordered), control_size(len(ordered), share), replace=False
    )
    held = pl.Series(ordered[picked], dtype=client_ids.dtype)
    return client_ids.is_in(held.implode())


def plan_campaign(
    clients: pl.DataFrame, rules: CampaignRules, selection: Selection, share: float, seed: int
) -> CampaignPlan:
    """Exclude, value, select and split the scored clients: `clients` has client_id, probability, value,
    offer_effect, offer, offer_rule, reason and the exclusions' columns."""
    eligible, excluded = apply_exclusions(clients, rules.exclusions)
    eligible = eligible.with_columns(
        expected_value=pl.col("probability") * pl.col("value") * pl.col("offer_effect") - rules.contact_cost
    )
    selected = select(eligible, selection, rules, share)
    held = draw_control(selected["client_id"], share, seed)
    members = selected.with_columns(group=pl.when(held).then(pl.lit(CONTROL)).otherwise(pl.lit(TREATMENT)))
    treatment = members.filter(pl.col("group") == TREATMENT)
    counts = {
        "scored": clients.height,
        "excluded": excluded,
        "eligible": eligible.height,
        "selected": members.height,
        "treatment": treatment.height,
        "control": members.height - treatment.height,
        "selected_with_negative_expected_value": int((members["expected_value"] < 0).sum()),
        "expected_value_treatment": float(treatment["expected_value"].sum()),
        "contact_cost_treatment": treatment.height * rules.contact_cost,
        "offers": dict(
            members.group_by("offer_rule")
            .len()
            .sort(["len", "offer_rule"], descending=[True, False])
            .iter_rows()
        ),
    }
    return CampaignPlan(members, excluded, counts)


def campaign_id(task: str, as_of: str, parameters: dict) -> str:
    """The campaign's id: the task, the scores' date and a digest of its parameters (the source run among
    them), so the same campaign asked twice has the same id."""
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode()).hexdigest()[:10]
    return f"{task}-{as_of.replace('-', '')}-{digest}"
