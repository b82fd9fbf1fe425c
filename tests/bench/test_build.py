"""The one-cutoff build asks dbt for the same build as build_features, with the spine's var changed."""

import json

from scoring.bench.build import spine_args
from scoring.features import TASKS


def test_one_cutoff_build_sets_the_spine_var_and_keeps_dbt_artifacts_in_its_own_target(tmp_path):
    apparel = tmp_path / "raw" / "apparel"
    apparel.mkdir(parents=True)
    for stem in TASKS["apparel"].required:
        (apparel / f"{stem}.csv").write_text("client_id\n")
    args = spine_args(tmp_path / "raw", tmp_path / "target", past_cutoffs=0)
    assert args[:3] == ["build", "--select", "tag:apparel"]
    assert args[args.index("--target-path") + 1] == str((tmp_path / "target").resolve())
    variables = json.loads(args[args.index("--vars") + 1])
    assert variables["training_cutoff_count"] == 0
    assert set(variables["raw_files"]["apparel"]) == set(TASKS["apparel"].required)
