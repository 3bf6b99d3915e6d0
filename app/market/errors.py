"""Errors of the market-data layer."""

from __future__ import annotations

from app.errors import ParleyError


class DataError(ParleyError):
    """Price data that cannot be used as given: missing, malformed or inconsistent.

    The message names the file (and line, column or date) and says how to fix it, so the
    CLI and the TUI can print it as is.
    """
