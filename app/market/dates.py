"""The one parser of the dates a user types (``--from``, ``--to``): one rule, one message."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.errors import ParleyError
from app.market.errors import DataError


def parse_date(value: Any, flag: str, error: type[ParleyError] = DataError) -> pd.Timestamp | None:
    """``value`` as a naive timestamp; None when it is empty.

    Args:
        flag: How the message names the value (``--from``).
        error: The error to raise: the caller's own kind (a backtest raises BacktestError).

    Raises:
        ParleyError: ``value`` is not a date (the message says how to write one).
    """
    if value is None or value == "":
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise error(f"{flag} {value!r} is not a date; write it like 2012-01-31")
    return ts.tz_localize(None) if ts.tz is not None else ts
