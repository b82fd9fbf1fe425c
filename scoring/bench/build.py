"""The feature builds the benchmark times, each run as its own process so its peak memory is its own.

Both go through the product path, scoring.features.build_features (every model and test): `full` with the
default cutoff and training spine, `--past-cutoffs 0` at the latest cutoff only (the spine's var
overridden). dbt's artifacts go to `target_path`, so run_results.json is the benchmark's own and
dbt_project/target is left alone.

Usage: python -m scoring.bench.build DATA_DIR WAREHOUSE TARGET_PATH [--past-cutoffs N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scoring.features import build_features
from scoring.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scoring.bench.build", description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path, help="Folder with one sub-folder per task (e.g. apparel/).")
    parser.add_argument("warehouse", type=Path, help="The DuckDB file to build (created when missing).")
    parser.add_argument("target_path", type=Path, help="Where dbt writes manifest.json and run_results.json.")
    parser.add_argument(
        "--past-cutoffs", type=int, help="Training cutoffs besides the latest (default: dbt's var)."
    )
    args = parser.parse_args(argv)
    spine = None if args.past_cutoffs is None else {"training_cutoff_count": args.past_cutoffs}
    build_features(
        Settings(data_dir=args.data_dir, warehouse=args.warehouse),
        target_path=args.target_path,
        extra_vars=spine,
    )


if __name__ == "__main__":
    main()
