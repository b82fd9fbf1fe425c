"""Input checks at the edge: every raw file is checked against its spec before dbt builds anything.

A task declares its files in SPECS (a FileSpec per file stem, see scoring/build/checks/apparel.py); a file
with no spec is not checked. `check_inputs` returns every problem found, in file order; the build refuses to
start on any, so the warehouse keeps what it had.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from scoring.build.checks.apparel import APPAREL
from scoring.build.checks.one_click import ONE_CLICK
from scoring.build.checks.scan import Problem, header_problems, parquet_problems, scan_problems
from scoring.build.checks.spec import FileSpec

__all__ = ["SPECS", "Problem", "check_inputs", "format_problems"]

# task -> file stem -> spec. A new task adds a module beside apparel.py and one_click.py, and an entry here.
SPECS: Mapping[str, Mapping[str, FileSpec]] = {"apparel": APPAREL, "one_click": ONE_CLICK}


class FoundFile(Protocol):  # scoring.build.raw_files.RawFile
    stem: str
    path: object
    format: str


def check_file(spec: FileSpec, raw: FoundFile, today: date) -> list[Problem]:
    """The problems of one file: its header (or Parquet schema) first, then its values."""
    if raw.format == "parquet":
        problems = parquet_problems(spec, raw.path)
    else:
        problems = header_problems(spec, raw.path, raw.format)
    return problems or scan_problems(spec, raw.path, raw.format, today)


def check_inputs(
    tasks: Mapping[str, Mapping[str, FoundFile]],
    today: date | None = None,
    specs: Mapping[str, Mapping[str, FileSpec]] = SPECS,
) -> list[Problem]:
    """Every problem in the files found for each task (scoring.build.raw_files.discover_data_sets)."""
    today = today or date.today()
    problems: list[Problem] = []
    for task, files in tasks.items():
        for stem, raw in files.items():
            spec = specs.get(task, {}).get(stem)
            if spec is not None:
                for file in (raw, *getattr(raw, "days", ())):  # a file's later days, each its own file
                    problems += check_file(spec, file, today)
    return problems


def format_problems(problems: list[Problem]) -> str:
    """The error a user reads: every problem on its own line, then what did not happen."""
    lines = [f"The input files have {len(problems)} problem{'s' * (len(problems) > 1)}:"]
    lines += [f"  {p}" for p in problems]
    lines.append("Nothing was built and the warehouse is unchanged. Fix the files and run again.")
    return "\n".join(lines)
