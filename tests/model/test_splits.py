"""The two validation protocols and the client-level folds."""

from datetime import date

import numpy as np
import polars as pl

from scoring.model.splits import client_folds, client_split, out_of_time_split, provided_stand_in

DATES = [date(2024, 2, 16), date(2023, 11, 18), date(2023, 8, 20)]


def _keys(n_clients: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_clients), 3)
    dates = DATES * n_clients
    provided = np.array([d == DATES[0] for d in dates])
    y = (rng.random(len(ids)) < 0.1).astype(np.int8)
    keys = pl.DataFrame({"client_id": ids, "as_of_date": dates, "is_provided": provided})
    return keys, y


def test_client_split_keeps_each_client_in_one_part():
    keys, y = _keys()
    split = client_split(keys, y, np.ones(len(y), bool), 0.2, 0.2, seed=1)
    ids = keys["client_id"].to_numpy()
    parts = [set(ids[split.train]), set(ids[split.valid]), set(ids[split.test])]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])


def test_client_split_tests_and_calibrates_on_provided_labels_only():
    keys, y = _keys()
    split = client_split(keys, y, np.ones(len(y), bool), 0.2, 0.2, seed=1)
    provided = keys["is_provided"].to_numpy()
    assert provided[split.test].all() and provided[split.calibrate].all()
    assert set(split.calibrate) <= set(split.valid)
    assert len(split.test) == 60  # 20 % of 300 clients


def test_client_split_is_stratified_by_the_provided_label():
    keys, y = _keys(2000)
    split = client_split(keys, y, np.ones(len(y), bool), 0.2, 0.2, seed=3)
    provided = keys["is_provided"].to_numpy()
    overall = y[provided].mean()
    assert abs(y[split.test].mean() - overall) < 0.01


def test_client_split_validates_only_on_the_target_population():
    keys, y = _keys()
    population = np.arange(len(y)) % 2 == 0
    split = client_split(keys, y, population, 0.2, 0.2, seed=1)
    assert population[split.valid].all()


def test_out_of_time_trains_on_earlier_cutoffs_and_tests_on_the_provided_target():
    keys, _ = _keys()
    split = out_of_time_split(keys, np.ones(keys.height, bool))
    dates = keys["as_of_date"].to_numpy()
    assert (dates[split.train] == np.datetime64(DATES[2])).all()
    assert (dates[split.valid] == np.datetime64(DATES[1])).all()
    assert keys["is_provided"].to_numpy()[split.test].all()


def test_out_of_time_needs_two_derived_cutoffs():
    keys, _ = _keys()
    only_one = keys.filter(pl.col("as_of_date") != DATES[2])
    assert out_of_time_split(only_one, np.ones(only_one.height, bool)) is None


def test_folds_keep_each_client_in_one_fold():
    keys, y = _keys()
    rows = np.arange(keys.height)
    folds = client_folds(keys, y, rows, 3, seed=0)
    per_client = (
        pl.DataFrame({"client_id": keys["client_id"], "fold": folds})
        .group_by("client_id")
        .agg(pl.col("fold").n_unique())
    )
    assert (per_client["fold"] == 1).all()
    assert set(folds) == {0, 1, 2}


def test_without_provided_labels_the_latest_cutoff_stands_in_for_them_in_its_population():
    keys, _ = _keys()
    keys = keys.with_columns(is_provided=pl.lit(False))
    population = np.arange(keys.height) // 3 % 4 != 0  # every fourth client is outside it
    stand_in = provided_stand_in(keys, population)
    latest = (keys["as_of_date"] == DATES[0]).to_numpy()
    assert stand_in.cutoff == DATES[0]
    # the latest cutoff's rows outside the population are left out, as a provided target would not list them
    assert set(stand_in.keep) == set(np.flatnonzero(~latest | population))
    assert stand_in.keys["is_provided"].to_list() == list(latest[stand_in.keep])
    assert "stand in" in stand_in.note
    split = client_split(stand_in.keys, np.zeros(len(stand_in.keep), np.int8), population[stand_in.keep],
                         0.2, 0.2, seed=1)  # fmt: skip
    assert (
        len(split.test) > 0
        and (stand_in.keys["as_of_date"].to_numpy()[split.test] == np.datetime64(DATES[0])).all()
    )


def test_provided_labels_need_no_stand_in():
    keys, _ = _keys()
    assert provided_stand_in(keys, np.ones(keys.height, bool)) is None
