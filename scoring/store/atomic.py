"""Atomic publishing of the warehouse: a run writes a private copy and renames it over the warehouse.

The warehouse file is only ever replaced whole (`os.replace`), never written in place, so:
- a run that fails or is killed (even with kill -9) leaves the previous warehouse as it was; its private
  folder (`.<warehouse name>.building/` beside the warehouse: the file under the warehouse's own name, so
  DuckDB gives it the same catalog name, with DuckDB's `.wal` and `.tmp` beside it) is removed by the next
  run;
- a reader with the warehouse open keeps the complete file it opened (the rename does not touch it) and sees
  the new one when it reconnects; it never sees half a build, and it never blocks a run;
- one run at a time: a run holds an exclusive lock on `<warehouse>.lock` for its whole duration; a second
  run stops at once with the first run's process id and command. The kernel drops the lock when a process
  dies, so a killed run leaves no lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from scoring import stages
from scoring.errors import WarehouseBusy

STORAGE_VERSION = "v1.5.0"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def lock_path(warehouse: Path) -> Path:
    return Path(f"{warehouse}.lock")


def building_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.parent / f".{warehouse.name}.building" / warehouse.name


def remove_building(warehouse: Path) -> None:
    """Remove a run's private folder (left behind when a run failed or was killed)."""
    shutil.rmtree(building_path(warehouse).parent, ignore_errors=True)


def new_building(warehouse: Path) -> Path:
    """An empty private folder for a run's file; returns the file's path."""
    remove_building(warehouse)
    building = building_path(warehouse)
    building.parent.mkdir(parents=True)
    return building


@contextlib.contextmanager
def run_lock(warehouse: Path, command: str) -> Iterator[None]:
    """Hold the warehouse for one run; raise WarehouseBusy naming the holder when another run has it."""
    warehouse = Path(warehouse).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(warehouse), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(
                f"{warehouse} is held by a run ({holder}). Wait for it to finish and run again, or stop it "
                "(kill <pid>): a stopped run leaves the warehouse as it was. Queries are not affected."
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}: scoring {command}, started {datetime.now():%Y-%m-%d %H:%M:%S}\n")
        handle.flush()
        remove_building(warehouse)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def busy_error(warehouse: Path, error: duckdb.Error) -> WarehouseBusy:
    """DuckDB's lock error, said as what happened and what to do."""
    found = re.search(r"Conflicting lock is held in (.*?\(PID \d+\))", str(error))
    holder = found.group(1) if found else str(error)
    return WarehouseBusy(
        f"{warehouse} is open for writing in another session ({holder}), so a run can neither read nor "
        "publish it. "
        "Close that session; open the warehouse read-only to query it (duckdb -readonly)."
    )


def _recover(warehouse: Path) -> None:
    """Fold a write-ahead log left by a crashed writer into the file before it is copied or replaced."""
    if not Path(f"{warehouse}.wal").exists():
        return
    try:
        duckdb.connect(str(warehouse)).close()  # replays the log and checkpoints on close
    except duckdb.IOException as error:
        raise busy_error(warehouse, error) from error


@contextlib.contextmanager
def previous(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection with the current warehouse attached read-only as `previous` (when there is
    one). While it is open no other process can write the warehouse, so what is read or copied from it is
    complete; publish() runs inside it."""
    warehouse = Path(warehouse)
    con = duckdb.connect()
    try:
        if warehouse.exists():
            _recover(warehouse)
            try:
                con.execute(f"attach {_literal(warehouse)} as previous (read_only)")
            except duckdb.IOException as error:
                raise busy_error(warehouse, error) from error
        yield con
    finally:
        con.close()


def attach_building(con: duckdb.DuckDBPyConnection, warehouse: Path, copy: bool) -> Path:
    """Attach the run's private file as `building`: a copy of the warehouse (attached as `previous`) when
    `copy`, else the file a build already wrote there."""
    building = building_path(warehouse)
    if copy:
        building = new_building(warehouse)
        if Path(warehouse).exists():
            shutil.copyfile(warehouse, building)
    # a new file is written so that the duckdb 1.5 shell can open it, like every file of the project
    options = "" if building.exists() else f" (storage_version '{STORAGE_VERSION}')"
    con.execute(f"attach {_literal(building)} as building{options}")
    return building


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Make the attached `building` file the warehouse: checkpoint, flush to disk, rename over it."""
    building = building_path(warehouse)
    con.execute("use memory")
    con.execute("checkpoint building")
    con.execute("detach building")
    if Path(
        f"{building}.wal"
    ).exists():  # a checkpointed, detached file has none; never publish one half-done
        raise RuntimeError(f"{building} still has a write-ahead log after its checkpoint; not published")
    with open(building, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(building, warehouse)
    stages.reached("publish:renamed")
    directory = os.open(Path(warehouse).parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    remove_building(warehouse)
