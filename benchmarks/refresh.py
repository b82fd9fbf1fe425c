"""The incremental refresh the benchmark times: one more day of apparel events applied to a built warehouse.

`prepare` splits the generated apparel files at the last message day D (scoring.generate.days): the history up
to D - 1 and D's files in days/D/ (kept aside until `run`), and builds the warehouse as of D - 1 (a full
build, not timed). `run` delivers day D and runs the refresh as `scoring refresh` does. Both keep dbt's
artifacts in TARGET_PATH, as `make build-features` and `make refresh-features` share dbt_project/target: the
refresh reuses the build's parse of the project. A refresh writes no run_results.json, so `run` saves the
models' timings it returns in TARGET_PATH/refresh_timing.json, where the benchmark reads them.

Usage: python -m benchmarks.refresh prepare SOURCE_APPAREL DATA_DIR WAREHOUSE TARGET_PATH
       python -m benchmarks.refresh run DATA_DIR WAREHOUSE TARGET_PATH
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import timedelta
from pathlib import Path

from scoring.build.full_build import build_features
from scoring.build.refresh import refresh_features
from scoring.generate.days import add_day, last_message_day, split_by_day
from scoring.settings import Settings

PENDING = "_pending_day"  # where prepare keeps day D's files until run delivers them
TIMING_FILE = "refresh_timing.json"


def prepare(source: Path, data_dir: Path, warehouse: Path, target_path: Path) -> None:
    day = last_message_day(source)
    shutil.rmtree(data_dir, ignore_errors=True)
    apparel = split_by_day(source, data_dir, day - timedelta(days=1), [])
    build_features(
        Settings(data_dir=data_dir, warehouse=warehouse, as_of=day - timedelta(days=1)),
        target_path=target_path,
    )
    pending = add_day(source, apparel, day)
    shutil.move(pending, data_dir / PENDING / day.isoformat())


def run(data_dir: Path, warehouse: Path, target_path: Path) -> None:
    pending = next((data_dir / PENDING).iterdir())
    (data_dir / "apparel" / "days").mkdir(exist_ok=True)
    shutil.move(pending, data_dir / "apparel" / "days" / pending.name)
    refreshed = refresh_features(Settings(data_dir=data_dir, warehouse=warehouse), target_path=target_path)
    print(f"refreshed {refreshed.replaced_cutoff} -> {refreshed.latest_cutoff}")
    timing = {"dbt_seconds": refreshed.dbt_seconds, "model_seconds": dict(refreshed.model_seconds)}
    (target_path / TIMING_FILE).write_text(json.dumps(timing, indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.refresh", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    first = commands.add_parser(
        "prepare", help="Split the data at the last message day and build as of the day before."
    )
    first.add_argument("source", type=Path, help="The generated apparel folder.")
    first.add_argument("data_dir", type=Path, help="Where the split data goes (DATA_DIR/apparel/...).")
    first.add_argument("warehouse", type=Path, help="The warehouse to build.")
    first.add_argument("target_path", type=Path, help="Where dbt keeps its artifacts (and its parse).")
    second = commands.add_parser("run", help="Deliver the last day and refresh.")
    second.add_argument("data_dir", type=Path)
    second.add_argument("warehouse", type=Path)
    second.add_argument(
        "target_path", type=Path, help=f"Where dbt keeps its parse; {TIMING_FILE} goes there."
    )
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.source, args.data_dir, args.warehouse, args.target_path)
    else:
        run(args.data_dir, args.warehouse, args.target_path)


if __name__ == "__main__":
    main()
