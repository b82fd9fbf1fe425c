"""Named points of a run: announced on stderr as progress, and a place where a test can stop the process.

With SCORING_STOP_AT=<stage> in its environment (Settings.stop_at, handed here by the CLI), a run stops
itself (SIGSTOP) on reaching that stage, so a test can `kill -9` it at exactly that point instead of after a
guessed number of seconds.
"""

import os
import signal
import sys

_stop_at: str | None = None


def stop_at(stage: str | None) -> None:
    """Stop the process (SIGSTOP) when it reaches `stage`; None: never. Set once, by the CLI."""
    global _stop_at
    _stop_at = stage


def reached(stage: str, message: str | None = None) -> None:
    """Mark `stage`; print `message` (when given) as progress on stderr."""
    if message:
        _say(f"[{stage}] {message}")
    if _stop_at == stage:
        _say(f"[{stage}] stopped here (SCORING_STOP_AT), pid {os.getpid()}")
        os.kill(os.getpid(), signal.SIGSTOP)


def _say(line: str) -> None:
    """One write of the whole line: print() writes the text and its newline apart, and a dbt thread writing
    between the two glued its log line to ours (a test reading the pid off the line then failed)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
