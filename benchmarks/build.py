"""The feature builds the benchmark times, each run as its own process so its peak memory is its own.

They go through the product path, scoring.features: build_features (every model and test) with the default
cutoff and training spine, or with `--past-cutoffs 0` at the latest cutoff only (the spine's var
overridden); `--models-only` runs just the feature models (`dbt run --select +apparel_features`, no tests,
labels or training set), which is what the benchmark compares with the floor and the pandas peer. On DuckDB
apparel_features is a view over the families, so after the run the wide table is also read once into a
temporary table, timed, and its seconds saved as `wide_view.json` beside dbt's artifacts: the joins a reader
pays are counted in the feature models' time. dbt's artifacts go to `target_path`, so run_results.json is
the benchmark's own and dbt_project/target is left alone.

Usage: python -m benchmarks.build DATA_DIR WAREHOUSE TARGET_PATH [--past-cutoffs N] [--models-only]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from benchmarks.dbt_timing import FEATURE_MART
from scoring.build.dbt import run_dbt
from scoring.build.full_build import build_features
from scoring.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build", description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path, help="Folder with one sub-folder per task (e.g. apparel/).")
    parser.add_argument("warehouse", type=Path, help="The DuckDB file to build (created when missing).")
    parser.add_argument("target_path", type=Path, help="Where dbt writes manifest.json and run_results.json.")
    parser.add_argument(
        "--past-cutoffs", type=int, help="Training cutoffs besides the latest (default: dbt's var)."
    )
    parser.add_argument(
        "--models-only", action="store_true", help=f"Run only {FEATURE_MART} and the models upstream of it."
    )
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir, warehouse=args.warehouse)
    spine = None if args.past_cutoffs is None else {"training_cutoff_count": args.past_cutoffs}
    if not args.models_only:
        build_features(settings, target_path=args.target_path, extra_vars=spine)
        return
    command = ["run", "--select", f"+{FEATURE_MART}", "--target-path", str(args.target_path.resolve())]
    if not run_dbt(settings, command, extra_vars=spine).success:
        raise SystemExit(f"dbt run of the feature models failed: see {args.target_path} and the log above")
    (args.target_path / WIDE_VIEW_FILE).write_text(json.dumps(read_wide_view(args.warehouse)))


WIDE_VIEW_FILE = "wide_view.json"


def read_wide_view(warehouse: Path) -> dict:
    """Seconds to read every row and column of the feature mart into a temporary table, if it is a view."""
    con = duckdb.connect(str(warehouse))
    try:
        kind = con.sql(
            "select table_type from information_schema.tables "
            f"where table_schema = 'main_marts' and table_name = '{FEATURE_MART}'"
        ).fetchall()
        if kind != [("VIEW",)]:
            return {"view": False, "seconds": 0.0}
        start = time.perf_counter()
        con.sql(f"create temp table wide as select * from main_marts.{FEATURE_MART}")
        return {"view": True, "seconds": time.perf_counter() - start}
    finally:
        con.close()


if __name__ == "__main__":
    main()
