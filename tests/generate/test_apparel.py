"""The apparel generator writes the real formats, parses cleanly, is deterministic and calibrated."""

import ast
import hashlib
import re
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from scoring.generate.apparel_write import generate_apparel, uniqid
from scoring.generate.profile import format_profile, profile_apparel, truth_summary

MESSAGE_ID = re.compile(r"^(\d{19})-(\d{3,5})-([0-9a-f]{13})$")
SAMPLES = {
    "apparel-purchases.csv": "apparel-purchases.head.csv",
    "apparel-messages.csv": "apparel-messages.head.csv",
    "apparel-target_binary.csv": "apparel-target_binary.csv",
}


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", list(SAMPLES))
def test_generated_files_read_with_the_same_types_as_the_real_samples(apparel_tiny, shared_data, name):
    real = shared_data / "apparel" / "samples" / SAMPLES[name]
    generated = apparel_tiny / name
    assert generated.read_text().splitlines()[0] == real.read_text().splitlines()[0]
    assert pl.read_csv(generated).schema == pl.read_csv(real).schema
    con = duckdb.connect()
    types = [con.sql(f"describe select * from read_csv('{p}')").fetchall() for p in (generated, real)]
    assert types[0] == types[1]


def test_client_ids_have_19_digits_and_the_target_is_sorted(apparel_tiny):
    target = pl.read_csv(apparel_tiny / "apparel-target_binary.csv")
    assert target["client_id"].cast(pl.String).str.len_chars().unique().to_list() == [19]
    assert target["client_id"].is_sorted()
    assert target["client_id"].is_unique().all()
    buyers = pl.read_csv(apparel_tiny / "apparel-purchases.csv")["client_id"].unique()
    assert set(buyers) == set(target["client_id"])


def test_every_message_id_parses_and_its_hex_encodes_the_send_time(apparel_tiny):
    m = pl.read_csv(apparel_tiny / "apparel-messages.csv", try_parse_dates=True)
    parts = m["message_id"].str.extract_groups(MESSAGE_ID.pattern).struct.unnest()
    assert parts.null_count().sum_horizontal().item() == 0, "every message_id parses"
    assert (parts["1"].cast(pl.Int64) == m["client_id"]).all()
    assert (parts["2"].cast(pl.Int64) == m["bulk_campaign_id"]).all()
    sent = parts["3"].str.slice(0, 8).str.to_integer(base=16)
    sends = m["event"] == "send"
    created = m["created_at"].dt.epoch("s")
    assert (sent.filter(sends) == created.filter(sends)).all()
    assert (sent <= created).all()  # nothing happens to a message before it is sent


def test_uniqid_matches_php_format():
    # The real message 1515915625626736623-4439-6283415ac07ea was sent at 2022-05-17 06:31:54 UTC.
    ts = int((datetime(2022, 5, 17, 6, 31, 54) - datetime(1970, 1, 1)).total_seconds())
    assert uniqid(np.array([ts]), np.array([0xC07EA]))[0] == "6283415ac07ea"


def test_every_category_list_parses(apparel_tiny):
    p = pl.read_csv(apparel_tiny / "apparel-purchases.csv")
    for text in p["category_ids"].unique():
        ids = ast.literal_eval(text)
        assert isinstance(ids, list) and len(ids) <= 5
        assert ids == [None] or all(isinstance(i, str) and i.isdigit() for i in ids)
    assert {"[]", "[None]"} <= set(p["category_ids"])
    assert "\"['" in (apparel_tiny / "apparel-purchases.csv").read_text()[:2000]  # quoted lists


def test_purchases_carry_other_clients_messages_and_exact_duplicates(apparel_tiny):
    p = pl.read_csv(apparel_tiny / "apparel-purchases.csv")
    foreign = p["message_id"].str.split("-").list.first() != p["client_id"].cast(pl.String)
    assert 0.15 < foreign.mean() < 0.40
    assert 0.25 < 1 - p.unique().height / p.height < 0.45
    assert p["date"].is_sorted()


def test_messages_are_sorted_by_created_at_and_events_sit_on_their_channels(apparel_tiny):
    m = pl.read_csv(apparel_tiny / "apparel-messages.csv", try_parse_dates=True)
    assert m["created_at"].is_sorted()
    assert (m["created_at"].dt.date() == m["date"]).all()
    email_only = {"unsubscribe", "hbq_spam", "complain", "subscribe"}
    on_push = set(m.filter(pl.col("channel") == "mobile_push")["event"].unique())
    assert not on_push & email_only
    assert set(m["channel"].unique()) == {"email", "mobile_push"}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_apparel(tmp_path / name, scale=0.01, seed=seed)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_parquet_output_holds_the_same_rows_as_csv(tmp_path):
    generate_apparel(tmp_path / "csv", scale=0.01, seed=5)
    generate_apparel(tmp_path / "pq", scale=0.01, seed=5, fmt="parquet")
    for stem in ("apparel-purchases", "apparel-messages", "apparel-target_binary"):
        a = pl.read_csv(tmp_path / "csv" / f"{stem}.csv", try_parse_dates=True)
        b = pl.read_parquet(tmp_path / "pq" / f"{stem}.parquet")
        assert a.height == b.height
        assert a["client_id"].equals(b["client_id"])


def test_truth_is_written_beside_the_inputs_and_labels_follow_it(apparel_tiny):
    truth = pl.read_csv(apparel_tiny / "_truth" / "apparel-truth.csv")
    target = pl.read_csv(apparel_tiny / "apparel-target_binary.csv")
    assert truth["client_id"].equals(target["client_id"])
    assert truth["target"].equals(target["target"])
    assert truth["probability"].is_between(0, 1).all()
    summary = truth_summary(apparel_tiny)
    assert abs(summary["mean_probability"] - summary["positive_rate"]) < 0.015


@pytest.mark.slow
@pytest.mark.parametrize("seed", [42, 3])
def test_calibration_holds_at_small_scale(tmp_path, seed):
    generate_apparel(tmp_path, scale=0.2, seed=seed)
    stats = profile_apparel(tmp_path)
    assert all(s.ok for s in stats), format_profile([s for s in stats if not s.ok])
    assert len(stats) >= 45
