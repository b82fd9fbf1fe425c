"""Shared fixtures: small generated data sets and the real files when ../shared/data is present."""

import os
from pathlib import Path

# As the CLI does (scoring.cli.idle_threads_sleep), before any test imports XGBoost or scikit-learn.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from scoring.generate.apparel_write import generate_apparel

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real files; tests that need them skip where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def apparel_tiny(tmp_path_factory) -> Path:
    """About 1,000 buyers: enough for formats and parsing."""
    out = tmp_path_factory.mktemp("apparel_tiny") / "apparel"
    generate_apparel(out, scale=0.02, seed=7)
    return out
