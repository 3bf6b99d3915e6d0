"""Named universes a spec may trade (``universe sp500``): their names, symbols and caveats.

The spec layer owns the names so that parsing and checking need nothing above it: the
symbol lists are plain text files in ``app/data`` (read without numpy or pandas), and the
bars are loaded by :mod:`app.market.universe`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"
SYMBOL_FILES: dict[str, str] = {"sp500": "sp500-symbols.txt"}
"""Named universe -> its symbol list in ``app/data``, one symbol a line, the bundle's order."""
SURVIVORSHIP = (
    "Survivorship bias: the sp500 universe is the S&P 500 as of February 2018 applied back "
    "to 2013. Companies that left the index or failed before then are missing and later "
    "joiners are in for their whole history, so returns are biased upward. Use it to try "
    "screens, not to claim historical performance."
)
CAVEATS: dict[str, str] = {"sp500": SURVIVORSHIP}
"""What every report that uses a named universe must say about it."""


def names() -> tuple[str, ...]:
    return tuple(SYMBOL_FILES)


@cache
def symbols(name: str) -> tuple[str, ...]:
    """The symbols of a named universe (``KeyError`` for a name that is not one)."""
    return tuple((_DATA / SYMBOL_FILES[name]).read_text(encoding="ascii").split())
