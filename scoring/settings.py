"""One typed settings object, built once at the command-line edge and passed down."""

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scoring.errors import ConfigError


def _parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a date: use YYYY-MM-DD, e.g. {name}=2024-02-16") from None


def _parse_int(value: str | None, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number, e.g. {name}=42") from None


def _parse_flag(value: str | None, name: str) -> bool | None:
    if not value:
        return None
    if value.lower() in {"1", "true", "yes"}:
        return True
    if value.lower() in {"0", "false", "no"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes or no: use {name}=1 (or 0)")


@dataclass(frozen=True)
class Settings:
    """Where the data and the warehouse are, the scoring date and the dbt target."""

    data_dir: Path = Path("data/raw")
    warehouse: Path = Path("data/warehouse.duckdb")
    # Target spark: the Parquet tables (and their Derby metastore) Spark builds, and the scoring job reads.
    spark_warehouse: Path = Path("data/spark-warehouse")
    as_of: date | None = None  # None: the last day of the data
    target: str = "duckdb"
    seed: int = 42
    project_dir: Path = Path("dbt_project")
    reports_dir: Path = Path("data/reports")
    models_dir: Path = Path("data/models")
    campaigns_dir: Path = Path("data/campaigns")  # the CRM's files: each campaign's treatment group
    # DuckDB's memory limit for a build (e.g. "8GB"); None: it follows the size of the raw files
    duckdb_memory_limit: str | None = None
    # For the robustness tests: the named stage (scoring.stages) at which a run stops itself (SIGSTOP)
    stop_at: str | None = None
    # A stale or collapsed raw source (scoring.data_health) fails the build instead of warning
    fail_on_health: bool = False

    @property
    def on_spark(self) -> bool:
        """Whether the dbt target is a Spark one: `spark` (local) or a cluster output named `spark_<name>`."""
        return self.target == "spark" or self.target.startswith("spark_")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from DATA_DIR, WAREHOUSE, SPARK_WAREHOUSE, AS_OF, TARGET, SEED, DUCKDB_MEMORY_LIMIT,
        FAIL_ON_HEALTH and SCORING_STOP_AT, then overrides: the only place the library reads the environment
        (dbt's profiles.yml reads the values the dbt runner sets for it)."""
        env = os.environ if environ is None else environ
        base = cls()
        values = {
            "data_dir": Path(env["DATA_DIR"]) if env.get("DATA_DIR") else base.data_dir,
            "warehouse": Path(env["WAREHOUSE"]) if env.get("WAREHOUSE") else base.warehouse,
            "spark_warehouse": (
                Path(env["SPARK_WAREHOUSE"]) if env.get("SPARK_WAREHOUSE") else base.spark_warehouse
            ),
            "as_of": _parse_date(env.get("AS_OF"), "AS_OF"),
            "target": env.get("TARGET") or base.target,
            "seed": _parse_int(env.get("SEED"), "SEED"),
            "duckdb_memory_limit": env.get("DUCKDB_MEMORY_LIMIT") or None,
            "stop_at": env.get("SCORING_STOP_AT") or None,
            "fail_on_health": _parse_flag(env.get("FAIL_ON_HEALTH"), "FAIL_ON_HEALTH"),
        }
        values = {k: v for k, v in values.items() if v is not None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)
