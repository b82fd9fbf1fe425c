"""Spark tests: small files built once by both engines (DuckDB in-process, Spark as `make build-features
TARGET=spark` runs it), shared by the comparison and handoff tests.

They need a Java runtime (pyspark itself is installed with the project): without one they skip, except in
CI, where a skip would hide that the Spark build is no longer checked.

The Spark build is the suite's longest step (two to three minutes of both cores, in the JVM), and it
needs nothing from the other tests: it starts in its own process as soon as the session's tests are
collected, runs beside the tests that come before the Spark ones, and the fixture `spark_warehouse` waits for
it. Under pytest-xdist (make test), the worker that runs the Spark tests (one module) starts it with the
first. The same process then hands a scoring run to Spark (build_then_handoff.py), so that one JVM and
one parse of the project serve both: a second process would start its own JVM and parse the project
again."""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from scoring.generate.apparel_write import generate_apparel
from scoring.generate.one_click import generate_one_click
from tests.spark.build_then_handoff import BUILD_RESULTS
from tests.warehouses import build

REPO = Path(__file__).resolve().parents[2]

# The build's JVM keeps its quick compiler only, with the usual code cache: 40 % less CPU on tiny data,
# and why the second option is needed (docs/spark.md: small builds, less CPU).
C1_ONLY = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"


def pytest_collection_modifyitems(items):
    if shutil.which("java") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="no java on PATH: pyspark 4 needs Java 17 or 21 (see the README)")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)


def write_data(data_dir: Path) -> str:
    """Both tasks at a small scale, the apparel files in all three formats the readers accept; returns the
    cutoff the builds use."""
    apparel = data_dir / "apparel"
    generate_apparel(apparel, scale=0.01, seed=5)
    generate_one_click(data_dir / "one_click", seed=5, n_clients=400, n_unlabelled=80)
    purchases = apparel / "apparel-purchases.csv"
    with purchases.open("rb") as plain, gzip.open(apparel / "apparel-purchases.csv.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    purchases.unlink()
    target = apparel / "apparel-target_binary.csv"
    pl.read_csv(target).write_parquet(apparel / "apparel-target_binary.parquet")
    target.unlink()
    return last_purchase_day(data_dir)


def last_purchase_day(data_dir: Path) -> str:
    """The last purchase day: the default cutoff, written out so that the one-click date (the build day when
    no AS_OF is given) cannot differ between two builds that straddle midnight."""
    with duckdb.connect() as con:
        last = con.sql(
            f"select max(date) from read_csv('{data_dir}/apparel/apparel-purchases.csv.gz', all_varchar=true)"
        ).fetchall()[0][0]
    return date.fromisoformat(last).isoformat()


@dataclass(frozen=True)
class SparkBuild:
    """`scoring build-features` with TARGET=spark, as `make build-features TARGET=spark` runs it, in its own
    process (the JVM and its memory go away with it), on files of its own under `root`."""

    root: Path
    as_of: str
    process: subprocess.Popen

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def warehouse(self) -> Path:
        return self.root / "spark-warehouse"

    @classmethod
    def start(cls) -> "SparkBuild":
        root = Path(tempfile.mkdtemp(prefix="spark-tests-"))
        as_of = write_data(root / "data")
        env = {
            **os.environ,
            "TARGET": "spark",
            "DATA_DIR": str(root / "data"),
            "WAREHOUSE": str(root / "unused.duckdb"),
            "SPARK_WAREHOUSE": str(root / "spark-warehouse"),
            "AS_OF": as_of,
            "DBT_TARGET_PATH": str(root / "target"),
            "DBT_LOG_PATH": str(root / "logs"),
            "JAVA_TOOL_OPTIONS": f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} {C1_ONLY}".strip(),
        }
        with (root / "output.txt").open("w") as output:  # a file, not a pipe nobody reads while it runs
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.spark.build_then_handoff", str(root / "handoff.duckdb")],
                cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return cls(root, as_of, process)

    def wait(self) -> str:
        """The build's output (and the handoff's), once the process has ended (15 minutes at most)."""
        self.process.wait(timeout=900)
        return (self.root / "output.txt").read_text()

    def results(self) -> dict[str, str]:
        """The status of every node the build ran, by unique id (its run_results.json, kept apart from the
        handoff's: build_then_handoff.BUILD_RESULTS)."""
        results = json.loads((self.root / "target" / BUILD_RESULTS).read_text())["results"]
        return {result["unique_id"]: result["status"] for result in results}

    def handoff(self) -> dict:
        """What the handoff printed: the tables it registered and the rows Spark's query returned."""
        printed = [line.split(" ", 1) for line in self.wait().splitlines() if line.startswith("HANDOFF ")]
        assert printed, "the Spark build's process printed no handoff (see its output)"
        return json.loads(printed[-1][1])

    def stop(self) -> None:
        """End the build if it still runs (the session ended first), and remove its files."""
        if self.process.poll() is None:
            self.process.kill()  # its JVM exits with it (pyspark ties the JVM to its Python process)
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


SPARK_BUILD = pytest.StashKey[SparkBuild]()


def pytest_collection_finish(session):
    """Start the Spark build when a Spark test is to run. Under pytest-xdist no worker knows at collection
    whether the Spark tests will be its own: there the worker's first Spark test starts it (spark_build)."""
    if session.config.option.collectonly or SPARK_BUILD in session.config.stash:
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any("spark" in item.keywords and not item.get_closest_marker("skip") for item in session.items):
        session.config.stash[SPARK_BUILD] = SparkBuild.start()


def pytest_sessionfinish(session):
    if SPARK_BUILD in session.config.stash:
        session.config.stash[SPARK_BUILD].stop()


@pytest.fixture(scope="session")
def spark_build(request) -> SparkBuild:
    if SPARK_BUILD not in request.config.stash:
        request.config.stash[SPARK_BUILD] = SparkBuild.start()
    return request.config.stash[SPARK_BUILD]


@pytest.fixture(scope="session")
def data_dir(spark_build: SparkBuild) -> Path:
    """The files both engines build."""
    return spark_build.data_dir


@pytest.fixture(scope="session")
def as_of(spark_build: SparkBuild) -> str:
    return spark_build.as_of


@pytest.fixture(scope="session")
def duckdb_warehouse(data_dir: Path, as_of: str, tmp_path_factory) -> Path:
    return build(data_dir, tmp_path_factory.mktemp("duckdb_build"), as_of=as_of)


@pytest.fixture(scope="session")
def spark_warehouse(spark_build: SparkBuild) -> Path:
    """The Spark build's warehouse, once the build has passed."""
    output = spark_build.wait()
    assert spark_build.process.returncode == 0, output[-8000:]
    assert "ERROR=0" in output and "SKIP=0" in output, output[-3000:]
    return spark_build.warehouse
