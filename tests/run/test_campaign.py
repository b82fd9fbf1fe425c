"""Campaigns end to end on a small hand-made warehouse (a scored run with offers, a feature mart with consent
and reachability, a purchases relation whose rows the tests write): who is never contacted, the control
group, idempotence, the export, the champion's scores, and results equal to a hand computation."""

import dataclasses
import json
import math
import shutil
from datetime import date, datetime

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.decide.campaign import Selection
from scoring.errors import ConfigError
from scoring.report import campaign_sections
from scoring.run.campaign import CampaignRequest, make_campaign, measure, summary_lines
from scoring.settings import Settings
from scoring.store import aliases, warehouse
from scoring.store.warehouse import RunTables, connect
from scoring.tasks import TASKS, CampaignOutcome, CampaignRules, Exclusion, Task
from tests.fake_run import fake_run
from tests.synthetic import read

pytestmark = pytest.mark.slow  # each campaign copies and publishes the warehouse (about a second)

AS_OF = date(2024, 1, 1)
STATUSES = ["reachable", "opted_out_or_bounced", "never_messaged"]
N = 300
TASK = Task(
    name="campaign_test",
    feature_mart="marts.clients",
    training_mart="marts.clients",
    campaign=CampaignRules(
        value_column="value",
        value_label="revenue",
        offer_effect=0.5,
        contact_cost=1.0,
        exclusions=(
            Exclusion("offers not allowed", "is_offers_allowed", (False,)),
            Exclusion("unreachable", "contact_status", ("opted_out_or_bounced", "never_messaged")),
        ),
        outcome=CampaignOutcome("marts.purchases", "purchase_date", 30),
    ),
)


def _clients() -> pl.DataFrame:
    rng = np.random.default_rng(9)
    return pl.DataFrame(
        {
            "client_id": np.arange(5000, 5000 + N, dtype=np.int64),
            "as_of_date": [AS_OF] * N,
            "value": rng.gamma(2.0, 50.0, N),
            "is_offers_allowed": rng.random(N) < 0.8,
            "contact_status": rng.choice(STATUSES, N, p=[0.7, 0.2, 0.1]),
        }
    )  # fmt: skip


def _run(run_id: str, seed: int, created: datetime) -> RunTables:
    """A scored run of every client, with its offers."""
    ids = _clients()["client_id"].to_list()
    tables = fake_run(run_id, task=TASK.name, clients=ids)
    probability = np.random.default_rng(seed).random(N)
    scores = tables.scores.with_columns(probability=pl.Series(probability), as_of_date=pl.lit(AS_OF))
    offers = pl.DataFrame(
        {"client_id": ids, "reason": "a reason", "offer_rule": "standard", "offer": "an offer"}
    )
    offers = offers.with_columns(task=pl.lit(TASK.name), model_run_id=pl.lit(run_id))
    model_run = tables.model_run.with_columns(created_at=pl.lit(created), as_of_date=pl.lit(AS_OF))
    return dataclasses.replace(tables, model_run=model_run, scores=scores, offers=offers)


def _champion(con, run_id: str) -> str:
    aliases.record(con, TASK.name, aliases.CHAMPION, run_id, "test", datetime.now())
    return run_id


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TASKS, TASK.name, TASK)
        # Each campaign rewrites its run's report, a figure for each of the newest campaigns; the report's
        # sections have their own tests (tests/report), so these, which make ~20 campaigns, draw one.
        patch.setattr(campaign_sections, "SHOWN_CAMPAIGNS", 1)
        root = tmp_path_factory.mktemp("campaigns")
        settings = Settings(warehouse=root / "warehouse.duckdb", reports_dir=root / "reports",
                            models_dir=root / "models", campaigns_dir=root / "campaigns")  # fmt: skip
        with connect(settings.warehouse) as con:
            con.execute("create schema marts")
            con.register("clients", _clients().to_arrow())
            con.execute("create table marts.clients as select * from clients")
            con.execute("create table marts.purchases (client_id bigint, purchase_date date)")
        warehouse.write_run(settings.warehouse, _run("run-a", 1, datetime(2024, 1, 1, 8)),
                            then=lambda con: _champion(con, "run-a"))  # fmt: skip
        # a later challenger: its scores are kept but not acted on
        warehouse.write_run(settings.warehouse, _run("run-b", 2, datetime(2024, 1, 1, 9)))
        yield settings


def _make(settings, rule: str, value: float, share: float = 0.1, seed: int = 42):
    return make_campaign(settings, CampaignRequest(TASK.name, Selection(rule, value), share, seed))


def _members(settings, campaign_id: str) -> pl.DataFrame:
    return read(settings, "select * from scoring.campaign_members where campaign_id = ?", [campaign_id])


@pytest.mark.parametrize(
    ("rule", "value"),
    [("size", 1000), ("budget", 10_000), ("min_expected_value", -100), ("target_recall", 1.0)],
)
def test_no_client_who_refused_offers_or_is_unreachable_is_ever_in_a_campaign(settings, rule, value):
    made = _make(settings, rule, value)
    members = _members(settings, made.campaign_id).join(_clients(), on="client_id")
    assert members.height == made.counts["selected"] > 0
    assert members["is_offers_allowed"].all()
    assert (members["contact_status"] == "reachable").all()
    clients = _clients()
    refused = clients.filter(~pl.col("is_offers_allowed")).height
    unreachable = clients.filter(
        pl.col("is_offers_allowed") & (pl.col("contact_status") != "reachable")
    ).height
    assert made.counts["excluded"] == {"offers not allowed": refused, "unreachable": unreachable}


@pytest.mark.parametrize(("size", "share"), [(37, 0.1), (100, 0.25), (12, 0.5)])
def test_the_control_share_holds_in_the_written_campaign(settings, size, share):
    made = _make(settings, "size", size, share)
    groups = _members(settings, made.campaign_id).group_by("group").len()
    counts = dict(groups.iter_rows())
    assert counts["control"] == math.floor(size * share + 0.5)
    assert counts["treatment"] == size - counts["control"]


def test_the_same_campaign_asked_twice_is_written_once_and_exported_under_its_id(settings):
    first = _make(settings, "size", 50, seed=7)
    again = _make(settings, "size", 50, seed=7)
    assert first.created and not again.created
    assert again.campaign_id == first.campaign_id
    campaigns = read(settings, "select * from scoring.campaigns where campaign_id = ?", [first.campaign_id])
    assert campaigns.height == 1 and _members(settings, first.campaign_id).height == 50
    assert (
        first.export_csv.name == f"{first.campaign_id}.csv"
        and first.export_csv.parent == settings.campaigns_dir
    )
    exported = pl.read_csv(first.export_csv)
    treatment = _members(settings, first.campaign_id).filter(pl.col("group") == "treatment")
    assert sorted(exported["client_id"].to_list()) == sorted(treatment["client_id"].to_list())
    assert pl.read_parquet(first.export_parquet).equals(exported, null_equal=True)
    assert json.loads(campaigns["parameters"][0])["seed"] == 7


def test_the_same_seed_gives_the_same_members_elsewhere_and_another_seed_another_control(settings, tmp_path):
    elsewhere = dataclasses.replace(
        settings, warehouse=tmp_path / "copy.duckdb", campaigns_dir=tmp_path / "c"
    )
    shutil.copy(settings.warehouse, elsewhere.warehouse)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TASKS, TASK.name, TASK)
        here, there = _make(settings, "size", 80, seed=5), _make(elsewhere, "size", 80, seed=5)
        other = _make(settings, "size", 80, seed=6)
    ours, theirs = _members(settings, here.campaign_id), _members(elsewhere, there.campaign_id)
    assert here.campaign_id == there.campaign_id and ours.equals(theirs)
    control = set(ours.filter(pl.col("group") == "control")["client_id"])
    assert control != set(
        _members(settings, other.campaign_id).filter(pl.col("group") == "control")["client_id"]
    )


def test_a_campaign_acts_on_the_champions_latest_scores_not_the_latest_run(settings):
    made = _make(settings, "size", 20)
    assert made.model_run_id == "run-a"
    expected = read(
        settings, "select client_id, probability from scoring.scores where model_run_id = 'run-a'"
    )
    chosen = _members(settings, made.campaign_id).join(expected, on="client_id", suffix="_a")
    assert (chosen["probability"] == chosen["probability_a"]).all()


def test_a_task_without_campaign_rules_says_so(settings, monkeypatch):
    monkeypatch.setitem(TASKS, "no_campaign", dataclasses.replace(TASK, name="no_campaign", campaign=None))
    with pytest.raises(ConfigError, match="no campaign rules"):
        make_campaign(settings, CampaignRequest("no_campaign", Selection("size", 1)))


def _purchases(settings, rows: list[tuple[int, date]]) -> None:
    with connect(settings.warehouse) as con:
        con.execute("delete from marts.purchases")
        if rows:
            con.executemany("insert into marts.purchases values (?, ?)", rows)


def test_results_wait_until_the_outcome_window_has_closed(settings):
    _purchases(settings, [(5000, date(2024, 1, 20))])  # the data end before 2024-01-31
    results, at_k = measure(settings, TASK.name)
    assert results.is_empty() and at_k.is_empty()


def test_campaign_results_equal_a_hand_computation(settings):
    made = _make(settings, "size", 120, share=0.25, seed=3)
    members = _members(settings, made.campaign_id)
    treatment = members.filter(pl.col("group") == "treatment")["client_id"].to_list()
    control = members.filter(pl.col("group") == "control")["client_id"].to_list()
    bought_t = [c for c in treatment if c % 2 == 0]  # half-ish of the treatment buys in the window
    bought_c = [c for c in control if c % 5 == 0]  # fewer in the control group
    rows = [(c, date(2024, 1, 15)) for c in bought_t + bought_c]
    rows += [(c, date(2024, 1, 1)) for c in treatment[:10]]  # on the campaign's date: not an outcome
    rows += [(c, date(2024, 2, 15)) for c in control]  # after the window: not counted, but it closes it
    _purchases(settings, rows)
    results, at_k = measure(settings, TASK.name)
    row = results.filter(pl.col("campaign_id") == made.campaign_id).row(0, named=True)
    nt, nc, ct, cc = len(treatment), len(control), len(bought_t), len(bought_c)
    pt, pc = ct / nt, cc / nc
    half_width = 1.959963984540054 * math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    counts = ("treatment_clients", "treatment_converted", "control_clients", "control_converted")
    assert tuple(row[c] for c in counts) == (nt, ct, nc, cc)
    assert row["uplift"] == pytest.approx(pt - pc)
    assert (row["uplift_ci_low"], row["uplift_ci_high"]) == pytest.approx(
        (pt - pc - half_width, pt - pc + half_width)
    )
    assert (row["window_start"], row["window_end"]) == (date(2024, 1, 2), date(2024, 1, 31))
    # uplift at 100 %: every member of every closed campaign, pooled
    every = read(settings, "select * from scoring.campaign_members")
    bought = set(bought_t + bought_c)
    pooled_t = every.filter(pl.col("group") == "treatment")
    pooled_c = every.filter(pl.col("group") == "control")
    whole = at_k.filter(pl.col("k_share") == 1.0).row(0, named=True)
    assert whole["campaigns"] == read(settings, "select count(*) as n from scoring.campaigns")["n"][0]
    assert whole["treatment_rate"] == pytest.approx(pooled_t["client_id"].is_in(bought).mean())
    assert whole["control_rate"] == pytest.approx(pooled_c["client_id"].is_in(bought).mean())
    written = read(
        settings, "select * from scoring.campaign_results where campaign_id = ?", [made.campaign_id]
    )
    assert written["uplift"][0] == pytest.approx(row["uplift"])
    assert any(made.campaign_id in line for line in summary_lines(settings))


def test_scoring_monitor_measures_the_campaigns_whose_window_closed_and_shows_their_uplift(
    settings, tmp_path, monkeypatch
):
    made = _make(settings, "size", 40, share=0.25, seed=11)
    _purchases(settings, [(5000, date(2024, 1, 10)), (5001, date(2024, 3, 1))])  # the window has closed
    monkeypatch.chdir(tmp_path)
    env = {"WAREHOUSE": str(settings.warehouse), "DATA_DIR": ""}
    result = CliRunner().invoke(main, ["monitor"], env=env)
    assert result.exit_code == 0, result.output
    assert "campaigns (treatment against control" in result.output
    line = next(line for line in result.output.splitlines() if made.campaign_id in line)
    assert "treatment" in line and "control" in line and "uplift" in line
    measured = read(
        settings, "select * from scoring.campaign_results where campaign_id = ?", [made.campaign_id]
    )
    assert measured.height == 1


def test_monitor_writes_the_results_again_only_when_another_window_has_closed(
    settings, tmp_path, monkeypatch
):
    _make(settings, "size", 30, share=0.2, seed=12)
    _purchases(settings, [(5000, date(2024, 3, 1))])  # every window has closed
    monkeypatch.chdir(tmp_path)
    env = {"WAREHOUSE": str(settings.warehouse), "DATA_DIR": ""}
    sql = "select campaign_id, computed_at from scoring.campaign_results order by all"
    assert CliRunner().invoke(main, ["monitor"], env=env).exit_code == 0
    first = read(settings, sql)
    assert CliRunner().invoke(main, ["monitor"], env=env).exit_code == 0
    assert read(settings, sql).equals(first)  # nothing new closed: the warehouse was not written
    _make(settings, "size", 31, share=0.2, seed=12)  # another campaign, its window closed too
    assert CliRunner().invoke(main, ["monitor"], env=env).exit_code == 0
    again = read(settings, sql)
    assert again.height == first.height + 1 and again["computed_at"].min() > first["computed_at"].max()
