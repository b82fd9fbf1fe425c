"""Did a campaign work: the conversion of its treatment and control groups, the uplift (treatment's rate minus
control's) with a confidence interval, and the uplift at k over several campaigns (scikit-uplift's
uplift@k: the top k share of each campaign's members by expected value, both groups, pooled).

The interval is Wald's for a difference of two proportions: uplift ± z x sqrt(pt(1 - pt) / nt +
pc(1 - pc) / nc). It needs a few conversions in each group to mean much; with none it has no width.
Frames in, numbers out.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import polars as pl

from scoring.decide.campaign import CONTROL, TREATMENT

CONFIDENCE = 0.95
K_SHARES = (0.1, 0.2, 0.3, 0.5, 1.0)


@dataclass(frozen=True)
class Uplift:
    """Treatment against control: clients, conversions, rates and the uplift with its interval."""

    treatment_clients: int
    treatment_converted: int
    control_clients: int
    control_converted: int
    confidence: float

    @property
    def treatment_rate(self) -> float:
        return self.treatment_converted / self.treatment_clients if self.treatment_clients else math.nan

    @property
    def control_rate(self) -> float:
        return self.control_converted / self.control_clients if self.control_clients else math.nan

    @property
    def uplift(self) -> float:
        return self.treatment_rate - self.control_rate

    @property
    def interval(self) -> tuple[float, float]:
        if not (self.treatment_clients and self.control_clients):
            return math.nan, math.nan
        pt, pc = self.treatment_rate, self.control_rate
        se = math.sqrt(pt * (1 - pt) / self.treatment_clients + pc * (1 - pc) / self.control_clients)
        z = NormalDist().inv_cdf(0.5 + self.confidence / 2)
        return self.uplift - z * se, self.uplift + z * se

    def as_row(self) -> dict:
        low, high = self.interval
        return {
            "treatment_clients": self.treatment_clients,
            "treatment_converted": self.treatment_converted,
            "treatment_rate": self.treatment_rate,
            "control_clients": self.control_clients,
            "control_converted": self.control_converted,
            "control_rate": self.control_rate,
            "uplift": self.uplift,
            "uplift_ci_low": low,
            "uplift_ci_high": high,
            "confidence": self.confidence,
        }


def conversion_uplift(members: pl.DataFrame, confidence: float = CONFIDENCE) -> Uplift:
    """The uplift of members with a `group` (treatment | control) and a boolean `converted`."""
    counts = members.group_by("group").agg(pl.len().alias("n"), pl.col("converted").sum().alias("converted"))
    found = {row["group"]: (row["n"], int(row["converted"])) for row in counts.iter_rows(named=True)}
    nt, ct = found.get(TREATMENT, (0, 0))
    nc, cc = found.get(CONTROL, (0, 0))
    return Uplift(nt, ct, nc, cc, confidence)


def top_share(members: pl.DataFrame, k_share: float) -> pl.DataFrame:
    """Each campaign's top `k_share` of its members (rounded up, at least one) by expected value; ties by
    client_id."""
    ranked = members.sort(["campaign_id", "expected_value", "client_id"], descending=[False, True, False])
    ranked = ranked.with_columns(
        position=pl.int_range(pl.len()).over("campaign_id"), size=pl.len().over("campaign_id")
    )
    # less a hair, so that 10 x 0.3 (3.0000000000000004 in floats) keeps 3, not 4
    keep = pl.col("position") < (pl.col("size") * k_share - 1e-9).ceil().clip(lower_bound=1)
    return ranked.filter(keep).drop("position", "size")


def uplift_at_k(members: pl.DataFrame, k_share: float, confidence: float = CONFIDENCE) -> Uplift:
    """The uplift of the top `k_share` of every campaign's members (campaign_id, client_id, group,
    expected_value, converted), pooled over the campaigns."""
    return conversion_uplift(top_share(members, k_share), confidence)
