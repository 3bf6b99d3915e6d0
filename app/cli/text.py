"""Text shared by the commands' tables."""

from __future__ import annotations

from typing import Any


def date_text(ts: Any) -> str:
    """A bar's time (a pandas Timestamp) as a date, with the time of day when it has one."""
    text: str = ts.strftime("%Y-%m-%d") if ts.hour == ts.minute == ts.second == 0 else \
        ts.strftime("%Y-%m-%d %H:%M:%S")
    return text
