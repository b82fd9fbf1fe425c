"""Operating week after week on generated data: a score as of a past date, then the normal build and score,
the past run's realised performance, drift on unchanged data and after an upstream fault, data health."""

import csv
import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from scoring.cli import main
from scoring.errors import FeatureBuildError
from scoring.run.rescore import rescore
from tests.monitor.conftest import HORIZON, build, query

pytestmark = pytest.mark.slow


def _scores(warehouse: Path, run: str) -> pl.DataFrame:
    return query(
        warehouse,
        "select client_id, as_of_date, probability from scoring.scores where model_run_id = ?",
        [run],
    )


def test_a_past_date_is_scored_as_of_it_with_derived_labels_standing_in_for_the_provided_ones(history):
    scores = _scores(history.settings.warehouse, history.past.model_run_id)
    assert scores["as_of_date"].unique().to_list() == [history.past_date]
    assert history.past.as_of_date == history.past_date
    assert any("stand in" in note for note in history.past.notes)


def test_a_build_as_of_a_past_date_derives_no_label_that_looks_past_it(history):
    labels = history.past_build_labels
    assert labels["label_source"].unique().to_list() == ["derived"]
    assert labels["as_of_date"].max() <= history.past_date - HORIZON


def _raw_outcomes(data_dir: Path, scores: pl.DataFrame, as_of) -> pl.DataFrame:
    """Label and target population of each scored client, from the raw purchases file itself."""
    purchases = pl.read_csv(
        data_dir / "apparel" / "apparel-purchases.csv",
        schema_overrides={"client_id": pl.Int64, "date": pl.Date, "message_id": pl.String},
    )
    bought = purchases.filter((pl.col("date") > as_of) & (pl.col("date") <= as_of + HORIZON))["client_id"]
    before = purchases.filter(pl.col("date") <= as_of)["client_id"]
    return scores.with_columns(
        y=pl.col("client_id").is_in(bought.implode()).cast(pl.Int8),
        in_population=pl.col("client_id").is_in(before.implode()),
    ).sort(["probability", "client_id"], descending=[True, False])


def _expected(frame: pl.DataFrame) -> dict:
    y, p = frame["y"].to_numpy(), frame["probability"].to_numpy()
    top = int(np.ceil(0.1 * len(y)))
    ascending = frame.reverse().sort(
        "probability", maintain_order=True
    )  # ties: client_id ascending, as in SQL
    bins = np.array_split(np.arange(len(y)), 10)
    pa, ya = ascending["probability"].to_numpy(), ascending["y"].to_numpy()
    ece = sum(len(b) * abs(pa[b].mean() - ya[b].mean()) for b in bins) / len(y)
    return {
        "clients": len(y), "positives": int(y.sum()), "roc_auc": roc_auc_score(y, p),
        "average_precision": average_precision_score(y, p), "brier": brier_score_loss(y, p),
        "lift_at_10pct": y[:top].mean() / y.mean(), "ece": ece,
    }  # fmt: skip


def test_the_past_runs_realised_roc_auc_equals_the_auc_of_what_the_raw_purchases_say(history):
    run = history.past.model_run_id
    scores = _scores(history.settings.warehouse, run)
    outcomes = _raw_outcomes(history.data_dir, scores, history.past_date)
    realised = query(
        history.settings.warehouse, "select * from scoring.realised_performance where model_run_id = ?", [run]
    )
    assert sorted(realised["population"].to_list()) == ["scored", "target_population"]
    for population, rows in (("scored", outcomes), ("target_population", outcomes.filter("in_population"))):
        got = realised.filter(pl.col("population") == population).row(0, named=True)
        assert got["window_end"] == history.past_date + HORIZON
        for metric, value in _expected(rows).items():
            assert got[metric] == pytest.approx(value, abs=1e-9), (population, metric)


def test_runs_whose_window_is_still_open_have_no_realised_performance(history):
    runs = query(history.settings.warehouse, "select distinct model_run_id from scoring.realised_performance")
    assert runs["model_run_id"].to_list() == [history.past.model_run_id]


def test_a_rescore_of_unchanged_data_flags_no_feature_and_not_the_score(history):
    drift = history.rescored.drift
    assert set(drift["reference_kind"]) == {"training", "previous_run"}
    assert (
        drift.height
        == 2
        * query(
            history.settings.warehouse,
            "select count(*) as n from scoring.feature_profiles "
            "where model_run_id = ? and profile_kind = 'scored'",
            [history.rescored.model_run_id],
        )["n"][0]
    )
    assert not drift["is_drifted"].any(), drift.filter("is_drifted")
    previous = drift.filter(pl.col("reference_kind") == "previous_run")
    assert (previous["reference_run_id"] == history.trained.model_run_id).all()
    assert previous["psi"].max() == 0.0


def test_the_training_run_flags_nothing_against_the_cutoffs_it_learned_from(history):
    drift = query(
        history.settings.warehouse,
        "select * from scoring.drift where model_run_id = ? and reference_kind = 'training'",
        [history.trained.model_run_id],
    )
    assert drift.height > 200
    assert not drift["is_drifted"].any(), drift.filter("is_drifted")
    # seasonal movement: many features move between the training cutoffs more than the plain threshold
    assert (
        drift["training_spread"] > drift.filter(pl.col("feature") == "probability")["threshold"][0]
    ).sum() > 10


def _push_vanishes(source: Path, target: Path, last_day: date, weeks: int = 4) -> None:
    """The messages file without its mobile_push events of the last `weeks` weeks (the push export broke)."""
    start = (last_day - timedelta(days=7 * weeks)).isoformat()
    with open(source, newline="") as read, open(target, "w", newline="") as write:
        rows = csv.reader(read)
        out = csv.writer(write, lineterminator="\n")
        header = next(rows)
        out.writerow(header)
        channel, day = header.index("channel"), header.index("date")
        out.writerows(r for r in rows if not (r[channel] == "mobile_push" and r[day] > start))


def _message_features(warehouse: Path) -> set[str]:
    """The features the message events feed: the message, subscription and campaign families."""
    tables = ", ".join(
        f"'apparel_features_{f}'" for f in ("message_engagement", "subscriptions", "campaigns")
    )
    columns = query(
        warehouse,
        "select column_name from information_schema.columns "
        f"where table_schema = 'main_marts' and table_name in ({tables})",
    )["column_name"].to_list()
    return set(columns) - {"client_id", "as_of_date"}


def test_when_push_events_vanish_for_the_last_weeks_their_features_are_flagged_and_no_other(
    history, tmp_path, monkeypatch
):
    settings = history.copy(tmp_path / "run")
    data_dir = tmp_path / "data"
    (data_dir / "apparel").mkdir(parents=True)
    for path in (history.data_dir / "apparel").iterdir():
        if path.name != "apparel-messages.csv":
            (data_dir / "apparel" / path.name).symlink_to(path)
    messages = "apparel-messages.csv"
    _push_vanishes(
        history.data_dir / "apparel" / messages, data_dir / "apparel" / messages, history.trained.as_of_date
    )
    settings = dataclasses.replace(settings, data_dir=data_dir)
    before = settings.warehouse.read_bytes()
    # asked to, the build stops on the collapsed channel and leaves the warehouse as it was ...
    with pytest.raises(FeatureBuildError, match=r"data health: apparel-messages \(mobile_push\): stale"):
        build(dataclasses.replace(settings, fail_on_health=True))
    assert settings.warehouse.read_bytes() == before
    # ... by default it warns and publishes, and the health is kept
    problems = build(settings)
    assert problems == [p for p in problems if "apparel-messages (mobile_push): stale" in p] != [], problems
    result = rescore(settings, history.trained.model_run_id, top_k=2)
    flagged = set(result.drift.filter(pl.col("is_drifted") & (pl.col("feature") != "probability"))["feature"])
    derived = {f for f in _message_features(settings.warehouse) if "email" not in f}
    assert {"count_send_mobile_push_7d", "count_send_mobile_push_30d"} <= flagged
    assert flagged <= derived, sorted(flagged - derived)
    health = query(
        settings.warehouse,
        "select * from scoring.data_health "
        "where status <> 'ok' and checked_at = (select max(checked_at) from scoring.data_health)",
    )
    assert health.select("raw_source", "slice", "status").rows() == [
        ("apparel-messages", "mobile_push", "stale")
    ]
    for check in ("drift", "health"):
        failed = _monitor(settings, tmp_path, monkeypatch, check)
        assert failed.exit_code == 1 and f"FAILED {check}: " in failed.output, failed.output
    assert "count_send_mobile_push_7d" in failed.output or "mobile_push" in failed.output


def test_every_build_keeps_its_data_health_and_unchanged_sources_are_healthy(history):
    assert history.build_problems == []
    health = query(history.settings.warehouse, "select * from scoring.data_health")
    assert health["build_kind"].unique().to_list() == ["build"]
    assert health["checked_at"].n_unique() == 2  # the past build's and the normal one's
    latest = health.filter(pl.col("checked_at") == pl.col("checked_at").max())
    sources = set(latest.select("raw_source", "slice").rows())
    expected = {
        ("apparel-purchases", "all"),
        ("apparel-messages", "mobile_push"),
        ("apparel-target_binary", "all"),
    }
    assert expected <= sources
    assert latest["status"].unique().to_list() == ["ok"]
    purchases = latest.filter(pl.col("raw_source") == "apparel-purchases").row(0, named=True)
    assert 0.3 < purchases["duplicate_share"] < 0.45  # the generator copies about 36 % of purchase rows


def _monitor(settings, tmp_path, monkeypatch, *fail_on: str):
    """`scoring monitor` on the settings' warehouse, run in tmp_path (its page goes to data/reports there)."""
    monkeypatch.chdir(tmp_path)
    args = ["monitor", *(a for check in fail_on for a in ("--fail-on", check))]
    return CliRunner().invoke(main, args, env={"WAREHOUSE": str(settings.warehouse), "DATA_DIR": ""})


def test_monitor_summarises_and_passes_when_nothing_drifted_and_the_sources_are_healthy(
    history, tmp_path, monkeypatch
):
    result = _monitor(history.settings, tmp_path, monkeypatch, "drift", "health")
    assert result.exit_code == 0, result.output
    assert f"purchase_90d: latest run {history.rescored.model_run_id} (rescore)" in result.output
    assert "0 of " in result.output and "features drifted" in result.output
    assert f"{history.past.model_run_id} as of {history.past_date}: ROC-AUC" in result.output
    page = (tmp_path / "data" / "reports" / "monitoring.html").read_text()
    assert page.count("data:image/png") >= 3  # realised performance, the PSI heat map, the score per run
