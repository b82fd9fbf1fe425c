"""The two validation protocols as row-index splits of the labelled rows, and the client-level folds.

(a) client split: the clients with a provided label are split, stratified by it, into train / validation /
    test; every row of a client (all cutoffs) follows the client. Clients without a provided label train.
(b) out of time: derived labels at earlier cutoffs train, the last derived cutoff validates, the provided
    target at the scoring cutoff tests.

A past scoring date has no provided target (it belongs to the last day of the data): there the derived
labels of the latest labelled cutoff stand in for it (provided_stand_in), so both protocols still hold out
clients and a later cutoff than they train on.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Split:
    """Row indices of one protocol. `calibrate` is the part of `valid` the calibrator is fitted on."""

    name: str
    train: np.ndarray
    valid: np.ndarray
    calibrate: np.ndarray
    test: np.ndarray
    description: str


def _provided_labels(keys: pl.DataFrame, y: np.ndarray) -> pl.DataFrame:
    """One row per client: its provided label, or null when it has none."""
    frame = keys.select("client_id", "is_provided").with_columns(y=pl.Series(y))
    provided = frame.filter("is_provided").group_by("client_id").agg(pl.col("y").max())
    return (
        frame.select("client_id")
        .unique()
        .join(provided, on="client_id", how="left", maintain_order="left")
        .sort("client_id")
    )


def _assign_groups(clients: pl.DataFrame, shares: list[float], seed: int) -> pl.DataFrame:
    """Give each client a group 0..len(shares)-1, stratified by its provided label (null is a stratum)."""
    rng = np.random.default_rng(seed)
    parts = []
    for _, stratum in clients.group_by("y", maintain_order=True):
        ids = stratum["client_id"].to_numpy()[rng.permutation(stratum.height)]
        bounds = np.round(np.cumsum(shares) * len(ids)).astype(int)
        group = np.searchsorted(bounds, np.arange(len(ids)), side="right")
        parts.append(pl.DataFrame({"client_id": ids, "group": np.minimum(group, len(shares) - 1)}))
    return pl.concat(parts).sort("client_id")


def client_split(
    keys: pl.DataFrame,
    y: np.ndarray,
    population: np.ndarray,
    test_share: float,
    valid_share: float,
    seed: int,
) -> Split:
    """Protocol (a): a client-level stratified split of the provided target.

    Validation rows are the validation clients' rows in the target population (all their cutoffs).
    """
    clients = _provided_labels(keys, y)
    labelled = _assign_groups(clients.filter(pl.col("y").is_not_null()), [test_share, valid_share, 1.0], seed)
    group = (
        keys.select("client_id")
        .join(labelled, on="client_id", how="left", maintain_order="left")["group"]
        .fill_null(2)
        .to_numpy()
    )
    provided = keys["is_provided"].to_numpy()
    return Split(
        name="client_split",
        train=np.flatnonzero(group == 2),
        valid=np.flatnonzero((group == 1) & population),
        calibrate=np.flatnonzero((group == 1) & provided),
        test=np.flatnonzero((group == 0) & provided),
        description=(
            f"clients with a provided label split {1 - test_share - valid_share:.0%} / {valid_share:.0%} / "
            f"{test_share:.0%} (train / validation / test), stratified by it; a client's cutoffs follow it"
        ),
    )


def out_of_time_split(keys: pl.DataFrame, population: np.ndarray) -> Split | None:
    """Protocol (b): train on earlier derived cutoffs, validate on the last one, test on the provided target.

    None when there are fewer than two derived cutoffs or no provided rows.
    """
    provided = keys["is_provided"].to_numpy()
    dates = keys["as_of_date"].to_numpy()
    derived_dates = np.unique(dates[~provided])
    if len(derived_dates) < 2 or not provided.any():
        return None
    last = derived_dates[-1]
    valid = np.flatnonzero(~provided & (dates == last) & population)
    return Split(
        name="out_of_time",
        train=np.flatnonzero(~provided & (dates < last)),
        valid=valid,
        calibrate=valid,
        test=np.flatnonzero(provided),
        description=(
            f"derived labels at {len(derived_dates) - 1} cutoffs up to {derived_dates[-2]} train, the cutoff "
            f"{last} validates and calibrates, the provided target at the scoring cutoff tests"
        ),
    )


def client_folds(keys: pl.DataFrame, y: np.ndarray, rows: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A fold number 0..k-1 for each of `rows`, by client, stratified by the client's provided label."""
    subset = keys[pl.Series(rows)]
    clients = _provided_labels(subset, y[rows])
    folds = _assign_groups(clients, [1.0 / k] * k, seed)
    return (
        subset.select("client_id")
        .join(folds, on="client_id", how="left", maintain_order="left")["group"]
        .to_numpy()
    )


@dataclass(frozen=True)
class StandIn:
    """The labelled rows kept when derived labels stand in for the provided target, with their keys."""

    keep: np.ndarray  # row indices kept, in order
    keys: pl.DataFrame  # the kept rows' keys, is_provided true at the stand-in cutoff
    cutoff: date  # the stand-in cutoff
    note: str


def provided_stand_in(keys: pl.DataFrame, population: np.ndarray) -> StandIn | None:
    """None when some labelled row comes from the provided target; else the stand-in for it.

    A run as of a past date has no provided labels. The derived labels of the latest labelled cutoff take
    the provided target's place: its rows in the target population (the clients a provided target lists)
    become the provided rows that the client split holds out and tests on, and its other rows are left out,
    as they would be unlabelled at a cutoff with a provided target. The earlier cutoffs train as before.
    """
    if keys["is_provided"].any() or keys.is_empty():
        return None
    dates = keys["as_of_date"].to_numpy()
    cutoff = dates.max()
    at_cutoff = dates == cutoff
    if not (at_cutoff & population).any():  # no row of the population there: the whole cutoff stands in
        population = np.ones(len(dates), dtype=bool)
    keep = np.flatnonzero(~at_cutoff | population)
    kept = keys[pl.Series(keep)].with_columns(is_provided=pl.Series(at_cutoff[keep]))
    day = kept["as_of_date"].max()
    note = (
        f"no provided labels at the scoring date: the derived labels of the latest labelled cutoff, {day} "
        f"({int(at_cutoff[keep].sum()):,} rows of the target population), stand in for them in validation "
        "and test"
    )
    return StandIn(keep, kept, day, note)
