"""Check each raw CSV's header against its declared source before dbt reads it.

dbt reads raw CSVs by position with every column as text (macros/cross_db/read_raw_file.sql), so a file
with another separator, missing or reordered columns would otherwise load as nonsense or fail deep inside
a model. The expected headers come from the dbt sources (`models/staging/<task>/_<task>__sources.yml`:
columns in file order, meta `file_stem` and `delimiter`), the one place they are declared.
"""

import gzip
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class DeclaredFile:
    """A raw file as its dbt source declares it."""

    columns: tuple[str, ...]
    delimiter: str


class RawFileError(ValueError):
    """A raw file does not have the layout its source declares."""


def declared_files(project_dir: Path) -> dict[str, dict[str, DeclaredFile]]:
    """{source name: {file stem: declared layout}} from every `_*__sources.yml` under models/staging."""
    out: dict[str, dict[str, DeclaredFile]] = {}
    for path in sorted((project_dir / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []):
            for table in source.get("tables", []):
                meta = table.get("config", {}).get("meta", {}) or table.get("meta", {})
                stem = meta.get("file_stem", table["name"])
                columns = tuple(c["name"] for c in table.get("columns", []))
                out.setdefault(source["name"], {})[stem] = DeclaredFile(columns, meta.get("delimiter", ","))
    return out


def _first_line(path: Path) -> str:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        try:
            line = f.readline()
        except UnicodeDecodeError as error:
            raise RawFileError(
                f"{path}: line 1 is not UTF-8 ({error.reason} at byte {error.start}). Save the file as "
                "UTF-8, as published."
            ) from None
    return line.rstrip("\r\n").removeprefix("\ufeff")


def check_header(path: Path, declared: DeclaredFile) -> None:
    """Raise RawFileError naming the file, line 1 and the columns when the header is not the declared one."""
    line = _first_line(path)
    found = tuple(name.strip().strip('"') for name in line.split(declared.delimiter))
    if found == declared.columns:
        return
    expected = declared.delimiter.join(declared.columns)
    if len(found) == 1 and len(declared.columns) > 1:
        other = next((d for d in (";", ",", "\t") if d != declared.delimiter and d in line), None)
        hint = f" The line is split by {other!r}, not {declared.delimiter!r}." if other else ""
        raise RawFileError(
            f"{path}: line 1 (the header) is {line!r}, expected {expected!r}: columns separated by "
            f"{declared.delimiter!r}.{hint} Use the file as published (do not re-save it with another "
            "separator), or re-export it with that separator."
        )
    missing = [c for c in declared.columns if c not in found]
    unexpected = [c for c in found if c not in declared.columns]
    detail = (
        f"missing column(s) {missing}" + (f", unexpected {unexpected}" if unexpected else "")
        if missing or unexpected
        else "the columns are in another order"
    )
    raise RawFileError(
        f"{path}: line 1 (the header) is {line!r}, expected {expected!r} ({detail}). The columns are read "
        "by position: give the file its published header and column order."
    )


def check_task_files(tasks: Mapping[str, Mapping[str, object]], project_dir: Path) -> None:
    """Check the header of every CSV found (RawFile objects by task and stem); parquet is read by name."""
    declared = declared_files(project_dir)
    for task, files in tasks.items():
        for stem, raw in files.items():
            layout = declared.get(task, {}).get(stem)
            if layout is not None and raw.format in ("csv", "csv.gz"):
                check_header(raw.path, layout)
