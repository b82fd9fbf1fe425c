"""Split an apparel folder by day, as daily deliveries would: the history up to a day, then one folder per
later day (days/YYYY-MM-DD/, the layout `scoring refresh` reads). Used by the refresh benchmark and test."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

DAILY_FILES = ("apparel-messages.csv", "apparel-purchases.csv")


def _copy_rows(source: Path, target: Path, condition: str) -> None:
    """The rows of a raw CSV that meet `condition` (on its text columns), header and text kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(
        f"copy (select * from read_csv('{source}', all_varchar = true, header = true) where {condition}) "
        f"to '{target}' (header, quote '\"')"
    )


def split_by_day(source: Path, target: Path, history_until: date, days: list[date]) -> Path:
    """Write `target`/apparel: the source's files with rows up to `history_until`, and a days/<day>/ folder
    for each of `days` with that day's messages and purchases. The other files are copied as they are.
    Returns `target`/apparel."""
    apparel = target / "apparel"
    apparel.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and path.name not in DAILY_FILES:
            shutil.copy(path, apparel / path.name)
    for name in DAILY_FILES:
        _copy_rows(source / name, apparel / name, f"date <= '{history_until}'")
    for day in days:
        add_day(source, apparel, day)
    return apparel


def add_day(source: Path, apparel: Path, day: date) -> Path:
    """Deliver one day: its messages and purchases from `source` into `apparel`/days/<day>/."""
    folder = apparel / "days" / day.isoformat()
    for name in DAILY_FILES:
        _copy_rows(source / name, folder / name, f"date = '{day}'")
    return folder


def last_message_day(source: Path) -> date:
    """The last day of the messages file: the last day with both messages and purchases."""
    (day,) = duckdb.sql(
        f"select max(date) from read_csv('{source / DAILY_FILES[0]}', all_varchar = true, header = true)"
    ).fetchall()[0]
    return date.fromisoformat(day)
