"""The bundled S&P 500 universe (505 stocks, daily, 2013-02-08 to 2018-02-07), SPY and VIX.

Stored as Parquet in ``app/data`` (provenance: ``app/data/README.md``) and loaded through
pyarrow. Every frame has the shape :func:`app.market.loader.load_bars` gives; the bars are
passed through :func:`app.market.quality.repair_bars`, so the few bad bars of the real
files are fixed or left out and listed in :attr:`Bars.warnings`, never hidden.

:func:`universe_symbols` reads a plain text list and imports neither numpy nor pandas, so
spec commands can resolve ``universe sp500`` cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.market.errors import DataError
from app.spec.universes import SURVIVORSHIP  # one text, owned by the spec layer

if TYPE_CHECKING:
    import pandas as pd

    from app.market.quality import Bars

_DATA = Path(__file__).resolve().parent.parent / "data"
UNIVERSES: dict[str, tuple[str, str]] = {
    "sp500": ("sp500-daily-2013-2018.parquet", "sp500-symbols.txt"),
}
"""Named universe -> (bars file, symbol list file) in ``app/data``."""
SPY_FILE, VIX_FILE = "SPY-daily-1999-2020.parquet", "VIX-daily.parquet"


def universe_names() -> tuple[str, ...]:
    """The named universes a spec may use (``universe sp500``)."""
    return tuple(UNIVERSES)


def universe_symbols(name: str = "sp500") -> tuple[str, ...]:
    """The symbols of a named universe, in the bundle's order.

    Raises:
        DataError: the name is not a bundled universe.
    """
    return tuple(_symbols_file(name).read_text(encoding="ascii").split())


def load_universe(symbols: Any = None, name: str = "sp500") -> Bars:
    """Bars of the universe's symbols (all, or only ``symbols``, keyed in their order).

    The result carries the data warnings of the symbols returned and the survivorship
    caveat (:data:`SURVIVORSHIP`).

    Raises:
        DataError: a requested symbol is not in the universe.
    """
    from app.market.csv_cache import CsvCache
    from app.market.quality import Bars

    path = _DATA / UNIVERSES[_check(name)][0]
    cache = CsvCache.for_folder(path.parent)
    key, _ = cache.digest(path)
    cached = cache.get(key)
    if cached is None:
        arrays, flagged = _repaired(path)
        cache.put(key, arrays, flagged)
    else:
        arrays, flagged = cached
    cache.save_index()
    wanted = list(arrays) if symbols is None else _wanted(symbols, arrays, name)
    by_symbol: dict[str, list[Any]] = {}
    for w in flagged:
        by_symbol.setdefault(w.symbol, []).append(w)
    frames = {s: _frame_of(*arrays[s]) for s in wanted}
    warnings = [w for s in wanted for w in by_symbol.get(s, ())]
    return Bars(frames, warnings, [SURVIVORSHIP])


def _repaired(path: Path) -> tuple[dict[str, Any], list[Any]]:
    """symbol -> (dates, checked OHLCV) of every symbol of a universe file, and the data
    warnings: what :class:`CsvCache` keeps of it, keyed by the file's content."""
    from app.market.quality import repair_bars

    table = _read(path)
    bounds = _symbol_bounds(table)
    days, values = _columns(table)
    arrays, warnings = {}, []
    for symbol in bounds:
        start, stop = bounds[symbol]
        fixed = repair_bars(values[start:stop], days[start:stop], symbol)
        arrays[symbol] = (days[start:stop][fixed.keep], fixed.values)
        warnings += fixed.warnings
    return arrays, warnings


def _frame_of(days: Any, values: Any) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    from app.market.loader import COLUMNS

    index = pd.DatetimeIndex(days, name="date")
    return pd.DataFrame(np.ascontiguousarray(values), index=index, columns=list(COLUMNS))


def load_symbol(symbol: str, name: str = "sp500") -> pd.DataFrame:
    """One symbol of the universe (its warnings: :func:`load_universe`)."""
    return load_universe([symbol], name)[symbol.strip().upper()]


def load_spy() -> pd.DataFrame:
    """SPY daily, 1999-11-01 to 2020-08-28 (raw prices, not dividend-adjusted)."""
    return _frame(_read(_DATA / SPY_FILE), "SPY")[0]


def load_vix() -> pd.DataFrame:
    """The VIX index daily, 1990-01-02 to 2026-07-23 (volume is 0: an index)."""
    return _frame(_read(_DATA / VIX_FILE), "VIX")[0]


def load_macro() -> Bars:
    """SPY and VIX together, with their data warnings (for macro evidence and crash checks)."""
    from app.market.quality import Bars

    spy, spy_w = _frame(_read(_DATA / SPY_FILE), "SPY")
    vix, vix_w = _frame(_read(_DATA / VIX_FILE), "VIX")
    return Bars({"SPY": spy, "VIX": vix}, spy_w + vix_w)


# --------------------------------------------------------------------------- internals


def _check(name: str) -> str:
    key = name.strip().lower()
    if key not in UNIVERSES:
        raise DataError(f"No bundled universe {name!r}. Bundled universes: {', '.join(UNIVERSES)}.")
    return key


def _symbols_file(name: str) -> Path:
    return _DATA / UNIVERSES[_check(name)][1]


def _read(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except OSError as exc:
        raise DataError(
            f"Cannot read the bundled data file {path}: {exc}. Reinstall Parley, "
            "or rebuild it with scripts/bundle_market_data.py."
        ) from None


def _symbol_bounds(table: Any) -> dict[str, tuple[int, int]]:
    """Row range of each symbol (the file is sorted by symbol, then date)."""
    import numpy as np
    import pyarrow.compute as pc

    column = table.column("symbol")
    changed = pc.not_equal(column.slice(1), column.slice(0, len(column) - 1))
    edges = np.flatnonzero(changed.to_numpy(zero_copy_only=False)) + 1
    starts = np.concatenate(([0], edges)).astype(int)
    stops = np.concatenate((edges, [len(column)])).astype(int)
    names = pc.take(column, pa_indices(starts)).to_pylist()
    return {str(n): (int(s), int(e)) for n, s, e in zip(names, starts, stops)}


def pa_indices(rows: Any) -> Any:
    import pyarrow as pa

    return pa.array(rows)


def _wanted(symbols: Any, bounds: Mapping[str, Any], name: str) -> list[str]:
    wanted = [symbols] if isinstance(symbols, str) else list(symbols)
    keys = list(dict.fromkeys(s.strip().upper() for s in wanted))
    missing = [s for s in keys if s not in bounds]
    if missing:
        raise DataError(
            f"The bundled {name} universe has no {', '.join(missing)}. It holds "
            f"the {len(bounds)} S&P 500 members of February 2018."
        )
    return keys


def _frame(table: Any, symbol: str) -> tuple[pd.DataFrame, list[Any]]:
    """One symbol's bars, checked by :func:`repair_bars`."""
    return _columns_frame(_columns(table), symbol)


def _columns(table: Any) -> tuple[Any, Any]:
    """(dates as datetime64, an n x 5 float64 OHLCV matrix) of a Parquet table."""
    import numpy as np

    from app.market.loader import COLUMNS, INDEX_UNIT

    days = table.column("date").to_numpy().astype(f"datetime64[{INDEX_UNIT}]")
    values = np.column_stack([table.column(c).to_numpy().astype(float) for c in COLUMNS])
    return days, values


def _columns_frame(columns: tuple[Any, Any], symbol: str) -> tuple[pd.DataFrame, list[Any]]:
    from app.market.quality import repair_bars

    days, values = columns
    fixed = repair_bars(values, days, symbol)
    return _frame_of(days[fixed.keep], fixed.values), fixed.warnings
