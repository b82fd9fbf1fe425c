"""Convert the raw files of a data folder to Parquet, in another folder, so builds skip CSV parsing.

Every column is written as text, exactly as the dbt staging layer reads a CSV (macros/cross_db/
read_raw_file.sql: every column VARCHAR, named by position after the spec's columns). Staging casts the same
strings whichever the format, so a build from the Parquet folder gives the same marts as one from the CSV
files, and the input checks still see (and locate, by row) every bad value. The header of each CSV is
checked first: Parquet files have no header line left to check.

The source folder is only read; the Parquet files go to `out_dir/<task>/<stem>.parquet`, each written to a
temporary name and renamed, so an interrupted conversion leaves no half-written file under a real name.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from scoring.build.checks import SPECS
from scoring.build.checks.scan import header_problems, source_sql
from scoring.build.raw_files import RawFile, require_data_sets
from scoring.errors import FeatureBuildError

COMPRESSION = "zstd"
ROW_GROUP_ROWS = 500_000  # row groups are read in parallel by the build; this many rows each


@dataclass(frozen=True)
class Converted:
    """One converted (or copied) file: where from, where to, and its sizes in bytes."""

    source: Path
    target: Path
    source_bytes: int
    target_bytes: int


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _convert_file(con: duckdb.DuckDBPyConnection, task: str, raw: RawFile, target: Path) -> None:
    spec = SPECS[task][raw.stem]
    reader = source_sql(spec, raw.path, raw.format, store_rejects=False)  # a bad line stops the conversion
    partial = target.with_name(f".{target.name}.partial")
    con.execute(
        f"copy (select * from {reader}) to {_literal(partial)} "
        f"(format parquet, compression {COMPRESSION}, row_group_size {ROW_GROUP_ROWS})"
    )
    os.replace(partial, target)


def convert_to_parquet(data_dir: Path, out_dir: Path) -> list[Converted]:
    """Write every raw file found under `data_dir` as Parquet under `out_dir` (Parquet files are copied).

    Raises FeatureBuildError when the folders are the same, a file has no spec, or a CSV header is wrong.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if out_dir.resolve() == data_dir.resolve():
        raise FeatureBuildError(
            f"{out_dir} is the folder being converted: choose another (a Parquet file beside its CSV would "
            "be read instead of it, even after the CSV changed)"
        )
    tasks = require_data_sets(data_dir)
    problems = [
        problem
        for task, files in tasks.items()
        for raw in files.values()
        if raw.format != "parquet"
        for problem in header_problems(SPECS[task][raw.stem], raw.path, raw.format)
    ]
    if problems:
        lines = "\n  ".join(str(problem) for problem in problems)
        raise FeatureBuildError(f"The input files have wrong headers:\n  {lines}\nNothing was converted.")
    done = []
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        for task, files in tasks.items():
            (out_dir / task).mkdir(parents=True, exist_ok=True)
            for raw in files.values():
                target = out_dir / task / f"{raw.stem}.parquet"
                if raw.format == "parquet":
                    shutil.copyfile(raw.path, target)
                else:
                    _convert_file(con, task, raw, target)
                done.append(Converted(raw.path, target, raw.path.stat().st_size, target.stat().st_size))
    return done
