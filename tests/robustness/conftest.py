"""A published warehouse (the marts of the tiny generated data, one scoring run) and helpers to prove it
intact.

Made once per session from a copy of the shared tiny build and copied by each test that may change it; the
tests themselves run `make build-features` and `make score` on those copies.
"""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from scoring.run.train import train_and_score
from scoring.settings import Settings
from scoring.tasks import TASKS, FeatureSelection, SearchBudget
from tests.warehouses import copy_build, made_once

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
SCORING = VENV / "bin" / "scoring"

# The real task with the smallest budgets: a baseline run in seconds (the kill tests rescore its model).
QUICK_TASK = dataclasses.replace(
    TASKS["purchase_90d"],
    choice=dataclasses.replace(TASKS["purchase_90d"].choice, candidates=("baseline", "xgboost")),
    search=SearchBudget(seconds=30, max_trials=1, max_rounds=30, early_stopping_rounds=5),
    out_of_time_search=SearchBudget(seconds=30, max_trials=1, max_rounds=20, early_stopping_rounds=5),
    selection=FeatureSelection(sizes=()),
    validation=dataclasses.replace(TASKS["purchase_90d"].validation, cv_folds=2),
    shap_sample_rows=100,
)


def environment(data_dir: Path, warehouse: Path, **extra: str) -> dict:
    """The environment make passes to scoring, for this data and warehouse. dbt's artifacts go beside the
    warehouse: in the repo's dbt_project/target both test workers would write at once, and each run on
    another warehouse path than the last would have dbt parse the whole project again."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "WAREHOUSE", "AS_OF")}
    paths = {
        "DATA_DIR": str(data_dir),
        "WAREHOUSE": str(warehouse),
        "DBT_TARGET_PATH": str(warehouse.parent / "target"),
    }
    return {**base, **paths, **extra}


def make(target: str, data_dir: Path, warehouse: Path, cwd: Path, **extra: str) -> subprocess.Popen:
    """Start `make <target>` in the repo for this data and warehouse, in its own process group."""
    return subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(REPO), f"VENV={VENV}", "-o", f"{VENV}/.installed", target],
        cwd=cwd, env=environment(data_dir, warehouse, **extra), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def scoring(*args: str, data_dir: Path, warehouse: Path, cwd: Path, **extra: str) -> subprocess.Popen:
    """Start `scoring <args>` (what `make score` runs after building) in its own process group."""
    return subprocess.Popen(
        [str(SCORING), *args], cwd=cwd, env=environment(data_dir, warehouse, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def stop_at(process: subprocess.Popen, stage: str) -> str:
    """Read the run's output until it stops itself at `stage` (SCORING_STOP_AT); return the output.

    Fails when the run ends without reaching the stage, so a renamed stage cannot make a test pass.
    """
    output = []
    for line in process.stdout:
        output.append(line)
        if "] stopped here" in line and f"[{stage}] stopped here" not in line:
            kill9(process)  # stopped elsewhere: the test asked for a stage the run does not reach first
            raise AssertionError(f"the run stopped at another stage than {stage}: {line}")
        if f"[{stage}] stopped here" in line:
            pid = int(line.rsplit("pid ", 1)[1])
            while _state(pid) != "T":  # the line is printed just before the process stops itself
                time.sleep(0.05)
            return "".join(output)
    process.wait()
    raise AssertionError(
        f"the run ended (exit {process.returncode}) before {stage}:\n{''.join(output)[-3000:]}"
    )


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def kill9(process: subprocess.Popen) -> None:
    """kill -9 the run and everything it started (make and scoring)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()


def finish(process: subprocess.Popen) -> tuple[int, str]:
    out = process.stdout.read()
    process.stdout.close()
    return process.wait(), out


# What every build that publishes appends (scoring.monitor): the data health it measured. A log of the builds,
# not a run's or the marts' contents, so the digests leave it out; health_rows() counts it.
BUILD_LOG = ("scoring.data_health",)


def digest(warehouse: Path) -> dict[str, tuple]:
    """Row count and an order-free hash of every table, and the SQL of every view, but the builds' log
    (BUILD_LOG): equal digests, equal contents. A view is its definition: with the same tables and the same
    raw files under it, the same SQL gives the same rows, and reading its rows would read those files again
    (most of a second per digest, for the staging views over the raw messages)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        views = con.execute(
            "select schema_name, view_name, sql from duckdb_views() where not internal order by all"
        ).fetchall()
        contents = {
            f"{schema}.{name}": con.execute(
                f'select count(*), bit_xor(hash(t)) from "{schema}"."{name}" t'
            ).fetchone()
            for schema, name in tables
            if f"{schema}.{name}" not in BUILD_LOG
        }
        return contents | {f"{schema}.{name}": ("view", sql) for schema, name, sql in views}


def health_rows(warehouse: Path) -> int:
    """Rows of scoring.data_health: each build that published appended its own."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from scoring.data_health").fetchone()[0]


@dataclass(frozen=True)
class Published:
    """A warehouse with the marts of `data_dir` and one scoring run, and its digest."""

    data_dir: Path
    warehouse: Path
    model_run_id: str
    digest: dict

    def copy_to(self, folder: Path) -> Path:
        return copy_build(self.warehouse, folder)


def _publish(apparel_tiny: Path, tiny_build: Path, root: Path) -> None:
    warehouse = copy_build(tiny_build, root)
    settings = Settings(
        data_dir=apparel_tiny.parent,
        warehouse=warehouse,
        models_dir=root / "models",
        reports_dir=root / "reports",
    )
    run = train_and_score(settings, QUICK_TASK, top_k=2)
    (root / "model_run_id").write_text(run.model_run_id)


@pytest.fixture(scope="session")
def published(apparel_tiny: Path, tiny_build: Path, tmp_path_factory) -> Published:
    """The shared tiny build (what `make build-features` builds from that data: the same build_features),
    copied, then one quick training run through the library (about 10 s); made once per session."""
    root = made_once(tmp_path_factory, "published", lambda f: _publish(apparel_tiny, tiny_build, f))
    warehouse = root / tiny_build.name
    return Published(apparel_tiny.parent, warehouse, (root / "model_run_id").read_text(), digest(warehouse))
