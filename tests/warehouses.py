"""The tests' data sets and the feature stores dbt builds from them, once per session, with the helpers to
build, copy and read a warehouse.

A dbt build of the tiny generated data costs 10-20 s; a copy of the DuckDB file it writes costs
milliseconds. So each distinct data set is built once per session by a fixture here (`made_once`: once
for all pytest-xdist workers too), a test that only reads a build uses it as it is, and a test that changes
one (a scoring run, a refresh, a kill) works on `copy_build(...)`, never on the shared file. A new test
takes one of these before building its own.

A pytest plugin (`pytest_plugins` in tests/conftest.py and benchmarks/tests/conftest.py), not a conftest:
the fixtures of a conftest are defined once per folder that sees it, and each would build again.
"""

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from filelock import FileLock

from scoring.build.full_build import build_features
from scoring.generate.apparel_write import generate_apparel
from scoring.generate.one_click import generate_one_click
from scoring.settings import Settings
from tests.daily_events import write_channel_daily_events, write_daily_events

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

ONE_CLICK_AS_OF = "2024-03-01"  # the one-click files hold no dates: their builds fix the cutoff


@functools.cache
def _scratch() -> Path:
    """The folder every build of this test process runs in (one per process, removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="scoring-test-builds-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def build(data_dir: Path, work_dir: Path, as_of: str | date | None = None) -> Path:
    """Build the feature store for `data_dir` into `work_dir`/warehouse.duckdb and return its path; dbt's
    artifacts (manifest, compiled SQL) go to `work_dir`/target.

    dbt builds at this process's scratch path (at_scratch), as a user's repeated builds do at theirs, so it
    reuses its parse of the project. `work_dir` holds no warehouse yet, so each build starts from nothing, as
    a first build does.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "warehouse.duckdb"
    with at_scratch(warehouse) as (built, target):
        build_features(Settings(data_dir=data_dir, warehouse=built, as_of=as_of), target_path=target)
        shutil.copytree(target, work_dir / "target", ignore=shutil.ignore_patterns("partial_parse.msgpack"))
    return warehouse


@contextmanager
def at_scratch(warehouse: Path) -> Iterator[tuple[Path, Path]]:
    """`warehouse` moved to this process's scratch folder for a dbt command on it, and moved back after,
    whatever happened; yields the path it has there and the target folder to give dbt.

    The warehouse path is part of the profile dbt hashes: a command on a new path, or with a new target
    folder, parses the whole project again (about 7 CPU s on tiny data), and one at the scratch path reuses
    the parse of the commands before it there (partial parsing)."""
    scratch = _scratch()
    there = scratch / "warehouse.duckdb"
    there.unlink(missing_ok=True)  # left by a build that failed
    if warehouse.exists():
        shutil.move(warehouse, there)
    try:
        yield there, scratch / "target"
    finally:
        if there.exists():
            shutil.move(there, warehouse)


def made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder that `make` fills once per test session, even when pytest-xdist runs the session on several
    workers: the first worker to ask makes it under a file lock, the others wait for it and use the same
    files. So a data set or a build that tests of several modules need is made once, not once per worker.
    Tests must treat it as read-only (copy_build before changing a warehouse)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, above each worker's own
    folder = root / f"made-once-{name}"
    with FileLock(f"{folder}.lock"):
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


def built_once(tmp_path_factory, name: str, data_dir: Path, as_of: str | None = None) -> Path:
    """The warehouse `build` makes from `data_dir`, made once per session (made_once); returns its path."""
    return (
        made_once(tmp_path_factory, name, lambda folder: build(data_dir, folder, as_of=as_of))
        / "warehouse.duckdb"
    )


def copy_build(warehouse: Path, folder: Path) -> Path:
    """A private copy of a built warehouse (the file only) in `folder`; returns the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / warehouse.name
    shutil.copyfile(warehouse, target)
    return target


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Run one query on a warehouse through a short read-only connection."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real files; tests that need them skip where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def apparel_tiny(tmp_path_factory) -> Path:
    """About 1,000 buyers: enough for formats and parsing."""
    made = made_once(
        tmp_path_factory, "apparel_tiny", lambda f: generate_apparel(f / "apparel", scale=0.02, seed=7)
    )
    return made / "apparel"


@pytest.fixture(scope="session")
def tiny_build(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The feature store built from the tiny generated apparel data (default cutoff and spine); its dbt
    artifacts are in the `target` folder beside it. The one build of the fast loop (make test-fast)."""
    return built_once(tmp_path_factory, "tiny_build", apparel_tiny.parent)


def _with_daily_files(apparel_tiny: Path, target: Path) -> None:
    shutil.copytree(apparel_tiny, target, ignore=shutil.ignore_patterns("_truth"))
    write_daily_events(target)
    write_channel_daily_events(target)


@pytest.fixture(scope="session")
def apparel_daily(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The tiny generated apparel data plus both optional campaign-day files (the generator writes
    neither): the files whose base-wide campaign rates the marts and the pandas peer compute."""
    made = made_once(
        tmp_path_factory, "apparel_daily", lambda f: _with_daily_files(apparel_tiny, f / "apparel")
    )
    return made / "apparel"


@pytest.fixture(scope="session")
def daily_build(apparel_daily: Path, tmp_path_factory) -> Path:
    """The feature store built from `apparel_daily` (default cutoff and spine)."""
    return built_once(tmp_path_factory, "daily_build", apparel_daily.parent)


@pytest.fixture(scope="session")
def one_click_tiny(tmp_path_factory) -> Path:
    """A data folder with generated one-click files only: 400 clients, 80 of them unlabelled."""
    return made_once(
        tmp_path_factory,
        "one_click_tiny",
        lambda f: generate_one_click(f / "one_click", seed=5, n_clients=400, n_unlabelled=80),
    )


@pytest.fixture(scope="session")
def one_click_build(one_click_tiny: Path, tmp_path_factory) -> Path:
    """The feature store built from `one_click_tiny` as of ONE_CLICK_AS_OF."""
    return built_once(tmp_path_factory, "one_click_build", one_click_tiny, as_of=ONE_CLICK_AS_OF)


@pytest.fixture(scope="session")
def one_click_real_build(shared_data: Path, tmp_path_factory) -> Path:
    """The feature store built from the real files (only the one-click task has full files there) as of
    ONE_CLICK_AS_OF."""
    if not (shared_data / "one_click" / "market_file.csv").is_file():
        pytest.skip("the real one-click files are not present")
    return built_once(tmp_path_factory, "one_click_real", shared_data, as_of=ONE_CLICK_AS_OF)
