"""The dbt docs: generated from the project and the warehouse, served locally and saved as one HTML file."""

import shutil
import subprocess
import sys
from pathlib import Path

from scoring.build.dbt import DBT_PROJECT_DIR, run_dbt
from scoring.errors import FeatureBuildError
from scoring.settings import Settings
from scoring.store import atomic

STATIC_NAME = "dbt-docs.html"


def generate_docs(settings: Settings, target: Path = DBT_PROJECT_DIR / "target") -> Path:
    """Write the docs (catalog from the warehouse) and copy the single-file version to the reports folder.

    Holds the warehouse's run lock: dbt opens the warehouse for writing, which would stop a run's publish,
    and a run replacing the file meanwhile would leave a catalog of half one build, half the other."""
    with atomic.run_lock(settings.warehouse, "docs"):
        result = run_dbt(settings, ["docs", "generate", "--static", "--target-path", str(target)])
    if not result.success:
        raise FeatureBuildError("dbt docs generate failed; see the dbt log above")
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    out = settings.reports_dir / STATIC_NAME
    shutil.copyfile(target / "static_index.html", out)
    return out


def serve_docs(port: int = 8080) -> None:
    """Serve the generated docs on localhost until interrupted (Ctrl-C)."""
    target = DBT_PROJECT_DIR / "target"
    subprocess.run(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(target)],
        check=False,
    )
