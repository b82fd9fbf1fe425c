"""How long dbt spent in the feature models of a run, from its own artifacts (dbt's start-up aside).

The feature models are `apparel_features` and every model upstream of it (staging, intermediate, the
families); labels, the training set and the tests are not counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FEATURE_MART = "apparel_features"


@dataclass(frozen=True)
class ModelTiming:
    """How long some models took: `wall_seconds` from the first one's start to the last one's end (what a user
    waits for, comparable with a process's wall time) and `seconds`, their execution times summed (dbt runs
    two nodes at a time, so the sum exceeds the wall time when models overlap), and their number."""

    wall_seconds: float
    seconds: float
    models: int


def upstream_models(manifest: dict, name: str = FEATURE_MART) -> set[str]:
    """The unique ids of the model called `name` and of every model it depends on."""
    ids = [
        key for key, node in manifest["nodes"].items() if key.startswith("model.") and node["name"] == name
    ]
    if not ids:
        raise ValueError(f"manifest has no model named {name!r}")
    found: set[str] = set()
    stack = ids
    while stack:
        node = stack.pop()
        if node.startswith("model.") and node not in found:
            found.add(node)
            stack.extend(manifest["parent_map"].get(node, []))
    return found


def model_timing(run_results: dict, models: set[str]) -> ModelTiming:
    """The wall span and the summed execution time of the `models` in a run_results.json.

    The span runs from the earliest start to the latest end of the models' compile and execute steps.
    """
    results = [r for r in run_results["results"] if r["unique_id"] in models]
    missing = models - {r["unique_id"] for r in results}
    if missing:
        raise ValueError(f"run_results.json has no result for {', '.join(sorted(missing))}")
    steps = [
        step for r in results for step in r["timing"] if step.get("started_at") and step.get("completed_at")
    ]
    if not steps:
        raise ValueError("run_results.json has no start and end times for the feature models")
    start = min(datetime.fromisoformat(step["started_at"].replace("Z", "+00:00")) for step in steps)
    end = max(datetime.fromisoformat(step["completed_at"].replace("Z", "+00:00")) for step in steps)
    return ModelTiming((end - start).total_seconds(), sum(r["execution_time"] for r in results), len(results))


def feature_model_timing(target_path: Path) -> ModelTiming:
    """The feature models' timing of the last dbt run whose artifacts are in `target_path`."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    run_results = json.loads((target_path / "run_results.json").read_text())
    return model_timing(run_results, upstream_models(manifest))
