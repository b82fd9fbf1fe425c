"""Files, and only files: a model saved in inspectable formats, the run result, the plots.

A model directory holds the XGBoost booster as UBJ (or a scikit-learn pipeline as skops), the feature
encoder as skops, the calibrator and the metadata (features, cutoff, data fingerprint, metrics) as JSON.
"""

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import skops.io as sio
import xgboost as xgb
from sklearn.pipeline import Pipeline

from scoring.model.calibration import calibrator_from_json
from scoring.model.candidates import BoostedTrees, xgboost_pipeline
from scoring.model.dataset import FeatureSpec

# Types the skops files may hold beyond what skops trusts by default.
_TRUSTED = [
    "numpy.arcsinh",
    "numpy.dtype",
    "scoring.model.candidates.BoostedTrees",
    "scoring.model.cv_spaces.MarginSVC",
]


@dataclass(frozen=True)
class ModelBundle:
    """A fitted model with everything needed to score new rows without training."""

    spec: FeatureSpec
    pipeline: Pipeline
    calibrator: object
    metadata: dict


def _load_skops(path: Path):
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in _TRUSTED]
    if untrusted:
        raise ValueError(f"{path} holds types this project does not trust: {untrusted}; re-train the model")
    return sio.load(path, trusted=_TRUSTED)


def save_model(directory: Path, bundle: ModelBundle) -> Path:
    """Write the bundle's files into `directory` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    model = bundle.pipeline[-1]
    if isinstance(model, BoostedTrees):
        model.booster_.save_model(directory / "model.ubj")
        sio.dump(bundle.pipeline[0], directory / "preprocessor.skops")
    else:
        sio.dump(bundle.pipeline, directory / "pipeline.skops")
    (directory / "calibrator.json").write_text(json.dumps(bundle.calibrator.to_json(), indent=2))
    spec = {"numeric": list(bundle.spec.numeric), "categorical": list(bundle.spec.categorical)}
    metadata = {**bundle.metadata, "features": spec}
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=2, default=str))
    return directory


def load_model(directory: Path) -> ModelBundle:
    """The bundle save_model wrote; an error names the missing file."""
    if not (directory / "metadata.json").exists():
        raise FileNotFoundError(
            f"No saved model in {directory} (metadata.json is missing): re-train with `scoring score`"
        )
    metadata = json.loads((directory / "metadata.json").read_text())
    spec = FeatureSpec(tuple(metadata["features"]["numeric"]), tuple(metadata["features"]["categorical"]))
    calibrator = calibrator_from_json(json.loads((directory / "calibrator.json").read_text()))
    if (directory / "model.ubj").exists():
        booster = xgb.Booster()
        booster.load_model(directory / "model.ubj")
        booster.set_param({"nthread": 2})
        model = BoostedTrees.from_booster(booster, len(spec.columns), **metadata["parameters"])
        pipeline = xgboost_pipeline(spec, model, _load_skops(directory / "preprocessor.skops"))
    else:
        pipeline = _load_skops(directory / "pipeline.skops")
    return ModelBundle(spec, pipeline, calibrator, metadata)


def save_run_result(directory: Path, result) -> Path:
    """Pickle the run result (everything the HTML report needs) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "run_result.pkl"
    path.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return path


def load_run_result(path: Path):
    """The run result a run pickled (only load files this project wrote)."""
    return pickle.loads(Path(path).read_bytes())


def save_figures(directory: Path, figures: dict) -> dict[str, Path]:
    """Save matplotlib figures as PNG files named after their keys, and close them."""
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, figure in figures.items():
        paths[name] = directory / f"shap_{name}.png"
        figure.savefig(paths[name], dpi=110, bbox_inches="tight")
        plt.close(figure)
    return paths
