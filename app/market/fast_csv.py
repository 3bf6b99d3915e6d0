"""The quick way through a well-formed CSV file: pyarrow's C++ reader, no pandas parsing.

:func:`read_standard` handles the common case -- one symbol per file, a header with Date (or
Datetime/Timestamp), Open, High, Low, Close, Volume in any letter case, ISO dates without a
UTC offset, numbers -- and returns None for anything else. The loader then takes its
careful path (:func:`app.market.loader._load_file`), which names the line and the fix for
every problem, so the quick path never has to explain errors: it only has to be right
when it answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np

from app.market.loader import COLUMNS, INDEX_UNIT

_DATE_NAMES = ("date", "datetime", "timestamp")


def read_standard(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(dates as datetime64[us], an n x 5 float64 OHLCV matrix with NaN for empty cells)
    of a standard file's bytes, or None when the file is not plainly standard or its dates
    do not strictly increase (the careful path says why)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        table = pcsv.read_csv(
            pa.py_buffer(data),
            read_options=pcsv.ReadOptions(use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    names = {str(n).strip().lower().lstrip("\ufeff"): n for n in table.column_names}
    date = next((names[d] for d in _DATE_NAMES if d in names), None)
    if date is None or "symbol" in names or "time" in names or not table.num_rows:
        return None
    if any(c not in names for c in COLUMNS):
        return None
    dates = _dates(table.column(date))
    values = _values(table, [names[c] for c in COLUMNS])
    if dates is None or values is None or not (np.diff(dates.view("int64")) > 0).all():
        return None
    return dates, values


def _dates(column: Any) -> np.ndarray | None:
    import pyarrow as pa

    kind = column.type
    if column.null_count or not (
        pa.types.is_date32(kind) or (pa.types.is_timestamp(kind) and kind.tz is None)
    ):
        return None  # text, offsets, empty dates: the careful path
    dates: np.ndarray = column.to_numpy().astype(f"datetime64[{INDEX_UNIT}]")
    return dates


def _values(table: Any, columns: list[str]) -> np.ndarray | None:
    import pyarrow as pa

    out = np.empty((table.num_rows, len(columns)), dtype=np.float64, order="F")
    for i, name in enumerate(columns):
        column = table.column(name)
        kind = column.type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_null(kind)):
            return None  # text in a number column: the careful path names the cell
        out[:, i] = column.to_numpy(zero_copy_only=False).astype(np.float64)
    return out


def load_files(
    files: list[Path], careful: Callable[[Path], Any], frame: Callable[..., Any]
) -> list[Any]:
    """Each file's :class:`Bars`, through the content-keyed cache, the quick reader, or
    ``careful`` (the loader's own path) for anything the quick one declines.

    Files are read on a few threads (pyarrow parses without the GIL). The first failing
    file, in the given order, raises its :class:`DataError`.
    """
    from app.market.csv_cache import CsvCache

    if not files:
        return []
    cache = CsvCache.for_folder(files[0].parent)
    workers = min(4, os.cpu_count() or 1, len(files))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            loaded = list(pool.map(lambda p: _load_one(p, cache, careful), files))
    else:
        loaded = [_load_one(p, cache, careful) for p in files]
    cache.save_index()
    _release_arrow_memory()
    return [_as_bars(arrays, warnings, frame) for arrays, warnings in loaded]


def _release_arrow_memory() -> None:
    """Hand the parser's freed buffers back to the system (pyarrow's allocator keeps them
    for reuse: ~30% of the input arrays after 2,500 files, which nothing reuses)."""
    import sys

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _load_one(
    path: Path, cache: Any, careful: Callable[[Path], Any]
) -> tuple[dict[str, Any], list[Any]]:
    from app.market.loader import symbol_from_stem
    from app.market.quality import repair_bars

    key, data = cache.digest(path)
    hit = cache.get(key)
    if hit is not None:
        return cast(tuple[dict[str, Any], list[Any]], hit)
    quick = read_standard(data if data is not None else path.read_bytes())
    if quick is not None and _plausible(quick[1]):
        dates, values = quick
        symbol = symbol_from_stem(path.stem)
        fixed = repair_bars(values, dates, symbol)
        if fixed.keep.any():
            arrays = {symbol: (dates[fixed.keep], fixed.values)}
            cache.put(key, arrays, fixed.warnings)
            return arrays, fixed.warnings
    bars = careful(path)  # raises the precise DataError, or loads what the quick path declined
    arrays = {s: (df.index.to_numpy(), df.to_numpy()) for s, df in bars.items()}
    cache.put(key, arrays, bars.warnings)
    return arrays, bars.warnings


def _plausible(values: np.ndarray) -> bool:
    """Prices above zero and volume not negative wherever given (else: the careful path's
    error message)."""
    with np.errstate(invalid="ignore"):
        return not ((values[:, :4] <= 0).any() or (values[:, 4] < 0).any())


def _as_bars(arrays: dict[str, Any], warnings: list[Any], frame: Callable[..., Any]) -> Any:
    from app.market.quality import Bars

    return Bars({s: frame(v, d) for s, (d, v) in arrays.items()}, warnings)
