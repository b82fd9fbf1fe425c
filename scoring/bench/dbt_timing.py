"""How long dbt spent in the feature models of a build, from its own artifacts (dbt's start-up aside).

The feature models are `apparel_features` and every model upstream of it (staging, intermediate, the
families); labels, the training set and the tests are not counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FEATURE_MART = "apparel_features"


@dataclass(frozen=True)
class ModelTiming:
    """Summed execution seconds of some models and their number. dbt runs two nodes at a time, so the sum can
    exceed the wall time they took; it is the conservative figure."""

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
    """Summed execution time of the `models` in a run_results.json."""
    results = [r for r in run_results["results"] if r["unique_id"] in models]
    missing = models - {r["unique_id"] for r in results}
    if missing:
        raise ValueError(f"run_results.json has no result for {', '.join(sorted(missing))}")
    return ModelTiming(sum(r["execution_time"] for r in results), len(results))


def feature_model_timing(target_path: Path) -> ModelTiming:
    """The feature models' timing of the last build whose artifacts are in `target_path`."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    run_results = json.loads((target_path / "run_results.json").read_text())
    return model_timing(run_results, upstream_models(manifest))
