"""A digest of every `scoring.*` table of a warehouse, to check that a change kept the job's output
byte-identical: `python -m benchmarks.digest data/warehouse.duckdb` prints one line per table (rows, digest).

What differs between two runs of the same data and seed by design is left out: timestamps (created_at,
scored_at, ...), the seconds per stage (durations) and the artifact's path; run ids carry the wall clock and a
random suffix, so each is replaced, wherever it appears in a value, by its task and its rank in created_at.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import duckdb
import polars as pl

LEFT_OUT = {"durations", "artifact_path"}


def _run_labels(con) -> dict[str, str]:
    runs = con.sql("select model_run_id, task from scoring.model_runs order by created_at, model_run_id").pl()
    seen: dict[str, int] = {}
    labels = {}
    for run_id, task in runs.iter_rows():
        seen[task] = seen.get(task, 0) + 1
        labels[run_id] = f"{task}#{seen[task]}"
    return labels


def _stable(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    kept = [
        c for c, dtype in frame.schema.items() if c not in LEFT_OUT and not isinstance(dtype, pl.Datetime)
    ]
    text = frame.select([_as_text(c, frame.schema[c]) for c in kept])
    for run_id, label in labels.items():
        text = text.with_columns(pl.col(pl.String).str.replace_all(run_id, label, literal=True))
    return text.sort(text.columns, nulls_last=True) if text.columns else text


def _as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, (pl.List, pl.Array)):
        return pl.col(column).cast(pl.List(pl.String)).list.join("|")
    return pl.col(column).cast(pl.String)


def digests(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Per base table of the scoring schema: (rows, the first 24 hex digits of the SHA-256 of its CSV)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.sql(
                "select table_name from duckdb_tables() where schema_name = 'scoring' order by table_name"
            ).fetchall()
        ]
        labels = _run_labels(con)
        found = {}
        for table in tables:
            frame = _stable(con.sql(f'select * from scoring."{table}"').pl(), labels)
            csv = frame.write_csv(float_precision=None)
            found[table] = (frame.height, hashlib.sha256(csv.encode()).hexdigest()[:24])
    return found


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m benchmarks.digest <warehouse.duckdb>")
    for table, (rows, digest) in digests(Path(argv[0])).items():
        print(f"{table:<28} {rows:>9,} {digest}")


if __name__ == "__main__":
    main(sys.argv[1:])
