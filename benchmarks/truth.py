"""Benchmark scoring runs on generated data against the generator's true probabilities.

An evaluation script, never imported by the job: only it reads `_truth/apparel-truth.csv`. For each run
result it prints, per protocol and on the same test clients, the realised ROC-AUC and the AUC expected over
labels drawn from the true probabilities, for the truth itself (the ceiling), the chosen model, the simple
baseline, a plain HistGradientBoosting on the same features and rows, and the model trained on the provided
target alone; then the mean and spread over the runs (e.g. several seeds).

    python -m benchmarks.truth --truth data/raw/apparel/_truth/apparel-truth.csv \\
        data/reports/purchase_90d/*/run_result.pkl
"""

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from scoring.model.candidates import tree_preprocessor
from scoring.model.metrics import evaluate, expected_roc_auc
from scoring.model.splits import client_split, out_of_time_split
from scoring.run.train import load_task_data, target_population_mask
from scoring.settings import Settings
from scoring.store.artifacts import load_run_result
from scoring.tasks import get_task


def true_probability(client_ids: np.ndarray, truth: pl.DataFrame) -> np.ndarray:
    """The truth file's probability for each client id (NaN where it has none)."""
    frame = pl.DataFrame({"client_id": client_ids})
    return frame.join(truth, on="client_id", how="left", maintain_order="left")["probability"].to_numpy()


def plain_hgb(data, split, seed: int) -> np.ndarray:
    """A default HistGradientBoostingClassifier on the split's training rows; its test probabilities."""
    prep = tree_preprocessor(data.spec).fit(data.rows.features[split.train])
    X_train = prep.transform(data.rows.features[split.train])
    varying = np.array([np.unique(c[~np.isnan(c)]).size > 1 for c in X_train.T])  # HGB rejects constants
    model = HistGradientBoostingClassifier(random_state=seed).fit(
        X_train[:, varying], data.rows.y[split.train]
    )
    return model.predict_proba(prep.transform(data.rows.features[split.test])[:, varying])[:, 1]


def _line(protocol: str, model: str, y, p, p_true, calibrated: bool) -> dict:
    return {
        "protocol": protocol,
        "model": model,
        "realised_auc": roc_auc_score(y, p),
        "expected_auc": expected_roc_auc(p, p_true),
        "ece": evaluate(y, p).ece if calibrated else float("nan"),
    }


def benchmark_run(result, truth: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One run's lines: every protocol's models beside the truth on the same test clients."""
    task = get_task(result.task)
    data = load_task_data(settings, task)
    population = target_population_mask(data.rows, task.columns.target_population)
    shares = (task.validation.test_share, task.validation.valid_share)
    splits = {
        "client_split": client_split(data.rows.keys, data.rows.y, population, *shares, result.seed),
        "out_of_time": out_of_time_split(data.rows.keys, population),
    }
    lines = []
    for name, protocol in result.protocols.items():
        split = splits[name]
        if not np.array_equal(data.rows.keys["client_id"].to_numpy()[split.test], protocol.test_client_ids):
            raise ValueError(
                f"{name}: the warehouse no longer holds the run's test clients; rerun the job first"
            )
        y, p_true = protocol.test_labels, true_probability(protocol.test_client_ids, truth)
        lines.append(_line(name, "truth (ceiling)", y, p_true, p_true, True))
        for candidate in protocol.candidates:
            label = f"{candidate.name} (chosen)" if candidate.name == protocol.chosen else candidate.name
            lines.append(_line(name, label, y, candidate.test_probability, p_true, True))
        lines.append(
            _line(name, "plain HistGradientBoosting", y, plain_hgb(data, split, result.seed), p_true, False)
        )
        if name == "client_split" and result.test_probability is not None:
            lines.append(
                _line(name, f"deployed {result.model_type}", y, result.test_probability, p_true, True)
            )
    return pl.DataFrame(lines).with_columns(run=pl.lit(result.model_run_id), seed=pl.lit(result.seed))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--truth", type=Path, required=True, help="the generator's _truth/apparel-truth.csv")
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="default: $WAREHOUSE or data/warehouse.duckdb"
    )
    parser.add_argument("runs", type=Path, nargs="+", help="run_result.pkl files of runs on that warehouse")
    args = parser.parse_args(argv)
    settings = Settings.from_env(warehouse=args.warehouse)
    truth = pl.read_csv(args.truth, schema_overrides={"client_id": pl.Int64})
    lines = pl.concat([benchmark_run(load_run_result(path), truth, settings) for path in args.runs])
    summary = lines.group_by("protocol", "model", maintain_order=True).agg(
        pl.len().alias("runs"),
        *(pl.col(c).mean().alias(c) for c in ("realised_auc", "expected_auc", "ece")),
        pl.col("realised_auc").std().alias("realised_sd"),
        pl.col("expected_auc").std().alias("expected_sd"),
    )
    with pl.Config(tbl_rows=100, tbl_cols=20, float_precision=4, tbl_width_chars=200):
        print(lines.select("seed", "protocol", "model", "realised_auc", "expected_auc", "ece"))
        print(summary)


if __name__ == "__main__":
    main()
