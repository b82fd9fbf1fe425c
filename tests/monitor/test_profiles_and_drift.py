"""Profiles in SQL against numpy, batches against one pass, drift metrics against their definitions, the
seasonal allowance, and the realised metrics in SQL against scikit-learn."""

from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import average_precision_score, roc_auc_score

from scoring.model.dataset import FeatureSpec
from scoring.monitor import drift, profiles, realised
from scoring.tasks import DriftRule, Monitoring, Task

DAY = date(2024, 2, 16)
SPEC = FeatureSpec(("amount", "visits", "empty"), ("state",))


def _rows(n: int = 5_000, seed: int = 0, shift: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3 + shift, 1, n)
    amount[rng.random(n) < 0.1] = np.nan
    return pl.DataFrame(
        {
            "client_id": np.arange(n, dtype=np.int64) * 7919,
            "as_of_date": [DAY] * n,
            "amount": amount,
            "visits": rng.poisson(2, n).astype(np.int32),
            "empty": [None] * n,
            "state": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
        },
        schema_overrides={"empty": pl.Float64},
    ).with_columns(pl.col("amount").fill_nan(None))


def _staged(con, frames: list[pl.DataFrame], share: float = 1.0) -> profiles.Staged:
    staged = profiles.Staged(con, SPEC, {DAY: share})
    for number, frame in enumerate(frames):
        con.register(f"batch_{number}", frame.to_arrow())
        staged.add(f"batch_{number}")
    return staged


def test_a_profile_has_every_rows_statistics_and_the_samples_histogram_on_the_edges():
    frame = _rows()
    with duckdb.connect() as con:
        profile = profiles.profile(_staged(con, [frame]), {"amount": [10.0, 50.0], "visits": [0.0, 2.0]})
    amount = profile.filter(pl.col("feature") == "amount").row(0, named=True)
    values = frame["amount"].drop_nulls().to_numpy()
    assert amount["row_count"] == 5_000 and amount["nulls"] == frame["amount"].null_count()
    assert amount["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert amount["std"] == pytest.approx(values.std(ddof=1), rel=1e-9)
    assert amount["p50"] == pytest.approx(np.quantile(values, 0.5), rel=1e-12)
    expected = [frame["amount"].null_count(), (values <= 10).sum(), ((values > 10) & (values <= 50)).sum(),
                (values > 50).sum()]  # fmt: skip
    assert amount["bin_counts"] == expected
    empty = profile.filter(pl.col("feature") == "empty").row(0, named=True)
    assert (empty["nulls"], empty["mean"], empty["bin_counts"]) == (5_000, None, None)
    state = profile.filter(pl.col("feature") == "state").row(0, named=True)
    assert dict(zip(state["categories"], state["category_counts"], strict=True)) == dict(
        frame.group_by("state").len().iter_rows()
    )


def test_a_profile_read_in_batches_equals_the_profile_read_at_once():
    frame = _rows()
    edges = {"amount": [5.0, 20.0, 80.0], "visits": [1.0, 3.0]}
    with duckdb.connect() as con:
        whole = profiles.profile(_staged(con, [frame], share=0.4), edges)
        parts = profiles.profile(
            _staged(con, [frame[:1234], frame[1234:3000], frame[3000:]], share=0.4), edges
        )
    whole, parts = whole.sort("feature"), parts.sort("feature")
    sums = ["mean", "std"]  # float sums in another order: equal to the last bits or nearly
    assert whole.drop(sums).equals(parts.drop(sums))  # counts, quantiles and histograms: exactly
    for column in sums:
        assert whole[column].fill_null(0).to_list() == pytest.approx(
            parts[column].fill_null(0).to_list(), rel=1e-12
        )
    assert 1_500 < whole["sample_rows"][0] < 2_500  # about 40 % of the clients, the same ones both times


def test_reference_edges_are_the_deciles_and_its_pooled_histogram_sums_its_cutoffs():
    frame = pl.concat([_rows(seed=1), _rows(seed=2).with_columns(as_of_date=pl.lit(date(2023, 11, 18)))])
    with duckdb.connect() as con:
        con.register("reference", frame.to_arrow())
        staged = profiles.Staged(con, SPEC, {DAY: 1.0, date(2023, 11, 18): 1.0})
        staged.add("reference")
        reference = profiles.reference(staged, bins=10)
    visits = frame["visits"].to_numpy()
    assert reference.edges["visits"] == sorted(set(np.quantile(visits, np.arange(1, 10) / 10)))
    pooled = reference.pooled.filter(pl.col("feature") == "visits")["bin_counts"][0].to_list()
    per_cutoff = reference.cutoffs.filter(pl.col("feature") == "visits")["bin_counts"].to_list()
    assert pooled == list(np.sum(per_cutoff, axis=0)) and sum(pooled) == frame.height


def _profile_of(frame: pl.DataFrame, edges) -> pl.DataFrame:
    with duckdb.connect() as con:
        return profiles.profile(_staged(con, [frame]), edges)


def _shares(counts) -> np.ndarray:
    counts = np.asarray(counts, float)
    return counts / counts.sum()


def test_psi_js_and_linf_follow_their_definitions():
    edges = {"amount": [10.0, 20.0, 40.0, 80.0], "visits": [1.0, 2.0, 3.0]}
    current, reference = _profile_of(_rows(seed=3, shift=0.8), edges), _profile_of(_rows(seed=4), edges)
    with duckdb.connect() as con:
        measured = drift.compare(con, current, reference, Monitoring())
    for feature in ("amount", "visits"):
        p = _shares(current.filter(pl.col("feature") == feature)["bin_counts"][0])
        q = _shares(reference.filter(pl.col("feature") == feature)["bin_counts"][0])
        pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
        row = measured.filter(pl.col("feature") == feature).row(0, named=True)
        assert row["psi"] == pytest.approx(np.sum((pf - qf) * np.log(pf / qf)), rel=1e-12)
        assert row["js_distance"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)
        assert row["linf_distance"] == pytest.approx(np.abs(p - q).max(), rel=1e-12)
    assert measured.filter(pl.col("feature") == "amount")["is_drifted"][0]  # 0.8 sd further: a major shift
    assert not measured.filter(pl.col("feature") == "visits")["is_drifted"][0]
    assert "empty" not in measured["feature"].to_list()  # no values, no histogram: nothing to compare


def test_rules_choose_the_metric_and_threshold_per_type_and_feature():
    edges = {"amount": [10.0, 20.0, 40.0, 80.0], "visits": [1.0, 2.0, 3.0]}
    current, reference = _profile_of(_rows(seed=3, shift=0.4), edges), _profile_of(_rows(seed=4), edges)
    lenient = Monitoring(
        features=(("amount", DriftRule("js_distance", 0.9)),), categorical=DriftRule("psi", 0.0)
    )
    with duckdb.connect() as con:
        measured = drift.compare(con, current, reference, lenient)
    amount = measured.filter(pl.col("feature") == "amount").row(0, named=True)
    assert (amount["metric"], amount["threshold"], amount["is_drifted"]) == ("js_distance", 0.9, False)
    state = measured.filter(pl.col("feature") == "state").row(0, named=True)
    assert (state["metric"], state["is_drifted"]) == ("psi", True)


def test_against_training_the_threshold_rises_to_the_spread_of_the_training_cutoffs():
    edges = {"amount": [10.0, 20.0, 40.0, 80.0], "visits": [1.0, 2.0, 3.0]}
    cutoffs = pl.concat(
        [
            _profile_of(_rows(seed=s, shift=shift), edges).with_columns(as_of_date=pl.lit(date(2023, m, 1)))
            for s, shift, m in ((5, 0.0, 3), (6, 0.5, 6), (7, 1.0, 9))
        ]
    )  # fmt: skip  (amount moves half a log unit from one cutoff to the next: the season)
    pooled = _profile_of(
        pl.concat([_rows(seed=5), _rows(seed=6, shift=0.5), _rows(seed=7, shift=1.0)]), edges
    )
    current = _profile_of(_rows(seed=8, shift=1.2), edges)
    with duckdb.connect() as con:
        seasonal = drift.compare(con, current, pooled, Monitoring(), cutoffs)
        plain = drift.compare(con, current, pooled, Monitoring(seasonal_allowance=False), cutoffs)
    amount = seasonal.filter(pl.col("feature") == "amount").row(0, named=True)
    assert amount["training_spread"] > amount["psi"] > 0.2
    assert amount["threshold"] == amount["training_spread"] and not amount["is_drifted"]
    assert plain.filter(pl.col("feature") == "amount")["is_drifted"][0]


def test_realised_metrics_in_sql_equal_scikit_learns(tmp_path):
    rng = np.random.default_rng(11)
    n = 3_000
    probability = np.round(rng.beta(1, 8, n), 3)  # rounded: ties, as probabilities have
    label = (rng.random(n) < probability * 1.5).astype(int)
    ids = np.arange(n, dtype=np.int64)
    scores = pl.DataFrame({"task": "t", "model_run_id": "r1", "client_id": ids, "probability": probability})
    labels = pl.DataFrame({
        "model_run_id": "r1", "client_id": ids, "label": label,
        "is_in_target_population": np.arange(n) % 3 > 0, "as_of_date": date(2023, 11, 18),
        "window_end_date": date(2024, 2, 16),
    })  # fmt: skip
    task = Task(
        name="t", feature_mart="m.f", training_mart="m.t", monitoring=Monitoring(realised_labels="m.labels")
    )
    with duckdb.connect() as con:
        con.execute("create schema scoring; create schema m")
        for name, frame in (("scoring.scores", scores), ("m.labels", labels)):
            con.register("frame", frame.to_arrow())
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
        result = realised.realised_performance(con, task)
    for population, mask in (("scored", np.ones(n, bool)), ("target_population", np.arange(n) % 3 > 0)):
        row = result.filter(pl.col("population") == population).row(0, named=True)
        y, p = label[mask], probability[mask]
        assert (row["clients"], row["positives"]) == (mask.sum(), y.sum())
        assert row["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
        assert row["average_precision"] == pytest.approx(average_precision_score(y, p), abs=1e-12)
        assert row["brier"] == pytest.approx(np.mean((p - y) ** 2), abs=1e-12)
