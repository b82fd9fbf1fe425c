"""The raw input files: which data sets the dbt project reads, which files each has, and where they are.

A data set is a folder under DATA_DIR (apparel/, one_click/) whose files have their published names, as CSV,
CSV.gz or Parquet; later days of the growing files sit in day folders (days/YYYY-MM-DD/). Files only: the
dbt runner (scoring.build.dbt) hands what is found here to dbt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scoring.errors import FeatureBuildError

# Accepted formats of a raw file, in order of preference when several copies of one file exist.
RAW_FORMATS: tuple[tuple[str, str], ...] = (
    ("parquet", ".parquet"),
    ("csv.gz", ".csv.gz"),
    ("csv", ".csv"),
)


@dataclass(frozen=True)
class DataSetFiles:
    """The raw files of one data set, by file stem (the name without its format suffix)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


# The data sets the dbt project has models for, by folder under DATA_DIR; each name is also the dbt tag that
# selects its models. (Not the scoring tasks of scoring/tasks.py: one data set can feed several tasks.)
DATA_SETS: Mapping[str, DataSetFiles] = {
    "apparel": DataSetFiles(
        required=("apparel-purchases", "apparel-messages", "apparel-target_binary"),
        optional=("full_campaign_daily_event", "full_campaign_daily_event_channel"),
    ),
    "one_click": DataSetFiles(required=("market_file", "market_money", "market_time", "money")),
}


# Later days of a file, each as a file of its own: <task dir>/days/YYYY-MM-DD/<stem>.<format>. A build reads
# them after the file; `scoring refresh` applies the days after the latest cutoff (scoring/build/refresh.py).
DAYS_DIR = "days"
DAILY_STEMS = frozenset({"apparel-messages", "apparel-purchases"})  # the files that grow by the day


@dataclass(frozen=True)
class RawFile:
    """One raw input file found on disk, with the files of its later days (oldest first), if any."""

    stem: str
    path: Path
    format: str
    days: tuple[RawFile, ...] = ()
    day: date | None = None  # for the file of one day: that day


def find_raw_file(task_dir: Path, stem: str) -> RawFile | None:
    """The preferred file named `stem` in `task_dir` (parquet, then csv.gz, then csv), or None."""
    for file_format, suffix in RAW_FORMATS:
        path = task_dir / f"{stem}{suffix}"
        if path.is_file():
            return RawFile(stem=stem, path=path.resolve(), format=file_format)
    return None


def discover_data_sets(data_dir: Path) -> dict[str, dict[str, RawFile]]:
    """The tasks with raw files under `data_dir`, each with the files found, by stem.

    A task counts as present when any of its files exists in `data_dir/<task>/`; then all its required files
    must be there too.
    """
    tasks: dict[str, dict[str, RawFile]] = {}
    for task, files in DATA_SETS.items():
        task_dir = data_dir / task
        found = {
            stem: dataclasses.replace(raw, days=find_day_files(task_dir, stem))
            for stem in files.required + files.optional
            if (raw := find_raw_file(task_dir, stem)) is not None
        }
        if not found:
            continue
        missing = [stem for stem in files.required if stem not in found]
        if missing:
            suffixes = ", ".join(suffix for _, suffix in RAW_FORMATS)
            raise FeatureBuildError(
                f"{task_dir}: missing {', '.join(missing)} (looked for {suffixes}). "
                f"Put the files there or run `scoring generate {task} --out {task_dir}`."
            )
        tasks[task] = found
    return tasks


def find_day_files(task_dir: Path, stem: str) -> tuple[RawFile, ...]:
    """The files of `stem` in the day folders of `task_dir` (days/YYYY-MM-DD/), oldest day first.

    Raises FeatureBuildError for a folder under days/ that is not named as a date.
    """
    root = task_dir / DAYS_DIR
    if stem not in DAILY_STEMS or not root.is_dir():
        return ()
    found = []
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            raise FeatureBuildError(
                f"{folder}: a day folder must be named as its day, YYYY-MM-DD (e.g. {root}/2024-02-17)"
            ) from None
        raw = find_raw_file(folder, stem)
        if raw is not None:
            found.append(dataclasses.replace(raw, day=day))
    return tuple(found)


def require_data_sets(data_dir: Path) -> dict[str, dict[str, RawFile]]:
    """The tasks found under `data_dir` (discover_data_sets); an error when there is none."""
    tasks = discover_data_sets(data_dir)
    if not tasks:
        expected = ", ".join(f"{task}/{files.required[0]}.csv" for task, files in DATA_SETS.items())
        raise FeatureBuildError(f"No raw files under {data_dir} (expected e.g. {expected}).")
    return tasks
