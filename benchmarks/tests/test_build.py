"""The one-cutoff build asks dbt for the same build as build_features, with the spine's var changed."""

import json
import os
from types import SimpleNamespace

import duckdb

from benchmarks import build
from scoring.build.checks import SPECS
from scoring.build.raw_files import DATA_SETS


def test_one_cutoff_build_sets_the_spine_var_and_keeps_dbt_artifacts_in_its_own_target(tmp_path, monkeypatch):
    apparel = tmp_path / "raw" / "apparel"
    apparel.mkdir(parents=True)
    for stem in DATA_SETS[
        "apparel"
    ].required:  # header only: the checks are skipped, the fake dbt reads nothing
        (apparel / f"{stem}.csv").write_text(",".join(SPECS["apparel"][stem].names) + "\n")
    calls = []

    class FakeRunner:  # records the dbt command instead of running it
        def __init__(self, callbacks=()):
            pass

        def invoke(self, args):
            calls.append([*args, os.environ["SCORING_RUN_VARS"]])
            return SimpleNamespace(exception=None, success=True, result=[])

    monkeypatch.setattr("dbt.cli.main.dbtRunner", FakeRunner)
    monkeypatch.setattr(
        "scoring.build.full_build.check_inputs", lambda tasks: []
    )  # the files are headers only
    build.main(
        [str(tmp_path / "raw"), str(tmp_path / "w.duckdb"), str(tmp_path / "target"), "--past-cutoffs", "0"]
    )
    (args,) = calls
    assert args[:2] == ["build", "--full-refresh"]
    assert args[args.index("--select") + 1] == "tag:apparel"
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"  # as build_features
    assert args[args.index("--target-path") + 1] == str((tmp_path / "target").resolve())
    variables = json.loads(args[args.index("--vars") + 1])
    assert variables["training_cutoff_count"] == 0
    run_vars = json.loads(args[-1])  # what changes every run: in the environment, not in --vars (run_dbt)
    assert set(run_vars["raw_files"]["apparel"]) == set(DATA_SETS["apparel"].required)


def test_the_wide_view_is_read_once_and_timed_but_a_wide_table_costs_nothing_more(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.sql("create schema main_marts")
    con.sql("create table main_marts.families as select range as client_id, range * 2 as x from range(1000)")
    con.sql(f"create view main_marts.{build.FEATURE_MART} as select * from main_marts.families")
    con.close()
    timed = build.read_wide_view(warehouse)
    assert timed["view"] and timed["seconds"] > 0

    con = duckdb.connect(str(warehouse))
    con.sql(f"drop view main_marts.{build.FEATURE_MART}")
    con.sql(f"create table main_marts.{build.FEATURE_MART} as select * from main_marts.families")
    con.close()
    assert build.read_wide_view(warehouse) == {"view": False, "seconds": 0.0}
