"""The cap on training rows: whole clients, the same ones for a seed, read at the source; nothing below it."""

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from scoring.model.sampling import client_hash, sample_clients
from scoring.run.result import summary
from scoring.run.train import train_and_score
from scoring.store import lake, warehouse
from tests.synthetic import make_settings, read, synthetic_marts, write_marts

KEY = ("client_id", "as_of_date")
PINNED_HASHES = [
    16752287741700778742,
    7704296228036824794,
    6332618229526065668,
]  # SplitMix64, checked by hand
MARTS = ("marts.training_set", "marts.client_features", "label", KEY, None)


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("sampling"))
    features, training = synthetic_marts(n_clients=400)
    write_marts(settings.warehouse, features, training)
    per_client = warehouse.labelled_rows_per_client(
        settings.warehouse, "marts.training_set", "label", "client_id"
    )
    return settings, training, per_client


def _read(settings, clients=None) -> pl.DataFrame:
    return warehouse.read_task_frames(settings.warehouse, *MARTS, clients)[0]


def test_rows_per_client_counts_the_labelled_rows_only(marts):
    _, training, per_client = marts
    labelled = training.filter(pl.col("label").is_not_null())
    assert per_client["n_rows"].sum() == labelled.height
    assert set(per_client["client_id"]) == set(labelled["client_id"])


@pytest.mark.parametrize("cap", [None, "total"])
def test_below_the_cap_every_labelled_client_is_read_as_before(marts, cap):
    settings, _, per_client = marts
    total = int(per_client["n_rows"].sum())
    sample = sample_clients(per_client, total if cap == "total" else None, seed=42)
    assert not sample.is_sampled and sample.clients is None
    assert (sample.rows_used, sample.rows_total) == (total, total)
    assert _read(settings, sample.clients).equals(_read(settings))


def test_above_the_cap_whole_clients_are_read_and_their_rows_fit_in_it(marts):
    settings, _, per_client = marts
    cap = int(per_client["n_rows"].sum()) // 3
    sample = sample_clients(per_client, cap, seed=42)
    sampled = _read(settings, sample.clients)
    assert sample.is_sampled and sampled.height == sample.rows_used
    assert cap - per_client["n_rows"].max() < sample.rows_used <= cap
    # every labelled row of a sampled client, and nothing of the others
    expected = _read(settings).filter(pl.col("client_id").is_in(sample.clients.implode()))
    assert sampled.equals(expected)
    assert set(sampled["client_id"]) == set(sample.clients)
    assert sample.as_dict()["clients_total"] == per_client.height > len(sample.clients)


def test_the_sample_is_the_same_for_a_seed_and_another_for_another_seed(marts):
    _, _, per_client = marts
    cap = int(per_client["n_rows"].sum()) // 2
    first, again = sample_clients(per_client, cap, 42), sample_clients(per_client.reverse(), cap, 42)
    other = sample_clients(per_client, cap, 7)
    assert first.clients.equals(again.clients)
    assert not first.clients.equals(other.clients)


def test_client_hash_is_pinned_so_a_sample_does_not_move_between_versions():
    ids = np.array([1515915625468064353, 1515915625491869271, 0], dtype=np.int64)
    assert client_hash(ids, 42).tolist() == PINNED_HASHES


def test_the_parquet_reader_of_a_spark_build_reads_the_same_sample(marts, tmp_path):
    settings, training, per_client = marts
    features = read(settings, "select * from marts.client_features")
    for relation, frame in (("marts.training_set", training), ("marts.client_features", features)):
        folder = lake.relation_dir(tmp_path, relation)
        folder.mkdir(parents=True)
        frame.write_parquet(folder / "part-00000.parquet")
    sample = sample_clients(per_client, int(per_client["n_rows"].sum()) // 3, seed=42)
    counts = lake.labelled_rows_per_client(tmp_path, "marts.training_set", "label", "client_id")
    assert counts.sort("client_id").equals(per_client.sort("client_id"), null_equal=True)
    from_lake = lake.read_task_frames(tmp_path, *MARTS, sample.clients)[0]
    assert from_lake.equals(_read(settings, sample.clients))


@pytest.mark.slow
def test_a_capped_run_says_how_many_rows_it_used_and_flags_every_labelled_client(tmp_path, test_task):
    settings = make_settings(tmp_path)
    write_marts(settings.warehouse, *synthetic_marts())
    total = read(settings, "select count(*) as n from marts.training_set where label is not null")["n"][0]
    task = replace(test_task, max_training_rows=total // 2)
    result = train_and_score(settings, task, top_k=3)
    used = result.extra_metrics["training_rows"]
    assert used["rows_total"] == total and 0 < used["rows_used"] <= total // 2
    assert result.notes and f"{used['rows_used']:,} of the {total:,}" in result.notes[0]
    assert f"{used['rows_used']:,} of the {total:,} labelled rows" in summary(result)
    # the oof rows are the sample's; clients left out are scored by the final model, which never saw them
    labelled = set(
        read(settings, "select client_id from marts.training_set where label is not null")["client_id"]
    )
    assert set(result.oof["client_id"]) < labelled
    scores = read(settings, "select * from scoring.scores where model_run_id = ?", [result.model_run_id])
    assert set(scores.filter("is_out_of_fold")["client_id"]) == labelled & set(scores["client_id"])
