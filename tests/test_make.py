"""The Makefile is the front door: it documents itself, and `make score` works on a fresh clone."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)  # the environment running the tests, so the copy installs nothing


def _phony_targets() -> list[str]:
    """The Makefile's user targets: every name its .PHONY lines declare."""
    lines = (REPO / "Makefile").read_text().splitlines()
    return [name for line in lines if line.startswith(".PHONY:") for name in line.split(":", 1)[1].split()]


def _make(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    passed = ("DATA_DIR", "WAREHOUSE", "SPARK_WAREHOUSE", "AS_OF", "TARGET")
    clean_env = {k: v for k, v in os.environ.items() if k not in passed}
    return subprocess.run(
        # -o: never (re)install into the test environment, even when pyproject.toml is newer than its
        # install stamp; an editable install from a copy would point the environment at the copy
        ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.installed", *args],
        cwd=cwd, env={**clean_env, **(env or {})}, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _fresh_clone(dest: Path) -> Path:
    """The tracked files only, as `git clone` would give them (mtimes kept, so setup is not redone)."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in files.stdout.splitlines():
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    # `-o` keeps make from reinstalling the project into the test environment, but make does not pass -o
    # down to the recursive `make data`: a pyproject.toml newer than the install stamp would have it install
    # the copy (pip install -e) into the environment running the tests. Date it no later than the stamp.
    stamp = VENV / ".installed"
    if stamp.exists():
        pyproject = dest / "pyproject.toml"
        when = min(pyproject.stat().st_mtime_ns, stamp.stat().st_mtime_ns)
        os.utime(pyproject, ns=(when, when))
    return dest


def test_make_help_is_the_default_and_lists_every_target_with_a_sentence():
    targets = _phony_targets()
    assert {"help", "setup", "test", "score"} <= set(targets), targets  # the Makefile was read
    out = re.sub(r"\x1b\[[0-9;]*m", "", _make().stdout)  # without the bold
    for target in targets:
        match = re.search(rf"^\s+{re.escape(target)}\s+(.+)$", out, re.MULTILINE)
        assert match, f"make help does not list {target}"
        assert len(match.group(1).split()) >= 4, f"{target} has no sentence: {match.group(1)!r}"


def test_make_campaign_without_a_task_says_how_to_name_one():
    result = _make("campaign", "SIZE=10")
    assert result.returncode != 0 and "make campaign TASK=activity_decline SIZE=200" in result.stdout


def test_data_is_generated_only_for_the_default_data_dir(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    assert "generate apparel" in _make("-n", "score", cwd=clone).stdout
    explicit = _make("-n", "score", f"DATA_DIR={tmp_path / 'mine'}", cwd=clone).stdout
    assert "generate" not in explicit
    assert "build-features" in explicit


@pytest.mark.slow
def test_make_score_on_a_fresh_clone_generates_both_data_sets_and_builds(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    # One task trained (TASK=): the other's training has its own tests (tests/run), and would double the time.
    run = _make("score", "SCALE=0.02", "SEED=3", "TASK=purchase_90d", cwd=clone)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    raw = clone / "data" / "raw"
    assert (raw / "apparel" / "apparel-messages.csv").stat().st_size > 0
    assert (raw / "one_click" / "market_file.csv").stat().st_size > 0
    con = duckdb.connect(str(clone / "data" / "warehouse.duckdb"), read_only=True)
    tables = {row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()}
    runs = con.sql("select task from scoring.model_runs").fetchall()
    con.close()
    assert any(t.startswith("stg_apparel__") for t in tables), tables
    assert any(t.startswith("stg_one_click__") for t in tables), tables  # both data sets were built
    assert runs == [("purchase_90d",)], runs  # TASK= trained that task only
    # The shell users query with (duckdb-cli 1.5) opens the file the build wrote.
    shell = subprocess.run(
        [str(VENV / "bin" / "duckdb"), "-readonly", "-csv", str(clone / "data" / "warehouse.duckdb"),
         "-c", "select count(*) > 0 from information_schema.tables"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shell.returncode == 0 and "true" in shell.stdout, shell.stderr
    # Data is not generated twice: what make would run for the build again, the step that needs the data
    # (make -n prints the recipes it would run; a recursive `make data` would run and print its own).
    # A second real build is what tests/robustness and tests/dbt do.
    again = _make("-n", "build-features", "SCALE=0.02", "SEED=3", cwd=clone)
    assert again.returncode == 0 and "generate apparel" not in again.stdout
    assert "scoring build-features" in again.stdout  # the build would run
