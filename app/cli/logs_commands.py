"""`parley logs [RUN]`: a run's own log, or the end of Parley's log."""

from __future__ import annotations

import argparse
import sys
from collections import deque
from pathlib import Path
from typing import Any

from app.errors import ParleyError


def register(commands: Any) -> None:
    p = commands.add_parser(
        "logs",
        help="print a run's log (or the end of Parley's log)",
        description="Each run writes its own log under PARLEY_HOME/logs/runs/; every command "
        "writes PARLEY_HOME/logs/parley.log (rotated at 5 MB, 5 kept). Secrets are redacted.",
    )
    p.add_argument("run", nargs="?", metavar="RUN")
    p.add_argument(
        "-n",
        "--lines",
        type=int,
        default=50,
        metavar="N",
        help="how many of the last lines (50; 0 for all)",
    )
    p.set_defaults(handler=cmd_logs)


def cmd_logs(args: argparse.Namespace) -> int:
    from app.environment import home as home_dir
    from app.logs import run_log_path

    home = home_dir()
    path = run_log_path(home, args.run) if args.run else home / "logs" / "parley.log"
    if not path.exists():
        what = f"run {args.run!r}" if args.run else "Parley"
        raise ParleyError(
            f"no log for {what} at {path}",
            "`parley status` lists the runs; a run logs from its start",
        )
    sys.stdout.writelines(_tail(path, args.lines))
    return 0


def _tail(path: Path, n: int) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return list(fh) if n <= 0 else list(deque(fh, maxlen=n))
    except OSError as err:
        raise ParleyError(f"{path}: cannot read the log ({err.strerror})") from None
