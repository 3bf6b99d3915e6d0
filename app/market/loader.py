"""Loading, checking and reshaping OHLCV bars from CSV files.

Everything downstream (indicators, regimes, the backtester, the replay feed) assumes clean
bars: a sorted, unique, tz-naive ``DatetimeIndex`` named ``date`` and float64 columns
``open, high, low, close, volume`` with positive, self-consistent prices. This module is the
one place that establishes that, and it turns every way a file can break it into a
:class:`DataError` whose message names the file, the line or date, and the fix, so the CLI
and the TUI never show a traceback for bad data.

Timestamps keep the wall-clock time written in the file; a UTC offset, if present, is
dropped (session rules such as "the first hour" want exchange time, not UTC).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from app.market.errors import DataError
from app.market.quality import Bars, repair_bars

COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
"""The columns of every bar frame, in order."""
PRICES: tuple[str, ...] = ("open", "high", "low", "close")
INDEX_UNIT = "us"
"""Resolution of every bar index (pandas 3's default for parsed and generated dates)."""

TIMEFRAMES: dict[str, pd.Timedelta] = {
    "1m": pd.Timedelta(minutes=1),
    "5m": pd.Timedelta(minutes=5),
    "15m": pd.Timedelta(minutes=15),
    "30m": pd.Timedelta(minutes=30),
    "1h": pd.Timedelta(hours=1),
    "4h": pd.Timedelta(hours=4),
    "1d": pd.Timedelta(days=1),
    "1w": pd.Timedelta(days=7),
    "1mo": pd.Timedelta(days=30.436875),
}
"""Timeframe codes, finest first, with their nominal bar length."""

_ALIASES = {
    "1min": "1m",
    "5min": "5m",
    "15min": "15m",
    "30min": "30m",
    "60m": "1h",
    "60min": "1h",
    "240m": "4h",
    "d": "1d",
    "1day": "1d",
    "daily": "1d",
    "24h": "1d",
    "w": "1w",
    "1wk": "1w",
    "weekly": "1w",
    "1mon": "1mo",
    "1month": "1mo",
    "monthly": "1mo",
    "hourly": "1h",
}
_AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
_STEM_SUFFIX = re.compile(
    r"[-_](\d+(s|sec|m|min|mins|h|hr|hour|d|day|w|wk|week|mo|mon|month|y|yr)"
    r"|daily|hourly|weekly|monthly|intraday|(19|20)\d\d)$",
    re.IGNORECASE,
)
_UTC_OFFSET = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?:Z|[+-]\d\d:?\d\d)$")
_NEEDS = "Parley needs the columns Date, Open, High, Low, Close, Volume (any letter case)"


def load_bars(
    path: str | Path,
    symbols: Sequence[str] | None = None,
    timeframe: str | None = None,
) -> Bars:
    """Load checked bars from a CSV file or a folder of ``SYMBOL.csv`` files.

    Args:
        path: A CSV file (one symbol named by the file stem, or a ``Symbol`` column holding
            several) or a folder of such files.
        symbols: Keep only these (any letter case; ``BTC/USD`` matches ``BTCUSD``). The
            result is keyed by them, in this order.
        timeframe: Resample every frame to this coarser timeframe (see :func:`resample`).

    Returns:
        Symbol -> bar frame (see the module docstring for the shape), with the bars that
        were fixed or left out in ``.warnings`` (see :mod:`app.market.quality`).

    Raises:
        DataError: the path is missing, a file is malformed, or a symbol has no data.
    """
    if isinstance(symbols, str):
        symbols = [symbols]  # a lone "GOOG" is one symbol, not four letters
    source = Path(path)
    if source.is_dir():
        frames = _load_folder(source, symbols)
    elif source.is_file():
        frames = _merge_files([source])
    else:
        raise DataError(
            f"{source} does not exist. Give a CSV file or a folder of SYMBOL.csv files."
        )
    if symbols is not None:
        frames = frames.derive(_select(frames, symbols, source))
    if timeframe is not None:
        frames = frames.derive({sym: resample(df, timeframe) for sym, df in frames.items()})
    return frames


def symbol_from_stem(stem: str) -> str:
    """The symbol a file name stands for, upper-cased.

    Trailing ``-``/``_`` parts that look like a timeframe or a year are dropped, because
    people name files after what they hold: ``EURUSD-1h`` -> ``EURUSD``,
    ``INDEX-2006-5min`` -> ``INDEX``, while ``BRK-B`` stays as it is.
    """
    name = stem.strip()
    while (match := _STEM_SUFFIX.search(name)) and match.start() > 0:
        name = name[: match.start()]
    return name.upper()


# --------------------------------------------------------------------------- reading


def _load_folder(folder: Path, symbols: Sequence[str] | None) -> Bars:
    """Load the folder's CSV files; only the needed ones when the file names tell."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise DataError(f"{folder} holds no .csv files. Put one SYMBOL.csv file per symbol there.")
    if symbols is not None:
        wanted = {_key(s) for s in symbols}
        subset = [p for p in files if _key(symbol_from_stem(p.stem)) in wanted]
        frames = _merge_files(subset)
        if wanted <= {_key(s) for s in frames}:
            return frames
    return _merge_files(files)


def _merge_files(files: Sequence[Path]) -> Bars:
    from app.market.fast_csv import load_files

    frames = Bars()
    origin: dict[str, Path] = {}
    for file, loaded in zip(files, load_files(list(files), _load_file, _frame)):
        frames.warnings += loaded.warnings
        for sym, df in loaded.items():
            if sym in frames:
                raise DataError(
                    f"Symbol {sym} appears in both {origin[sym]} and {file}. "
                    "Keep one file per symbol in the folder."
                )
            frames[sym], origin[sym] = df, file
    return frames


def _load_file(path: Path) -> Bars:
    """Read, check and split one CSV file into per-symbol frames (bad bars flagged)."""
    raw = _read_csv(path)
    cols = _find_columns(raw, path)
    lines = raw.index.to_numpy() + 2  # header is line 1; blank lines were kept as rows
    dates = _parse_dates(_date_text(raw, cols), lines, path)
    values = _parse_numbers(raw, cols, lines, path)
    sym_col = cols.get("symbol")
    if sym_col is None:
        groups = {symbol_from_stem(path.stem): np.arange(len(raw))}
        _check_rows(values, dates, lines, lambda row: str(path))
    else:
        groups = _symbol_groups(raw[sym_col], lines, path)
        owner = np.empty(len(raw), dtype=object)
        for sym, rows in groups.items():
            owner[rows] = sym
        _check_rows(values, dates, lines, lambda row: f"{path} (symbol {owner[row]})")
    frames, flagged = {}, []
    for sym, rows in groups.items():
        where = str(path) if sym_col is None else f"{path} (symbol {sym})"
        _check_order(dates[rows], lines[rows], where)
        fixed = repair_bars(values[rows], dates[rows].to_numpy(), sym)
        if not fixed.keep.any():
            raise DataError(
                f"{where} has no usable bar: every row lacks a price or the "
                "volume. Fill in the empty fields."
            )
        frames[sym] = _frame(fixed.values, dates[rows][fixed.keep])
        flagged += fixed.warnings
    return Bars(frames, flagged)


def _read_csv(path: Path) -> pd.DataFrame:
    """Parse the CSV text; blank lines become all-NaN rows so line numbers stay true."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            raw = pd.read_csv(path, index_col=False, skip_blank_lines=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty. {_NEEDS}, one row per bar.") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise DataError(
            f"{path} is not a readable CSV file ({detail}). "
            "Check that every row has the same number of comma-separated fields."
        ) from None
    except pd.errors.ParserWarning:
        raise DataError(
            f"{path} has rows with more fields than its header has columns. "
            "Check that every row has the same number of comma-separated fields."
        ) from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text CSV file. Export it as CSV.") from None
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if raw.empty or raw.iloc[:, 0].isna().any():  # a blank line is NaN in every column
        raw = raw.dropna(how="all")
    if raw.empty:
        raise DataError(f"{path} has a header but no bars. Add one row per bar below it.")
    return raw


def _find_columns(raw: pd.DataFrame, path: Path) -> dict[str, str]:
    """Map the standard names to the file's columns (case was already folded)."""
    present = list(raw.columns)
    cols = {c: c for c in ("date", "symbol", "time", *COLUMNS) if c in present}
    if "date" not in cols:
        alias = next((a for a in ("datetime", "timestamp", "time") if a in present), None)
        if alias:
            cols["date"] = alias
            cols.pop("time", None)
    missing = [c.capitalize() for c in ("date", *COLUMNS) if c not in cols]
    if missing:
        raise DataError(
            f"{path} is missing the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (it has: {', '.join(present)}). "
            f"{_NEEDS}, and optionally Symbol; rename or add the columns."
        )
    return cols


def _symbol_groups(owners: pd.Series, lines: np.ndarray, path: Path) -> dict[str, np.ndarray]:
    """Row positions of each symbol, in order of first appearance."""
    names = owners.astype("string").str.strip().str.upper()
    empty = (names.isna() | (names == "")).to_numpy()
    if empty.any():
        line = lines[np.argmax(empty)]
        raise DataError(f"{path}, line {line}: the Symbol column is empty. Fill it in.")
    codes, uniques = pd.factorize(names)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return {str(u): rows for u, rows in zip(uniques, np.split(order, bounds))}


def _date_text(raw: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    """The date column as text, joined with a separate Time column when there is one."""
    text = _as_text(raw[cols["date"]])
    if "time" in cols:
        text = text + " " + _as_text(raw[cols["time"]])
    return text


def _as_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        column = column.astype("Int64")  # 20040819.0 -> 20040819
    return column.astype("string")


def _parse_dates(text: pd.Series, lines: np.ndarray, path: Path) -> pd.DatetimeIndex:
    """Parse dates quickly (one inferred format), then retry stragglers as ISO 8601.

    A UTC offset on any row (``2006-08-21T00:00:00+05:00``) is dropped, keeping the wall
    clock time, even when the first rows have none.
    """
    first = text.dropna()
    if len(first) and _UTC_OFFSET.search(str(first.iloc[0])):
        text = _drop_offsets(text)
    parsed = _to_datetime(text)
    bad = parsed.isna()
    if bad.any():
        retry = _to_datetime(text[bad], format="ISO8601")
        parsed = parsed.where(~bad, retry)
        bad = parsed.isna()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        shown = "empty" if pd.isna(text.iloc[i]) else f"{text.iloc[i]!r}"
        raise DataError(
            f"{path}, line {lines[i]}: the date is {shown}, which is not a date. "
            "Write dates like 2024-01-31 or 2024-01-31 09:30:00."
        )
    index = pd.DatetimeIndex(parsed)
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.as_unit(INDEX_UNIT)


def _drop_offsets(text: pd.Series) -> pd.Series:
    return text.str.replace(_UTC_OFFSET, r"\1", regex=True)


def _to_datetime(text: pd.Series, **options: str) -> pd.Series:
    """``pd.to_datetime`` with unparseable values as NaT.

    A mix of UTC offsets that pandas refuses is parsed again without the offsets.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            parsed = pd.to_datetime(text, errors="coerce", **options)
        except (ValueError, TypeError):
            parsed = pd.to_datetime(_drop_offsets(text), errors="coerce", **options)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _parse_numbers(
    raw: pd.DataFrame, cols: dict[str, str], lines: np.ndarray, path: Path
) -> np.ndarray:
    """The OHLCV values as a float64 matrix; any missing or non-numeric cell is an error."""
    columns = [raw[cols[c]] for c in COLUMNS]
    values = np.column_stack([pd.to_numeric(c, errors="coerce").to_numpy(float) for c in columns])
    finite = np.isfinite(values)
    if not finite.all():
        given = np.column_stack([c.notna().to_numpy() for c in columns])
        text = given & np.isnan(values)  # a cell that holds something other than a number
        if text.any():
            row = int(np.argmax(text.any(axis=1)))
            col = int(np.argmax(text[row]))
            raise DataError(
                f"{path}, line {lines[row]}: {COLUMNS[col]} is {columns[col].iloc[row]!r}, "
                "not a number. Every bar needs numeric open, high, low, close and volume; "
                "fix or remove the row."
            )
    return values


# --------------------------------------------------------------------------- checking


def _check_rows(
    values: np.ndarray, dates: pd.DatetimeIndex, lines: np.ndarray, where: Callable[[int], str]
) -> None:
    """Per-bar sanity that cannot be repaired: prices above zero, volume not negative.

    Empty fields and bars outside their own range are :func:`repair_bars`'s (flagged, not
    fatal). ``where(row)`` names the file (and symbol) for the message.
    """
    v = values[:, 4]
    prices = values[:, :4]
    with np.errstate(invalid="ignore"):
        bad_price, bad_volume = prices <= 0, v < 0
    if bad_price.any():
        row = int(np.argmax(bad_price.any(axis=1)))
        col = int(np.argmax(bad_price[row]))
        raise _bar_error(
            where,
            dates,
            lines,
            row,
            f"{PRICES[col]} is {prices[row, col]:g}; "
            "prices must be above zero. Fix or remove the row.",
        )
    if bad_volume.any():
        row = int(np.argmax(bad_volume))
        raise _bar_error(
            where,
            dates,
            lines,
            row,
            f"volume is {v[row]:g}; it cannot be negative. Fix or remove the row.",
        )


def _bar_error(
    where: Callable[[int], str],
    dates: pd.DatetimeIndex,
    lines: np.ndarray,
    row: int,
    problem: str,
) -> DataError:
    return DataError(f"{where(row)}, bar {_fmt(dates[row])} (line {lines[row]}): {problem}")


def _check_order(dates: pd.DatetimeIndex, lines: np.ndarray, where: str) -> None:
    """Dates must strictly increase: no reordering, no repeated bar."""
    step = np.diff(dates.asi8)
    bad = np.flatnonzero(step <= 0)
    if not bad.size:
        return
    i = int(bad[0]) + 1
    if step[i - 1] == 0:
        raise DataError(
            f"{where}: the bar {_fmt(dates[i])} appears twice (lines {lines[i - 1]} and "
            f"{lines[i]}). Remove the duplicate row."
        )
    raise DataError(
        f"{where}: the dates are not in order; {_fmt(dates[i])} (line {lines[i]}) comes after "
        f"{_fmt(dates[i - 1])} (line {lines[i - 1]}). Sort the rows oldest first."
    )


def _frame(values: np.ndarray, dates: pd.DatetimeIndex | np.ndarray) -> pd.DataFrame:
    """A bar frame over ``values`` (n x 5), without a copy when they are column-major."""
    index = pd.DatetimeIndex(dates, name="date")
    return pd.DataFrame(
        np.asfortranarray(values, dtype=np.float64),
        index=index,
        columns=_column_index(),
        copy=False,
    )


_COLUMN_INDEX: list[pd.Index] = []


def _column_index() -> pd.Index:
    """One shared column index (building it per frame costs more than the frame)."""
    if not _COLUMN_INDEX:
        _COLUMN_INDEX.append(pd.Index(list(COLUMNS)))
    return _COLUMN_INDEX[0]


def _fmt(ts: pd.Timestamp) -> str:
    text: str = (
        ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M:%S")
    )
    return text


def _key(symbol: str) -> str:
    return symbol.strip().upper().replace("/", "")


def _select(
    frames: dict[str, pd.DataFrame], symbols: Sequence[str], source: Path
) -> dict[str, pd.DataFrame]:
    """The requested symbols, keyed as requested (upper case), or a DataError naming the gaps."""
    by_key = {_key(s): df for s, df in frames.items()}
    wanted = list(dict.fromkeys(s.strip().upper() for s in symbols))
    missing = [s for s in wanted if _key(s) not in by_key]
    if missing:
        raise DataError(
            f"No data for {', '.join(missing)} in {source}. It holds: "
            f"{', '.join(frames) or 'nothing'}. Check the spelling, or add a SYMBOL.csv file "
            "(or rows with that Symbol) for each missing symbol."
        )
    return {s: by_key[_key(s)] for s in wanted}


# --------------------------------------------------------------------------- reshaping


def normalize_timeframe(timeframe: str) -> str:
    """The canonical code (``1m`` ... ``1mo``) for a timeframe as a user may write it."""
    code = timeframe.strip().lower().replace(" ", "")
    code = _ALIASES.get(code, code)
    if code not in TIMEFRAMES:
        raise DataError(f"Unknown timeframe {timeframe!r}. Use one of: {', '.join(TIMEFRAMES)}.")
    return code


def infer_timeframe(df: pd.DataFrame) -> str:
    """The timeframe code nearest (in ratio) to the median spacing of the bars.

    The median ignores weekends, holidays and overnight gaps, so daily stock data is ``1d``
    and 5-minute session data is ``5m``; monthly data comes out as ``1mo``.
    """
    if len(df.index) < 2:
        raise DataError(
            f"Cannot tell the timeframe from {len(df.index)} bar(s). Load at least two bars."
        )
    spacing = float(np.median(np.diff(df.index.as_unit("us").asi8)))
    if spacing <= 0:
        raise DataError("Cannot tell the timeframe: the bars are not in increasing date order.")
    lengths = np.array([td / pd.Timedelta(microseconds=1) for td in TIMEFRAMES.values()])
    return list(TIMEFRAMES)[int(np.argmin(np.abs(np.log(lengths / spacing))))]


def resample(df: pd.DataFrame, timeframe: str, *, stamps: str = "start") -> pd.DataFrame:
    """Aggregate bars into a coarser timeframe (first/max/min/last/sum; empty bins dropped).

    Args:
        df: A bar frame as :func:`load_bars` returns it.
        timeframe: A code from :data:`TIMEFRAMES` no finer than the data's own.
        stamps: ``"start"`` when each input timestamp is the bar's opening time (the usual
            vendor convention); ``"end"`` when it is its closing time, as in the bundled
            5-minute INDEX file (09:05 ... 17:30). Intraday output is labelled the same way.
            Daily bars are labelled with their date; weekly and monthly bars with their
            first trading day in the data (the day they open, as Alpaca's week and month
            bars are stamped), so a fill at a bar's open is dated the day it happens and no
            bar is dated after the data ends.

    Raises:
        DataError: the timeframe is unknown or finer than the data.
    """
    if stamps not in ("start", "end"):
        raise ValueError(f"stamps must be 'start' or 'end', not {stamps!r}")
    code = normalize_timeframe(timeframe)
    if len(df.index) >= 2:
        source = infer_timeframe(df)
        codes = list(TIMEFRAMES)
        if codes.index(code) < codes.index(source):
            raise DataError(
                f"Cannot make {code} bars from {source} data: bars can only be combined into "
                f"longer ones. Use timeframe {source} or longer, or load finer data."
            )
        if code == source:
            return df.copy()
    out = df.groupby(_bin_labels(df.index, code, stamps), sort=False).agg(_AGG)
    out.index = pd.DatetimeIndex(out.index, name="date").as_unit(INDEX_UNIT)
    return out[list(COLUMNS)].astype("float64")


def _bin_labels(index: pd.DatetimeIndex, code: str, stamps: str) -> pd.DatetimeIndex:
    """The label of the output bar each input bar falls in."""
    if code in ("1d", "1w", "1mo"):
        # An end-stamped bar at midnight closes the previous day.
        moment = index - pd.Timedelta(microseconds=1) if stamps == "end" else index
        if code == "1d":
            return moment.normalize()
        period = moment.to_period("W-SUN" if code == "1w" else "M")
        days = pd.Series(moment.normalize(), index=index)
        first = days.groupby(period.asi8, sort=False).transform("min")  # the bar's opening day
        return pd.DatetimeIndex(first.to_numpy(), tz=index.tz)
    step = TIMEFRAMES[code]
    return index.ceil(step) if stamps == "end" else index.floor(step)


class Aligned(dict[str, pd.DataFrame]):
    """Frames cut to their common date range; ``lost`` says how many bars each gave up."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        lost: Mapping[str, int],
        start: pd.Timestamp,
        end: pd.Timestamp,
    ) -> None:
        super().__init__(frames)
        self.lost = dict(lost)
        self.start = start
        self.end = end

    def report(self) -> str:
        """One line for the user, e.g. before a multi-symbol backtest."""
        parts = ", ".join(f"{s} {n}" for s, n in self.lost.items())
        return f"Common range {_fmt(self.start)} to {_fmt(self.end)}; bars dropped: {parts}."


def align(frames: Mapping[str, pd.DataFrame]) -> Aligned:
    """Restrict every frame to the dates all of them cover (first common to last common bar).

    Bars inside the range are kept even where another symbol has no bar at that date:
    holidays differ between markets and filling them is the caller's decision.

    Raises:
        DataError: no frames, an empty frame, or the date ranges do not overlap.
    """
    if not frames or any(df.empty for df in frames.values()):
        raise DataError("Nothing to align: every symbol needs at least one bar.")
    start = max(df.index[0] for df in frames.values())
    end = min(df.index[-1] for df in frames.values())
    if start > end:
        spans = "; ".join(
            f"{s} {_fmt(df.index[0])} to {_fmt(df.index[-1])}" for s, df in frames.items()
        )
        raise DataError(f"The symbols share no dates ({spans}). Choose symbols whose data overlap.")
    cut = {s: df.loc[start:end] for s, df in frames.items()}
    lost = {s: len(frames[s]) - len(df) for s, df in cut.items()}
    return Aligned(cut, lost, start, end)
