"""One process owns a run at a time: an OS lock on ``$PARLEY_HOME/runs/<id>.lock``.

The process that runs (or resumes) a run takes an exclusive ``flock`` on the run's lock
file for as long as it lives and writes its pid there. The kernel drops the lock when the
process ends, however it ends (a SIGKILL included), so a crashed run is never left locked,
and two ``parley resume RUN`` at once cannot both run it: the second is told which
process holds it. (A store shared between machines through PostgreSQL needs the runs of
one id started on one machine: the lock is local.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

from app.errors import ParleyError

if TYPE_CHECKING:
    from app.config import Settings


class RunLocked(ParleyError):
    """Another process holds the run."""


def lock_path(run_id: str, settings: Settings) -> Path:
    return settings.home / "runs" / f"{run_id}.lock"


class RunLock:
    """``with RunLock(path, run_id):`` holds the run for this process."""

    def __init__(self, path: Path, run_id: str) -> None:
        self.path, self.run_id = path, run_id
        self._file: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the run, or raise :class:`RunLocked` naming the process that has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise RunLocked(
                f"run {self.run_id} is held by process {holder}: one process runs a run at a time",
                f"`parley stop {self.run_id}` stops it; then resume it",
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def holder(path: Path) -> str | None:
    """The pid holding the lock at ``path`` (None: free). Takes it for an instant."""
    if not path.exists():
        return None
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            return f.read().strip() or "another process"
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return None
