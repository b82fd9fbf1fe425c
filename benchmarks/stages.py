"""The stages the benchmark measures at one scale, each a child process of its own (see measure.py).

A scale's work folder holds raw/{apparel,one_click}/ (generated), one warehouse and dbt target folder per
build, the pandas peer's output and, for `score`, the data/models and data/reports it writes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.build import WIDE_VIEW_FILE
from benchmarks.dbt_timing import feature_model_timing
from benchmarks.measure import Measurement, measure
from benchmarks.refresh import TIMING_FILE
from scoring.tasks import TASKS

GENERATE = "generate"
FLOOR = "floor: DuckDB scan"
BUILD = "build-features"
BUILD_ONE = "build-features, 1 cutoff"
MODELS = "feature models, 1 cutoff"
PANDAS = "pandas peer, 1 cutoff"
CONVERT = "convert CSV to Parquet"
BUILD_PARQUET = "build-features from Parquet"
SCORE = "score"
RESCORE = "rescore with the saved model"
REFRESH = "refresh: one more day"
MONITOR = "profiles + drift"
STAGES = (GENERATE, FLOOR, BUILD, BUILD_ONE, MODELS, PANDAS, CONVERT, BUILD_PARQUET, SCORE, RESCORE, REFRESH,
          MONITOR)  # fmt: skip
# Short names for the command line (`--stages build,pandas`), in the order the stages run.
STAGE_KEYS = dict(
    zip(
        ("generate", "floor", "build", "build-one", "models", "pandas", "convert", "build-parquet", "score",
         "rescore", "refresh", "monitor"),
        STAGES,
        strict=True,
    )
)  # fmt: skip

# Peak MB per unit of scale of the stages whose memory grows with the data, and past which scale it grows
# at a lower rate (MB per unit of scale beyond it). The pandas peer holds every row: 4.3 GB at scale 1, 12 GB
# at 3. Score held every labelled row too (2.4 GB at 1, 6.4 GB at 3, 21 GB at 10 estimated) until its
# training rows were capped (Task.max_training_rows): past the cap only the clients it scores and explains
# still grow. Where a stage would not fit in MEMORY_SHARE of the memory available, it is skipped rather than
# pushing a shared machine out of memory.
PEAK_MB_PER_SCALE = {PANDAS: 4300, SCORE: 2450}
LABELLED_ROWS_PER_SCALE = 250_000  # purchase task, measured at scales 1 and 3
# score: its training rows stop growing at the cap (300,000 / 250,000 = scale 1.2); beyond it the clients
# scored (61k per unit of scale) add about 200 MB per unit (measured: 2.9 GB at scale 3 with 260k training
# rows, 4.4 GB at scale 10 with 300k; this estimates 4.7 GB there)
_CAP = TASKS["purchase_90d"].max_training_rows
PEAK_GROWTH_BEYOND = {SCORE: (_CAP / LABELLED_ROWS_PER_SCALE, 200)} if _CAP else {}
MEMORY_SHARE = 0.8

PYTHON = sys.executable
SCORING = str(Path(sys.executable).with_name("scoring"))


@dataclass(frozen=True)
class ScaleRun:
    """One scale's parameters and work folder."""

    scale: float
    seed: int
    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def parquet(self) -> Path:
        """The raw files converted to Parquet (scoring convert)."""
        return self.root / "parquet"

    def env(self, warehouse: str = "full") -> dict[str, str]:
        """The environment of the scoring commands: this scale's data and one of its warehouses."""
        return {"DATA_DIR": str(self.raw), "WAREHOUSE": str(self.warehouse(warehouse)), "AS_OF": ""}

    def warehouse(self, name: str) -> Path:
        return self.root / f"warehouse_{name}.duckdb"

    def target(self, name: str) -> Path:
        return self.root / f"target_{name}"


def _fresh(run: ScaleRun, name: str) -> None:
    """Remove a build's warehouse (and its spill folder) so every build starts from nothing."""
    for path in (run.warehouse(name), Path(f"{run.warehouse(name)}.wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(f"{run.warehouse(name)}.tmp", ignore_errors=True)


def generate(run: ScaleRun) -> Measurement:
    apparel = [SCORING, "generate", "apparel", "--scale", str(run.scale), "--seed", str(run.seed),
               "--out", str(run.raw / "apparel")]  # fmt: skip
    one_click = [
        SCORING,
        "generate",
        "one-click",
        "--seed",
        str(run.seed),
        "--out",
        str(run.raw / "one_click"),
    ]
    script = f"{shlex.join(apparel)} && {shlex.join(one_click)}"
    return measure(GENERATE, run.scale, ["sh", "-c", script], note="apparel + one-click")


def floor(run: ScaleRun) -> Measurement:
    cmd = [PYTHON, "-m", "benchmarks.floor", str(run.raw / "apparel")]
    return measure(FLOOR, run.scale, cmd, note="messages + purchases, every column parsed once")


def build(run: ScaleRun) -> Measurement:
    _fresh(run, "full")
    cmd = [
        PYTHON,
        "-m",
        "benchmarks.build",
        str(run.raw),
        str(run.warehouse("full")),
        str(run.target("full")),
    ]
    return measure(
        BUILD, run.scale, cmd, note="default cutoff + the past cutoffs of the spine, every model and test"
    )


def build_one_cutoff(run: ScaleRun) -> Measurement:
    _fresh(run, "one")
    cmd = [PYTHON, "-m", "benchmarks.build", str(run.raw), str(run.warehouse("one")),
           str(run.target("one")), "--past-cutoffs", "0"]  # fmt: skip
    return measure(BUILD_ONE, run.scale, cmd, note="latest cutoff only (training_cutoff_count=0), every test")


def feature_models(run: ScaleRun) -> Measurement:
    """The feature models alone at the latest cutoff (`dbt run`, no tests): from the first model's start to
    the last one's end in run_results.json, so dbt's start-up is left out; memory is the whole process's."""
    _fresh(run, "models")
    cmd = [PYTHON, "-m", "benchmarks.build", str(run.raw), str(run.warehouse("models")),
           str(run.target("models")), "--past-cutoffs", "0", "--models-only"]  # fmt: skip
    process = measure(MODELS, run.scale, cmd)
    timing = feature_model_timing(run.target("models"))
    wide = json.loads((run.target("models") / WIDE_VIEW_FILE).read_text())
    read = f" + {wide['seconds']:.1f} s reading the apparel_features view once" if wide["view"] else ""
    note = (
        f"`dbt run` of the {timing.models} models up to apparel_features, first start to last end{read} "
        f"(models summed {timing.seconds:.1f} s; {process.seconds:.1f} s with dbt's start-up)"
    )
    return dataclasses.replace(process, seconds=timing.wall_seconds + wide["seconds"], note=note)


def pandas_peer(run: ScaleRun) -> Measurement:
    cmd = [PYTHON, "-m", "benchmarks.pandas_peer", str(run.raw / "apparel"),
           "--out", str(run.root / "pandas_features.parquet")]  # fmt: skip
    return measure(PANDAS, run.scale, cmd, note="read CSVs + every feature family, vectorised pandas")


def convert(run: ScaleRun) -> Measurement:
    shutil.rmtree(run.parquet, ignore_errors=True)
    cmd = [SCORING, "convert", "--out", str(run.parquet)]
    return measure(CONVERT, run.scale, cmd, env=run.env(), note="every raw file, columns as text, zstd")


def build_parquet(run: ScaleRun) -> Measurement:
    if not run.parquet.is_dir():
        raise RuntimeError(f"no Parquet files in {run.parquet}: run the convert stage first")
    _fresh(run, "parquet")
    cmd = [PYTHON, "-m", "benchmarks.build", str(run.parquet), str(run.warehouse("parquet")),
           str(run.target("parquet"))]  # fmt: skip
    return measure(BUILD_PARQUET, run.scale, cmd, note="as build-features, from the converted files")


def _latest_model_run(warehouse: Path, task: str) -> tuple[str, int]:
    """The latest trained run of `task` in the warehouse, and the clients it scored."""
    import duckdb

    if not warehouse.exists():
        raise RuntimeError(f"no warehouse {warehouse}: run the build and score stages first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select model_run_id, n_scored from scoring.model_runs where task = ? and run_kind = 'train' "
            "order by created_at desc limit 1",
            [task],
        ).fetchall()
    if not found:
        raise RuntimeError(f"no trained {task} model in {warehouse}: run the score stage first")
    return found[0]


def score(run: ScaleRun) -> Measurement:
    """`scoring score` on the full build, run from the work folder so its models and reports land there."""
    cap = TASKS["purchase_90d"].max_training_rows
    trains_on = f"at most {cap:,} labelled rows" if cap else "every labelled row"
    return measure(SCORE, run.scale, [SCORING, "score"], env=run.env("full"), cwd=run.root,
                   note=f"train ({trains_on}), validate, score, explain")  # fmt: skip


def rescore(run: ScaleRun) -> Measurement:
    """`scoring score --model-run` with the purchase model the score stage saved: batched, so its peak
    memory should not grow with the clients."""
    from scoring.run.rescore import BATCH_ROWS

    model_run, clients = _latest_model_run(run.warehouse("full"), "purchase_90d")
    cmd = [SCORING, "score", "--model-run", model_run]
    note = f"{clients:,} clients in batches of {BATCH_ROWS:,}: score, explain, write"
    return measure(RESCORE, run.scale, cmd, env=run.env("full"), cwd=run.root, note=note)


def refresh(run: ScaleRun) -> Measurement:
    """`scoring refresh` of the last message day D, after a full build as of D - 1 of the same data without
    it (prepared first, not timed, in the same dbt target folder, whose parse the refresh reuses as it does
    after `make build-features`): what a daily run costs, beside build-features."""
    data_dir, warehouse, target = run.root / "refresh_data", run.warehouse("refresh"), run.target("refresh")
    _fresh(run, "refresh")
    shutil.rmtree(target, ignore_errors=True)
    prepare = [PYTHON, "-m", "benchmarks.refresh", "prepare", str(run.raw / "apparel"), str(data_dir),
               str(warehouse), str(target)]  # fmt: skip
    measure("prepare refresh", run.scale, prepare)
    cmd = [PYTHON, "-m", "benchmarks.refresh", "run", str(data_dir), str(warehouse), str(target)]
    process = measure(REFRESH, run.scale, cmd)
    return dataclasses.replace(process, note=refresh_note(target))


def refresh_note(target: Path) -> str:
    """Where the refresh's dbt time went, from the timings it returned: the span and the slowest models."""
    timing = json.loads((target / TIMING_FILE).read_text())
    slowest = list(timing["model_seconds"].items())[:3]
    models = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
    return (
        f"apply day D to a build as of D - 1 (last cutoff moved, spine kept): dbt run "
        f"{timing['dbt_seconds']:.1f} s of it; slowest: {models}"
    )


CLIENTS_PER_SCALE = 61_000  # clients scored at scale 1 (the purchase task's latest cutoff)


def monitor(run: ScaleRun) -> Measurement:
    """What profiles and drift (scoring.monitor) add to a train run (its seconds), on a synthetic mart as
    wide as apparel_features at this scale's clients (benchmarks/monitor.py), so scale 10 needs no build;
    the note adds the rescore's seconds and, when the score and rescore stages ran, what the real runs spent
    on it (their durations' `monitor`)."""
    clients = str(round(CLIENTS_PER_SCALE * run.scale))
    cmd = [
        PYTHON,
        "-m",
        "benchmarks.monitor",
        "synthetic",
        "--clients",
        clients,
        "--out",
        str(run.root / "monitor.json"),
    ]
    process = measure(MONITOR, run.scale, cmd)
    timing = json.loads((run.root / "monitor.json").read_text())
    note = (
        f"synthetic mart, {timing['clients']:,} clients x {timing['features']} features, "
        f"{timing['training_rows']:,} training rows: train run {timing['train_seconds']:.1f} s "
        f"({timing['train_cpu_seconds']:.1f} s CPU), rescore {timing['rescore_seconds']:.1f} s "
        f"({timing['rescore_cpu_seconds']:.1f} s CPU)"
    )
    if run.warehouse("full").exists():
        from benchmarks.monitor import run_durations

        real = run_durations(run.warehouse("full"))
        spent = ", ".join(
            f"{kind} {found['monitor_seconds']:.1f} s"
            for kind, found in real.items()
            if found["monitor_seconds"]
        )
        note += f"; in the score and rescore stages: {spent}" if spent else ""
    return dataclasses.replace(
        process, seconds=timing["train_seconds"], cpu_seconds=timing["train_cpu_seconds"], note=note
    )


RUNNERS: dict[str, Callable[[ScaleRun], Measurement]] = {
    GENERATE: generate,
    FLOOR: floor,
    BUILD: build,
    BUILD_ONE: build_one_cutoff,
    MODELS: feature_models,
    PANDAS: pandas_peer,
    CONVERT: convert,
    BUILD_PARQUET: build_parquet,
    SCORE: score,
    RESCORE: rescore,
    REFRESH: refresh,
    MONITOR: monitor,
}


def available_mb() -> float:
    """Memory the machine can give a new process now (MemAvailable), in MB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES") / 2**20


def peak_mb(stage: str, scale: float) -> float:
    """The estimated peak memory of a stage at `scale`, in MB (0 when it is not estimated)."""
    per_scale = PEAK_MB_PER_SCALE.get(stage, 0)
    if stage not in PEAK_GROWTH_BEYOND:
        return per_scale * scale
    knee, beyond = PEAK_GROWTH_BEYOND[stage]
    return per_scale * min(scale, knee) + beyond * max(scale - knee, 0)


def too_big(stage: str, scale: float, available: float) -> str | None:
    """Why a stage would not fit in `available` MB at `scale` (None when it would, or is not estimated)."""
    needed = peak_mb(stage, scale)
    if needed > MEMORY_SHARE * available:
        return f"skipped: needs ~{needed:,.0f} MB, {available:,.0f} MB available"
    return None


def run_stage(stage: str, run: ScaleRun, available: float | None = None) -> Measurement:
    """Measure one stage; a failure, or a stage too big for the memory left, becomes a row with no numbers
    and the reason, so the others still run."""
    reason = too_big(stage, run.scale, available_mb() if available is None else available)
    if reason:
        return Measurement(stage, run.scale, math.nan, math.nan, reason)
    try:
        return RUNNERS[stage](run)
    except (RuntimeError, OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[-1][:200] if str(error).strip() else type(error).__name__
        verb = "skipped" if stage in (SCORE, RESCORE, BUILD_PARQUET) else "failed"
        return Measurement(stage, run.scale, math.nan, math.nan, f"{verb}: {reason}")
