"""Run a command as a child process and measure its wall time and peak memory."""

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """One stage at one scale: wall seconds, peak resident MB, CPU seconds and the machine's load."""

    stage: str
    scale: float
    seconds: float
    peak_mb: float
    note: str = ""
    load: float | None = None  # 1-minute load average just before the stage (other jobs share the machine)
    cpu_seconds: float | None = None  # user + system time: unlike wall time, barely moved by other jobs


def measure(
    stage: str,
    scale: float,
    cmd: list[str],
    env: dict[str, str] | None = None,
    note: str = "",
    cwd: Path | None = None,
) -> Measurement:
    """Wall time and peak resident memory of one command (the largest of it and its waited-for children).

    Raises RuntimeError with the end of the command's output when it fails.
    """
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone, unlike RUSAGE_CHILDREN
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            log.seek(0)
            raise RuntimeError(f"{stage} failed ({' '.join(map(str, cmd))}):\n{log.read()[-4000:]}")
    cpu_seconds = usage.ru_utime + usage.ru_stime
    return Measurement(stage, scale, seconds, usage.ru_maxrss / 1024, note, load, cpu_seconds)
