"""Real SPY bars for the real-event checks (the shared data folder beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
NAME = "SPY-daily-1999-2020.csv"
EVENTS = (("2008-09-01", "2009-03-31"), ("2020-02-01", "2020-04-30"), ("2020-02-24", "2020-04-30"))
"""The 2008-09 crash to the 2009-03 low, the 2020 Covid sell-off and rebound (whole
window, and from the first day of the sell-off)."""


def spy_path() -> Path | None:
    """The SPY file: ``../shared/data/extra`` beside the repository (or one level up, for a
    worktree under ``wt/``); None when absent."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "data" / "extra" / NAME
        if path.exists():
            return path
    return None


def load_spy() -> pd.DataFrame | None:
    """SPY daily bars (date index, open, high, low, close, volume), or None when absent."""
    path = spy_path()
    if path is None:
        return None
    frame = pd.read_csv(path, index_col="date", parse_dates=True)
    return frame[["open", "high", "low", "close", "volume"]]
