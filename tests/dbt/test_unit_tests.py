"""The dbt unit tests (dbt_project/models/**/_*__unit_tests.yml): fixed input rows, expected output rows.

A build leaves them out (scoring.build.full_build: their inputs never change, so they prove the SQL, not the
data); they run here, on a copy of the tiny build, whose relations give dbt the inputs' column types."""

import json
from pathlib import Path

import pytest

from scoring.build.dbt import run_dbt
from scoring.settings import Settings
from tests.warehouses import at_scratch, copy_build


@pytest.mark.slow  # a dbt command of its own (about 10 s); the fast loop's build still runs every data test
def test_every_dbt_unit_test_passes(apparel_tiny: Path, tiny_build: Path, tmp_path):
    manifest = json.loads((tiny_build.parent / "target" / "manifest.json").read_text())
    unit_tests = set(manifest["unit_tests"])
    assert len(unit_tests) >= 5, sorted(unit_tests)
    # At the scratch path, where dbt reuses the builds' parse of the project (at_scratch).
    with at_scratch(copy_build(tiny_build, tmp_path)) as (warehouse, target):
        settings = Settings(data_dir=apparel_tiny.parent, warehouse=warehouse)
        result = run_dbt(settings, ["test", "--select", "test_type:unit", "--target-path", str(target)])
    outcomes = {
        node.node.unique_id: str(node.status)
        for node in result.result
        if node.node.unique_id.startswith("unit_test.")  # not the project's on-run-start hook
    }
    assert outcomes == dict.fromkeys(unit_tests, "pass"), outcomes
    assert result.success
