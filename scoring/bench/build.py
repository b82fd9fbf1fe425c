"""The feature builds the benchmark times, each run as its own process so its peak memory is its own.

`full` is the product path, scoring.features.build_features (every model and test, the default cutoff and
the training spine); `--past-cutoffs 0` builds the same models and tests at the latest cutoff only, through
dbt's own runner with one more var (build_features passes no extra vars). dbt's artifacts go to
`target_path`, so run_results.json is the benchmark's own and dbt_project/target is left alone.

Usage: python -m scoring.bench.build DATA_DIR WAREHOUSE TARGET_PATH [--past-cutoffs N]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from scoring.features import DBT_PROJECT_DIR, build_features, dbt_vars, discover_tasks, memory_limit
from scoring.settings import Settings


def spine_args(data_dir: Path, target_path: Path, past_cutoffs: int) -> list[str]:
    """`dbt build` of every task found under data_dir, with `past_cutoffs` cutoffs before the latest."""
    tasks = discover_tasks(data_dir)
    variables = {**dbt_vars(tasks), "training_cutoff_count": past_cutoffs}
    return [
        "build",
        "--select", " ".join(f"tag:{task}" for task in tasks),
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path.resolve()),
        "--vars", json.dumps(variables),
    ]  # fmt: skip


def build_with_spine(data_dir: Path, warehouse: Path, target_path: Path, past_cutoffs: int) -> None:
    """Like build_features (same environment and DuckDB memory limit), with `past_cutoffs` past cutoffs."""
    from dbt.cli.main import dbtRunner

    os.environ.update(WAREHOUSE=str(warehouse.resolve()), DATA_DIR=str(data_dir.resolve()))
    os.environ.setdefault("DUCKDB_MEMORY_LIMIT", memory_limit(discover_tasks(data_dir)))
    result = dbtRunner().invoke(spine_args(data_dir, target_path, past_cutoffs))
    if result.exception is not None or not result.success:
        raise SystemExit(
            f"dbt build with {past_cutoffs} past cutoffs failed: {result.exception or 'see above'}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scoring.bench.build", description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path, help="Folder with one sub-folder per task (e.g. apparel/).")
    parser.add_argument("warehouse", type=Path, help="The DuckDB file to build (created when missing).")
    parser.add_argument("target_path", type=Path, help="Where dbt writes manifest.json and run_results.json.")
    parser.add_argument(
        "--past-cutoffs", type=int, help="Training cutoffs besides the latest (default: dbt's var)."
    )
    args = parser.parse_args(argv)
    if args.past_cutoffs is None:
        build_features(
            Settings(data_dir=args.data_dir, warehouse=args.warehouse), target_path=args.target_path
        )
    else:
        build_with_spine(args.data_dir, args.warehouse, args.target_path, args.past_cutoffs)


if __name__ == "__main__":
    main()
