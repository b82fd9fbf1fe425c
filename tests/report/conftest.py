"""Fixtures of the report tests: one fake run, shared by the module."""

import polars as pl
import pytest

from scoring.run.result import RunResult
from tests.report.fakes import fake_run


@pytest.fixture(scope="module")
def run_and_data(tmp_path_factory) -> tuple[RunResult, pl.DataFrame]:
    return fake_run(tmp_path_factory.mktemp("run"))
