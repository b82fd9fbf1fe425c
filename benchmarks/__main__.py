"""Benchmarks: wall time and peak memory of each stage at each scale, beside a DuckDB scan floor and a
pandas peer; writes a markdown report (and its numbers as JSON beside it).

Usage: python -m benchmarks [--scales 0.1,1] [--out data/reports/bench.md] [--work DIR] [--seed 42]
                               [--stages generate,floor,build,build-one,models,pandas,score,rescore] [--merge]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.measure import Measurement
from benchmarks.report import render
from benchmarks.stages import STAGE_KEYS, ScaleRun, run_stage


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", default="0.1,1", help="Comma-separated data scales (1.0 = 12.7M messages)."
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data/reports/bench.md"), help="The markdown report."
    )
    parser.add_argument(
        "--work", type=Path, help="Work folder, kept (default: a temporary one under data/bench/)."
    )
    parser.add_argument("--seed", type=int, default=42, help="Generator seed.")
    parser.add_argument(
        "--stages", default=",".join(STAGE_KEYS), help=f"Stages to run, of: {', '.join(STAGE_KEYS)}."
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="Keep the other rows of the previous report (re-measure some rows).",
    )
    args = parser.parse_args(argv)
    args.scales = [float(scale) for scale in args.scales.split(",")]
    unknown = [key for key in args.stages.split(",") if key not in STAGE_KEYS]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_KEYS)}")
    args.stages = [STAGE_KEYS[key] for key in STAGE_KEYS if key in args.stages.split(",")]
    return args


def run_scale(scale: float, seed: int, work: Path, stages: list[str]) -> list[Measurement]:
    """Measure `stages` at one scale, in order, printing each result as it comes."""
    run = ScaleRun(scale, seed, work / f"scale_{scale:g}")
    run.root.mkdir(parents=True, exist_ok=True)
    results = []
    for stage in stages:
        result = run_stage(stage, run)
        print(
            f"scale {scale:g} {stage}: {result.seconds:.1f} s, {result.peak_mb:,.0f} MB {result.note}",
            flush=True,
        )
        results.append(result)
    return results


def context(argv: list[str]) -> list[str]:
    """Where and how the numbers were taken."""
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    packages = ", ".join(f"{name} {version(name)}" for name in ("duckdb", "dbt-core", "dbt-duckdb", "pandas"))
    return [
        f"taken {datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} cores, {memory_gb:.0f} GB RAM; "
        f"Python {platform.python_version()}, {packages}",
        f"command: `python -m benchmarks {' '.join(argv)}`",
        "other engineers' jobs share this machine: `load` is the 1-minute load average just before each "
        f"stage (with {os.cpu_count()} cores, a load above {os.cpu_count()} means it shared its cores)",
        "seconds are wall time; CPU s is user + system time (with 2 threads it can exceed wall time); "
        "peak MB is the peak resident memory of the stage's process and its children",
    ]


def load_measurements(path: Path) -> list[Measurement]:
    if not path.is_file():
        return []
    return [Measurement(**row) for row in json.loads(path.read_text())]


def merge(previous: list[Measurement], new: list[Measurement]) -> list[Measurement]:
    """The new measurements, plus the previous ones of other (stage, scale) pairs."""
    measured = {(m.stage, m.scale) for m in new}
    return [m for m in previous if (m.stage, m.scale) not in measured] + new


def save(measurements: list[Measurement], out: Path, lines: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(measurements, lines))
    out.with_suffix(".json").write_text(json.dumps([dataclasses.asdict(m) for m in measurements], indent=1))


def _temporary_work() -> Path:
    root = Path("data/bench")
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=root))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    work = (args.work or _temporary_work()).resolve()
    try:
        measurements = [m for scale in args.scales for m in run_scale(scale, args.seed, work, args.stages)]
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    lines = context(argv)
    previous = load_measurements(args.out.with_suffix(".json")) if args.merge else []
    if previous:
        lines.append("rows not re-measured by this command come from the previous report (`--merge`)")
    save(merge(previous, measurements), args.out, lines)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
