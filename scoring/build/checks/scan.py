"""Run a file's checks: its header in Python, its values in one DuckDB scan, a second scan only on failure.

The first scan counts the rows that break each rule (aggregates only, so it streams at about the speed of
reading the file). Only when a count is non-zero does a second scan number the rows to find the first
offending line and an example value. Line numbers are 1-based as an editor shows them: the header is line 1.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from scoring.build.checks.spec import FileSpec, Rule, literal, quote

HEAD_BYTES = 1 << 16  # enough for any header line
MAX_REJECTS = 100  # unreadable lines stored per file; more only raise the count's "or more"
OTHER_SEPARATORS = (";", "\t", "|", ",")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where, what and what to do."""

    file: str  # task/file name
    what: str
    fix: str
    line: int | None = None
    column: str | None = None
    unit: str = "line"  # "row" in Parquet files, which have no lines

    def __str__(self) -> str:
        where = "".join(
            [
                f", {self.unit} {self.line:,}" if self.line else "",
                f", column {self.column}" if self.column else "",
            ]
        )
        return f"{self.file}{where}: {self.what}. Fix: {self.fix}."


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _first_line(path: Path, file_format: str) -> bytes:
    opener = gzip.open if file_format == "csv.gz" else open
    with opener(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    return head.split(b"\n", 1)[0].rstrip(b"\r")


def header_problems(spec: FileSpec, path: Path, file_format: str) -> list[Problem]:
    """The header line must name the spec's columns in order, split by the spec's separator, in UTF-8."""
    label = _label(path)
    try:
        raw_header = _first_line(path, file_format)
    except OSError as error:  # e.g. a .csv.gz that is not gzip
        return [Problem(label, f"cannot be read as {file_format} ({error})", "export the file again", 1)]
    if not raw_header and path.stat().st_size == 0:
        return [Problem(label, "is empty (0 bytes)", "export the file again; it must start with a header", 1)]
    try:
        header = raw_header.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        return [Problem(label, "is not UTF-8 text", "save the file as UTF-8 (CSV, UTF-8)", 1)]
    fields = [f.strip().strip('"') for f in header.split(spec.delimiter)]
    if fields == list(spec.names):
        return []
    for other in OTHER_SEPARATORS:
        if other != spec.delimiter and [f.strip().strip('"') for f in header.split(other)] == list(
            spec.names
        ):
            return [
                Problem(
                    label, f"is separated by {other!r}, not {spec.delimiter!r}",
                    f"save it with {spec.delimiter!r} as the separator", 1,
                )
            ]  # fmt: skip
    expected = ", ".join(spec.names)
    missing = [n for n in spec.names if n not in fields]
    extra = [f for f in fields if f not in spec.names]
    if fields and fields[0][:1].isdigit():
        what = "has no header line (line 1 holds values)"
    elif missing or extra:
        what = "; ".join(
            [f"lacks the columns {', '.join(missing)}"] * bool(missing)
            + [f"has unexpected columns {', '.join(extra)}"] * bool(extra)
        )
    else:
        what = f"has its columns in the order {', '.join(fields)}"
    return [Problem(label, what, f"line 1 must be exactly: {expected} (in this order)", 1)]


def parquet_problems(spec: FileSpec, path: Path) -> list[Problem]:
    try:
        with duckdb.connect() as con:
            names = [
                r[0]
                for r in con.execute(f"describe select * from read_parquet({literal(str(path))})").fetchall()
            ]
    except duckdb.Error as error:
        return [Problem(_label(path), f"is not a readable Parquet file ({error})", "export the file again")]
    missing = [n for n in spec.names if n not in names]
    if missing:
        return [
            Problem(_label(path), f"lacks the columns {', '.join(missing)}", "add them, named exactly so")
        ]
    return []


def source_sql(spec: FileSpec, path: Path, file_format: str, store_rejects: bool = True) -> str:
    """The file as text columns, read like dbt's staging reads it (macros/cross_db/read_raw_file.sql); a
    CSV's unreadable lines are kept aside for the report (`store_rejects`) or stop the read."""
    if file_format == "parquet":
        columns = ", ".join(f"cast({quote(n)} as varchar) as {quote(n)}" for n in spec.names)
        reader = f"read_parquet({literal(str(path))}, file_row_number = true)"
        return f"(select {columns}, file_row_number from {reader})"
    columns = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in spec.names)
    compression = "gzip" if file_format == "csv.gz" else "none"
    return (
        f"read_csv({literal(str(path))}, header = true, auto_detect = false, "
        f"delim = {literal(spec.delimiter)}, quote = '\"', escape = '\"', compression = '{compression}', "
        f"columns = {{{columns}}}"
        + (f", store_rejects = true, rejects_limit = {MAX_REJECTS})" if store_rejects else ")")
    )


def _numbered(source: str, file_format: str) -> str:
    # Parquet knows its row numbers; a CSV read in order numbers its rows after the header line.
    if file_format == "parquet":
        return f"(select file_row_number + 1 as line, * from {source})"
    return f"(select row_number() over () + 1 as line, * from {source})"


def _keys_present(spec: FileSpec) -> str:
    # an empty key is reported as empty, not as a repeat
    return " and ".join(f"{quote(k)} is not null" for k in spec.unique)


def _unique_sql(spec: FileSpec) -> str:
    keys = ", ".join(quote(k) for k in spec.unique)
    key = quote(spec.unique[0]) if len(spec.unique) == 1 else f"({keys})"
    present = _keys_present(spec)
    return f"count(*) filter (where {present}) - count(distinct {key}) filter (where {present})"


def _reject_problems(con: duckdb.DuckDBPyConnection, label: str) -> list[Problem]:
    try:
        count, first = con.execute("select count(*), min(line) from reject_errors").fetchall()[0]
    except duckdb.CatalogException:  # the table only exists once a line was rejected
        return []
    if not count:
        return []
    error_type, message = con.execute(
        "select error_type, error_message from reject_errors order by line limit 1"
    ).fetchall()[0]
    more = " or more" if count >= MAX_REJECTS else ""
    if "ENCODING" in str(error_type) or "UNICODE" in str(error_type):
        what, fix = "is not UTF-8 text", "save the file as UTF-8 (CSV, UTF-8)"
    elif "COLUMNS" in str(error_type):
        what = "has lines with a different number of fields than the header"
        fix = "check the separator and quote values that contain it"
    else:
        what, fix = f"has lines that cannot be read ({message.split('.')[0]})", "fix those lines"
    return [Problem(label, f"{what} ({count:,}{more} such lines, this is the first)", fix, int(first))]


def _rule_problems(con, source, file_format, label, failed: list[Rule]) -> list[Problem]:
    """Count the offending rows of each failed rule and find the first, with its value, in one more scan."""
    parts = []
    for rule in failed:
        parts += [
            f"count(*) filter (where {rule.bad})",
            f"min(line) filter (where {rule.bad})",
            f"arg_min({quote(rule.column)}, line) filter (where {rule.bad})",
        ]
    located = con.execute(f"select {', '.join(parts)} from {_numbered(source, file_format)}").fetchall()[0]
    unit = "row" if file_format == "parquet" else "line"
    problems = []
    for i, rule in enumerate(failed):
        count, line, example = located[3 * i : 3 * i + 3]
        shown = f", e.g. {example!r}" if example is not None else ""
        problems.append(
            Problem(label, f"{count:,} values {rule.problem}{shown}", rule.fix, line, rule.column, unit)
        )
    return problems


def _duplicate_problem(con, spec, source, file_format, label, count: int) -> Problem:
    keys = ", ".join(quote(k) for k in spec.unique)
    numbered = _numbered(source, file_format)
    key, lines = con.execute(
        f"select ({keys})::varchar, list(line order by line)[1:2] from {numbered} "
        f"where {_keys_present(spec)} group by {keys} having count(*) > 1 order by min(line) limit 1"
    ).fetchall()[0]
    unit = "row" if file_format == "parquet" else "line"
    return Problem(
        label,
        f"{count:,} rows repeat a key ({', '.join(spec.unique)}) that must be unique, e.g. {key} "
        f"also on {unit} {lines[0]:,}",
        f"keep one row per {', '.join(spec.unique)}",
        lines[1],
        ", ".join(spec.unique),
        unit,
    )


def scan_problems(spec: FileSpec, path: Path, file_format: str, today: date) -> list[Problem]:
    """The rows of one file that break its spec: one scan, and a second to locate them when some do."""
    label, source, rules = _label(path), source_sql(spec, path, file_format), spec.rules(today)
    counts_sql = ["count(*)"] + [r.signal_sql for r in rules]
    if spec.unique:
        counts_sql.append(_unique_sql(spec))
    with duckdb.connect(config={"threads": 2, "memory_limit": "1GB"}) as con:
        try:  # fetchall: DuckDB fills the reject tables only once a query's result is fully read
            counts = con.execute(f"select {', '.join(counts_sql)} from {source}").fetchall()[0]
        except duckdb.Error as error:
            return [Problem(label, f"cannot be read ({str(error).splitlines()[0]})", "export the file again")]
        rejects = [] if file_format == "parquet" else _reject_problems(con, label)
        if rejects:  # unreadable lines shift row numbers: fix those first
            return rejects
        if counts[0] == 0:
            return [Problem(label, "has a header but no data rows", "export the file again with its rows", 2)]
        failed = [rule for rule, signal in zip(rules, counts[1 : 1 + len(rules)], strict=True) if signal]
        problems = _rule_problems(con, source, file_format, label, failed) if failed else []
        if spec.unique and counts[-1]:
            problems.append(_duplicate_problem(con, spec, source, file_format, label, counts[-1]))
    return problems
