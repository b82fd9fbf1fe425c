"""Shared fixtures of the product tests: the synthetic task and its job runs. The data sets and the feature
stores built from them (tiny_build, daily_build, one_click_build, ...) are the session fixtures of
tests/warehouses.py, a plugin shared with benchmarks/tests."""

import os
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# As the CLI does (scoring.cli.idle_threads_sleep), before any test imports XGBoost or scikit-learn.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from scoring.run.rescore import rescore
from scoring.run.result import RunResult
from scoring.run.train import train_and_score
from scoring.settings import Settings
from scoring.tasks import TASKS
from tests.synthetic import TEST_TASK, make_settings, synthetic_marts, write_marts

# The data sets and their builds, one per session for every test folder (a conftest would give each folder
# its own copy of a session fixture, built again).
pytest_plugins = ["tests.warehouses"]


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (make test: whole modules handed out in this order, `--no-loadscope-reorder`),
    the long modules first, so that the short ones fill the end: the Spark module before all (its worker
    starts the Spark build, about two minutes, at once), then every module with a test marked slow, then the
    others by their number of tests, most first: a module of many short tests (the bad-input cases, about a
    minute in all) handed out last would leave the other worker idle for that long."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    slow_modules = {item.path for item in items if "slow" in item.keywords}
    tests_in = Counter(item.path for item in items)
    items.sort(
        key=lambda item: (
            "spark" not in item.keywords,
            item.path not in slow_modules,
            0 if item.path in slow_modules else -tests_in[item.path],
        )
    )


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


def _job_runs(task, root: Path) -> None:
    settings = make_settings(root)
    write_marts(settings.warehouse, *synthetic_marts())
    first = train_and_score(settings, task, top_k=3)
    second = train_and_score(settings, task, top_k=3)
    rescored = rescore(settings, first.model_run_id, top_k=3)
    (root / "runs.pickle").write_bytes(pickle.dumps(JobRuns(settings, first, second, rescored)))


@pytest.fixture(scope="session")
def job_runs(tmp_path_factory, test_task) -> JobRuns:
    """Two training runs with one seed and a rescore, all into one warehouse (about 15 s), made once per
    session (tests/warehouses.made_once); tests copy the warehouse before changing it."""
    from tests.warehouses import made_once  # a plugin of this conftest: imported once pytest registered it

    root = made_once(tmp_path_factory, "job_runs", lambda folder: _job_runs(test_task, folder))
    return pickle.loads((root / "runs.pickle").read_bytes())
