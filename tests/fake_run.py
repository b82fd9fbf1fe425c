"""A small run's scoring.* tables, as a scoring run writes them, for tests of the warehouse and exports."""

from collections.abc import Sequence
from datetime import date, datetime

import polars as pl

from scoring.store.warehouse import RunTables


def fake_run(
    run_id: str,
    task: str = "t",
    clients: Sequence[int] = (1, 2),
    features: Sequence[str] = ("a",),
    as_of: date = date(2024, 2, 16),
) -> RunTables:
    """One run that scored `clients` as of `as_of` (a repeated id makes a duplicate score), explained by
    `features[0]`."""
    ids = {"task": task, "model_run_id": run_id}
    n = len(clients)
    model_run = pl.DataFrame(
        [{**ids, "run_kind": "train", "source_model_run_id": None, "status": "succeeded",
          "created_at": datetime(2024, 1, 1), "as_of_date": as_of, "model_type": "xgboost",
          "parameters": "{}", "feature_list": list(features), "metrics": "{}", "data_fingerprint": "f",
          "artifact_path": "p", "durations": "{}", "seed": 1, "n_scored": n}],
        schema_overrides={"source_model_run_id": pl.String},
    )  # fmt: skip
    scores = pl.DataFrame(
        {"client_id": list(clients), "as_of_date": [as_of] * n,
         "probability": [round(0.1 * (n - i), 1) for i in range(n)], "rank": list(range(1, n + 1)),
         "decile": [1 + 10 * i // n for i in range(n)], "is_out_of_fold": [True] + [False] * (n - 1),
         "scored_at": [datetime(2024, 1, 1)] * n}
    ).with_columns(**{k: pl.lit(v) for k, v in ids.items()})  # fmt: skip
    explanations = pl.DataFrame(
        {"client_id": [clients[0]], "feature": [features[0]], "feature_value": ["3"], "shap_value": [0.5],
         "rank": [1]}
    ).with_columns(**{k: pl.lit(v) for k, v in ids.items()})  # fmt: skip
    importance = pl.DataFrame({"feature": [features[0]], "mean_abs_shap": [0.5], "rank": [1]}).with_columns(
        **{k: pl.lit(v) for k, v in ids.items()}
    )
    return RunTables(model_run, scores, explanations, importance)
