"""Profiles and drift (scoring.monitor) on a synthetic mart as wide as apparel_features, at a given number of
clients: what a train run and a rescore add to `scoring score`, without building the features first.

    python -m benchmarks.monitor synthetic --clients 611000 [--features 246] [--cutoffs 5] [--training-rows N]
    python -m benchmarks.monitor runs WAREHOUSE   # the seconds the real score and rescore runs spent on it

The synthetic mart has the shapes of the real one: zero-inflated counts, recencies with nulls, rates, two
categorical columns; every client at each of the cutoffs, the latest one scored. A train run profiles the
reference (a sample of each cutoff), the rows it scores and their scores, then measures the drift; a rescore
reads the scored rows in batches of 50,000 (scoring.run.rescore.BATCH_ROWS) into an on-disk DuckDB file, as
a rescore's run transaction does, and profiles them there. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from scoring.model.dataset import FeatureSpec
from scoring.monitor import drift, profiles, runs
from scoring.monitor.profiles import Staged
from scoring.tasks import TASKS

BATCH_ROWS = 50_000
LATEST = date(2024, 2, 16)


def _cutoff(rng, clients: int, features: int, day: date, index: int) -> pl.DataFrame:
    columns: dict[str, np.ndarray | list] = {
        "client_id": np.arange(clients, dtype=np.int64) + 10**18,
        "as_of_date": [day] * clients,
    }
    for number in range(features):
        kind = number % 3
        if kind == 0:  # a count over a window: most clients have none
            values = rng.poisson(0.4 + 0.1 * index, clients).astype(np.float64)
        elif kind == 1:  # days since an event: null when it never happened
            values = rng.exponential(120, clients)
            values[rng.random(clients) < 0.3] = np.nan
        else:  # a rate
            values = rng.beta(2, 8, clients)
        columns[f"feature_{number:03d}"] = values
    columns["state_a"] = rng.choice(["subscribed", "never_messaged", "bounced"], clients, p=[0.6, 0.38, 0.02])
    columns["state_b"] = rng.choice(["subscribed", "unsubscribed"], clients, p=[0.9, 0.1])
    return pl.DataFrame(columns).with_columns(pl.selectors.float().fill_nan(None))


def synthetic_frames(
    clients: int, features: int, cutoffs: int, training_rows: int, seed: int = 42
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(training rows, rows scored): every client at the latest cutoff, and the labelled rows a train run
    holds, at most `training_rows` (Task.max_training_rows caps them) spread over the cutoffs, the latest
    one's included (its provided labels), with `features` numeric features of the real mart's kinds and two
    categorical ones."""
    rng = np.random.default_rng(seed)
    scored = _cutoff(rng, clients, features, LATEST, 0)
    per_cutoff = min(clients, training_rows // cutoffs)
    past = [_cutoff(rng, per_cutoff, features, LATEST - timedelta(days=90 * i), i) for i in range(1, cutoffs)]
    return pl.concat([*past, scored.head(per_cutoff)]), scored


def _spec(mart: pl.DataFrame) -> FeatureSpec:
    numeric = tuple(c for c in mart.columns if c.startswith("feature_"))
    return FeatureSpec(numeric, ("state_a", "state_b"))


def time_train(
    training: pl.DataFrame, scoring: pl.DataFrame, spec: FeatureSpec
) -> tuple[tuple[float, float], runs.TrainProfiles]:
    """Wall and CPU seconds of a train run's profiles and drift (reference, scored rows, scores, drift)."""
    task = TASKS["purchase_90d"]
    start, cpu = time.perf_counter(), time.process_time()
    profiled = runs.profile_training_data(task, spec, training, scoring, None)
    ids = runs.RunIds(task.name, "bench-train", LATEST, "bench-train")
    runs.monitor_train_run(task, ids, profiled, _scores(scoring))
    return (time.perf_counter() - start, time.process_time() - cpu), profiled


def _scores(scoring: pl.DataFrame) -> pl.DataFrame:
    probability = np.random.default_rng(1).beta(1, 20, scoring.height)
    return scoring.select("client_id", "as_of_date").with_columns(probability=pl.Series(probability))


def time_rescore(
    scoring: pl.DataFrame, spec: FeatureSpec, trained: runs.TrainProfiles
) -> tuple[float, float]:
    """Wall and CPU seconds of a rescore's profiles and drift, its rows read batch by batch into an on-disk
    DuckDB held to a rescore's memory limit, on the edges of the train run's reference."""
    task = TASKS["purchase_90d"]
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "run.duckdb"))
        con.execute(f"set memory_limit = '{runs.PROFILE_MEMORY_LIMIT}'")  # as RescoreMonitor sets it
        con.execute(f"set temp_directory = '{folder}/spill'")
        start, cpu = time.perf_counter(), time.process_time()
        share = min(1.0, task.monitoring.sample_rows / scoring.height)
        features = Staged(con, spec, {LATEST: share})
        score = Staged(con, runs.SCORE_SPEC, {LATEST: share})
        for offset in range(0, scoring.height, BATCH_ROWS):
            con.register("batch", scoring.slice(offset, BATCH_ROWS).to_arrow())
            features.add("batch")
            con.unregister("batch")
        con.register("scores", _scores(scoring).to_arrow())
        score.add("scores")
        edges = trained.reference.edges | {"probability": [0.01 * i for i in range(1, 10)]}
        scored = pl.concat([profiles.profile(features, edges), profiles.profile(score, edges)])
        drift.compare(con, scored, trained.reference.pooled, task.monitoring, trained.reference.cutoffs)
        seconds = (time.perf_counter() - start, time.process_time() - cpu)
        con.close()
    return seconds


def run_durations(warehouse: Path) -> dict:
    """The seconds the latest purchase train run and rescore spent on profiles and drift ('monitor')."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select run_kind, durations, n_scored from scoring.model_runs where task = 'purchase_90d' "
            "order by created_at desc"
        ).fetchall()
    found: dict = {}
    for kind, durations, clients in rows:
        if kind not in found:
            found[kind] = {"monitor_seconds": json.loads(durations).get("monitor"), "clients": clients}
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.monitor", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="mode", required=True)
    synthetic = sub.add_parser("synthetic")
    synthetic.add_argument("--clients", type=int, required=True)
    synthetic.add_argument("--features", type=int, default=246)
    synthetic.add_argument("--cutoffs", type=int, default=5)
    synthetic.add_argument("--training-rows", type=int, default=TASKS["purchase_90d"].max_training_rows)
    synthetic.add_argument("--out", type=Path, help="Also write the JSON line to this file.")
    real = sub.add_parser("runs")
    real.add_argument("warehouse", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "runs":
        print(json.dumps(run_durations(args.warehouse)))
        return
    training, scoring = synthetic_frames(args.clients, args.features, args.cutoffs, args.training_rows)
    spec = _spec(scoring)
    result = {"clients": args.clients, "training_rows": training.height, "features": len(spec.columns)}
    (result["train_seconds"], result["train_cpu_seconds"]), trained = time_train(training, scoring, spec)
    result["rescore_seconds"], result["rescore_cpu_seconds"] = time_rescore(scoring, spec, trained)
    result = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
