"""Shared fixtures: small generated data sets and the real files when ../shared/data is present."""

import os
from dataclasses import dataclass
from pathlib import Path

# As the CLI does (scoring.cli.idle_threads_sleep), before any test imports XGBoost or scikit-learn.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from scoring.generate.apparel_write import generate_apparel
from scoring.run.rescore import rescore
from scoring.run.result import RunResult
from scoring.run.train import train_and_score
from scoring.settings import Settings
from scoring.tasks import TASKS
from tests.synthetic import TEST_TASK, make_settings, synthetic_marts, write_marts

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real files; tests that need them skip where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def apparel_tiny(tmp_path_factory) -> Path:
    """About 1,000 buyers: enough for formats and parsing."""
    out = tmp_path_factory.mktemp("apparel_tiny") / "apparel"
    generate_apparel(out, scale=0.02, seed=7)
    return out


@dataclass(frozen=True)
class JobRuns:
    settings: Settings
    first: RunResult
    second: RunResult  # same data, same seed
    rescored: RunResult  # the first run's saved model, no training


@pytest.fixture(scope="session")
def test_task():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(TASKS, TEST_TASK.name, TEST_TASK)
        yield TEST_TASK


@pytest.fixture(scope="session")
def job_runs(tmp_path_factory, test_task) -> JobRuns:
    """Two training runs with one seed and a rescore, all into one warehouse (about 15 s)."""
    settings = make_settings(tmp_path_factory.mktemp("job"))
    write_marts(settings.warehouse, *synthetic_marts())
    first = train_and_score(settings, test_task, top_k=3)
    second = train_and_score(settings, test_task, top_k=3)
    rescored = rescore(settings, first.model_run_id, top_k=3)
    return JobRuns(settings, first, second, rescored)
