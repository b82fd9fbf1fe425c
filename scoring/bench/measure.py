"""Run a command as a child process and measure its wall time and peak memory."""

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    stage: str
    scale: float
    seconds: float
    peak_mb: float
    note: str = ""


def measure(stage: str, scale: float, cmd: list[str], env: dict[str, str] | None = None,
            note: str = "") -> Measurement:  # fmt: skip
    """Wall time and peak resident memory of one command (the largest of it and its children)."""
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone, unlike RUSAGE_CHILDREN
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            log.seek(0)
            raise RuntimeError(f"{stage} failed ({' '.join(cmd)}):\n{log.read()[-4000:]}")
    return Measurement(stage, scale, seconds, usage.ru_maxrss / 1024, note)
