"""Text shared by the commands' tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def date_text(ts: Any) -> str:
    """A bar's time (a pandas Timestamp) as a date, with the time of day when it has one."""
    text: str = (
        ts.strftime("%Y-%m-%d")
        if ts.hour == ts.minute == ts.second == 0
        else ts.strftime("%Y-%m-%d %H:%M:%S")
    )
    return text


MAX_CASH = 1e12
"""The largest starting cash the figures are printed and computed for (a trillion)."""


def cash_amount(text: str | float, flag: str = "--cash") -> float:
    """A starting cash as the user wrote it (``10000``, ``10,000``, ``$5_000``).

    Raises:
        ParleyError: not a number, not above zero, or above :data:`MAX_CASH`.
    """
    import math

    from app.errors import ParleyError

    try:
        value = float(str(text).replace(",", "").replace("_", "").lstrip("$"))
    except ValueError:
        raise ParleyError(f"{flag} {text!r} is not an amount; write it like 10000") from None
    if not math.isfinite(value) or value <= 0:
        raise ParleyError(f"{flag} must be above zero, not {text}")
    if value > MAX_CASH:
        raise ParleyError(
            f"{flag} {text} is more than Parley computes with (at most {MAX_CASH:,.0f})"
        )
    return value


def _whole(text: str, low: int, high: int | None) -> int:
    """``text`` as a whole number from ``low`` to ``high`` (no upper bound: None), for
    argparse (its errors are argparse's)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < low or (high is not None and value > high):
        bound = f"{low} or more" if high is None else f"from {low} to {high:,}"
        raise argparse.ArgumentTypeError(f"must be {bound}, not {value}")
    return value


def count(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    return _whole(text, 0, None)


def cash_arg(text: str) -> float:
    """An argparse type for ``--cash`` (see :func:`cash_amount`)."""
    import argparse

    from app.errors import ParleyError

    try:
        return cash_amount(text, "the cash")
    except ParleyError as err:
        raise argparse.ArgumentTypeError(err.message) from None


def output_path(text: str | None, flag: str, example: str = "report.html") -> Path | None:
    """A file the command will write at its end, checked before the work starts, so a
    typo in its folder does not cost a long run and its result.

    Raises:
        ParleyError: the folder does not exist or cannot be written, or the path is a folder.
    """
    import os

    from app.errors import ParleyError

    if text is None:
        return None
    path = Path(text).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ParleyError(f"{flag} {text}: that is a folder", f"name a file, like {path / example}")
    if not folder.is_dir():
        raise ParleyError(
            f"{flag} {text}: the folder {folder} does not exist",
            "create it first, or name a file in an existing folder",
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ParleyError(
            f"{flag} {text}: cannot write there (permission denied)",
            "name a file in a folder you can write",
        )
    return path


def seed(text: str) -> int:
    """An argparse type for ``--seed``: a whole number from 0 to 4,294,000,000 (numpy's
    generators take 0 to 2**32 - 1; the layers' nulls add to it)."""
    return _whole(text, 0, 4_294_000_000)
