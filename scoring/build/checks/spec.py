"""What a raw file must look like, declared per file: columns in file order, each with a type and limits.

Pure declarations and the SQL they compile to; scoring.build.checks.scan runs that SQL over the files. A type
turns into rules: one SQL predicate each over the raw text of a column (every value arrives as text, as the
dbt staging layer reads it), true where a row breaks it, with the sentence a user reads and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


def quote(name: str) -> str:
    """A column name as a SQL identifier (headers may hold spaces or Cyrillic)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _not_whole(col: str) -> str:
    # try_cast alone accepts "1.5" (rounds it) and "1.515915625468e+18" (loses digits): reject those marks
    marks = " or ".join(f"contains({col}, '{mark}')" for mark in ".eE")
    return f"(try_cast({col} as bigint) is null or {marks})"


@dataclass(frozen=True)
class Rule:
    """One thing a value must satisfy.

    `bad` is SQL, true on a row that breaks the rule; it counts and locates the offending rows once a file
    failed. `signal` is an aggregate that is non-zero exactly when some row is bad, cheaper than counting
    them (e.g. a min and a max for a range); the scan of a file that passes computes only the signals.
    """

    column: str
    bad: str
    problem: str  # completes "N values ...", e.g. "are not whole numbers"
    fix: str
    signal: str = ""  # default: count(*) filter (where bad)

    @property
    def signal_sql(self) -> str:
        return self.signal or f"count(*) filter (where {self.bad})"


def _range_signal(parsed: str, low: str, high: str) -> str:
    return f"coalesce(min({parsed}) < {low} or max({parsed}) > {high}, false)::int"


@dataclass(frozen=True)
class Id:
    """A whole-number id written in full: digits only, at most `max_digits`.

    An id that went through a float ("1515915625468060902.0", "1.515915625468e+18") has lost its last digits:
    staging's cast would silently turn it into another client's id, so it is rejected here.
    """

    max_digits: int = 19

    def rules(self, column: str, today: date) -> list[Rule]:
        col = quote(column)
        return [
            Rule(
                column,
                f"({_not_whole(col)} or strlen({col}) > {self.max_digits} or starts_with({col}, '-'))",
                f"are not ids (whole numbers of at most {self.max_digits} digits)",
                "write ids as integers in full (no decimals, exponents, spaces or signs); an id that went "
                "through a float (1.515915625468e+18, 1515915625468060902.0) has lost its last digits, so "
                f"export it as text or int64 (pandas: read it with dtype={{'{column}': str}})",
            )
        ]


@dataclass(frozen=True)
class Integer:
    """A whole number within [minimum, maximum]."""

    minimum: int = 0
    maximum: int = 2**31 - 1
    unit: str = ""  # what the number counts, for the message

    def rules(self, column: str, today: date) -> list[Rule]:
        col = quote(column)
        return [
            Rule(
                column,
                _not_whole(col),
                "are not whole numbers",
                "write whole numbers without decimals, exponents or thousands separators",
            ),
            Rule(
                column,
                f"try_cast({col} as bigint) not between {self.minimum} and {self.maximum}",
                f"are outside {self.minimum}..{self.maximum}{' ' + self.unit if self.unit else ''}",
                "fix or remove those rows: the value is negative or too large to be real",
                _range_signal(f"try_cast({col} as bigint)", str(self.minimum), str(self.maximum)),
            ),
        ]


@dataclass(frozen=True)
class Decimal:
    """A decimal number within [minimum, maximum], with `.` or `,` as its decimal mark."""

    minimum: float = 0.0
    maximum: float = 1e12
    decimal_mark: str = "."
    unit: str = ""

    def _parsed(self, col: str) -> str:
        text = col if self.decimal_mark == "." else f"replace({col}, {literal(self.decimal_mark)}, '.')"
        return f"try_cast({text} as double)"

    def rules(self, column: str, today: date) -> list[Rule]:
        col = quote(column)
        parsed = self._parsed(col)
        other_mark = "," if self.decimal_mark == "." else "."
        return [
            Rule(
                column,
                f"({parsed} is null or not isfinite({parsed}) or contains({col}, {literal(other_mark)}))",
                f"are not numbers with {self.decimal_mark!r} as the decimal mark",
                f"write plain numbers like 1999{self.decimal_mark}5, without thousands separators",
            ),
            Rule(
                column,
                f"{parsed} not between {self.minimum} and {self.maximum}",
                f"are outside {self.minimum:g}..{self.maximum:g}{' ' + self.unit if self.unit else ''}",
                "fix or remove those rows: the value is negative or too large to be real",
                _range_signal(parsed, str(self.minimum), str(self.maximum)),
            ),
        ]


@dataclass(frozen=True)
class Date:
    """A YYYY-MM-DD day between `minimum` and today (a later day is a clock or format error)."""

    minimum: date = date(2000, 1, 1)

    def rules(self, column: str, today: date) -> list[Rule]:
        col = quote(column)
        low, high = f"date {literal(self.minimum.isoformat())}", f"date {literal(today.isoformat())}"
        return [
            Rule(
                column,
                f"(strlen({col}) <> 10 or try_cast({col} as date) is null)",
                "are not dates written YYYY-MM-DD",
                "write dates as YYYY-MM-DD, e.g. 2024-02-16",
            ),
            Rule(
                column,
                f"try_cast({col} as date) not between {low} and {high}",
                f"are before {self.minimum} or after today ({today})",
                "check the export's date column and the clock of the system that wrote it",
                _range_signal(f"try_cast({col} as date)", low, high),
            ),
        ]


@dataclass(frozen=True)
class Timestamp:
    """A YYYY-MM-DD HH:MM:SS time."""

    def rules(self, column: str, today: date) -> list[Rule]:
        col = quote(column)
        return [
            Rule(
                column,
                # one format only: staging deduplicates on the text of the time (stg_apparel__messages)
                f"(strlen({col}) <> 19 or substring({col}, 11, 1) <> ' ' "
                f"or try_cast({col} as timestamp) is null)",
                "are not times written YYYY-MM-DD HH:MM:SS",
                "write times as YYYY-MM-DD HH:MM:SS, e.g. 2024-02-16 13:05:00",
            )
        ]


@dataclass(frozen=True)
class OneOf:
    """One of a closed list of values (case-sensitive).

    An unknown value is an error, not a warning: the feature models count events and channels by name, so a
    renamed or new value would silently drop out of every feature that counts it.
    """

    values: tuple[str, ...]

    def rules(self, column: str, today: date) -> list[Rule]:
        listed = ", ".join(literal(v) for v in self.values)
        return [
            Rule(
                column,
                f"{quote(column)} not in ({listed})",
                f"are not one of {', '.join(self.values)}",
                "map them to a known value, or, for a genuinely new value, add it to the file's spec in "
                "scoring/build/checks/ and to the dbt models that count it",
            )
        ]


@dataclass(frozen=True)
class Like:
    """Text that matches a SQL LIKE pattern."""

    pattern: str
    shape: str  # the pattern in words, e.g. "a list like ['4', '28']"

    def rules(self, column: str, today: date) -> list[Rule]:
        return [
            Rule(
                column,
                f"{quote(column)} not like {literal(self.pattern)}",
                f"are not {self.shape}",
                f"write them as {self.shape}",
            )
        ]


@dataclass(frozen=True)
class Pattern:
    """Text that matches a regular expression from its first character to its last."""

    regex: str
    shape: str  # the pattern in words, e.g. "message ids of the form client-campaign-hash"

    def rules(self, column: str, today: date) -> list[Rule]:
        return [
            Rule(
                column,
                f"not regexp_full_match({quote(column)}, {literal(self.regex)})",
                f"are not {self.shape}",
                f"write them as {self.shape}",
            )
        ]


@dataclass(frozen=True)
class Text:
    """Any text: only its presence is checked."""

    def rules(self, column: str, today: date) -> list[Rule]:
        return []


ColumnType = Id | Integer | Decimal | Date | Timestamp | OneOf | Like | Pattern | Text


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False  # may the value be empty?


@dataclass(frozen=True)
class FileSpec:
    """One raw file: its columns in file order (the dbt reader maps them by position), format and keys."""

    stem: str
    columns: tuple[Column, ...]
    delimiter: str = ","
    unique: tuple[str, ...] = ()  # columns whose combination may appear on one row only

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def rules(self, today: date) -> list[Rule]:
        """Every rule, in column order; empty values only break non-nullable columns."""
        rules: list[Rule] = []
        for column in self.columns:
            col = quote(column.name)
            if not column.nullable:
                rules.append(
                    Rule(
                        column.name,
                        f"{col} is null",
                        "are empty",
                        "fill in the value",
                        f"count(*) - count({col})",
                    )
                )
            rules += [
                replace(r, bad=f"({col} is not null and {r.bad})")
                for r in column.type.rules(column.name, today)
            ]
        return rules
