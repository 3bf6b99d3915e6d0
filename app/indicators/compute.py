"""Compute any catalog indicator over a whole series of bars, vectorised with numpy.

Results match TA-Lib (values within 1e-8, identical NaN positions) for every indicator
TA-Lib has; ``tests/test_indicators.py`` proves it on real data. Conventions:

* Output is float64, one value per bar, NaN where the indicator is not defined yet.
* Leading NaNs in ``source`` (a nested indicator's warm-up) are skipped before computing,
  exactly as TA-Lib's Python wrapper does, so ``ema(sma(close, 10), 5)`` starts where
  TA-Lib's would. A NaN *inside* the data makes windowed indicators NaN while it is in the
  window and recursive ones (EMA, RSI, MACD, ATR, ADX) NaN from there on.
* Where TA-Lib refuses a parameter the catalog allows (period 1 for most), the result is
  the definition's natural limit: ``sma(x, 1) == x``, ``stddev(x, 1) == 0``, and so on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.indicators import _bars, _series
from app.indicators._kernels import FloatArray, nans
from app.indicators.bars import Bars
from app.indicators.catalog import CATALOG, IndicatorDef

Result = FloatArray | dict[str, FloatArray]

_ON_SOURCE: dict[str, Callable[..., Result]] = {
    "sma": _series.sma,
    "ema": _series.ema,
    "wma": _series.wma,
    "rsi": _series.rsi,
    "roc": _series.roc,
    "highest": _series.highest,
    "lowest": _series.lowest,
    "stddev": _series.stddev,
    "bollinger": _series.bollinger,
    "macd": _series.macd,
}
"""Indicators of one series (``takes_source``): called as ``fn(series, *params)``."""

_HLC = ("high", "low", "close")
_ON_FIELDS: dict[str, tuple[tuple[str, ...], Callable[..., Result]]] = {
    "stoch": (_HLC, _bars.stoch),
    "atr": (_HLC, _bars.atr),
    "adx": (_HLC, _bars.adx),
    "vwap": ((*_HLC, "volume"), _bars.vwap),
    "avg_volume": (("volume",), _series.sma),
}
"""Indicators of bar fields: called as ``fn(*fields, *params)`` with those fields."""


def compute(
    name: str,
    bars: Bars,
    source: np.ndarray | None,
    params: tuple[float, ...],
    output: str | None,
) -> FloatArray:
    """One output of indicator ``name`` for every bar.

    ``source`` is the evaluated source series for ``takes_source`` indicators (close when
    None) and must be None for the others; ``params`` holds every parameter in catalog
    order; ``output`` picks a named output (the first one when None).
    """
    spec = _definition(name)
    values = _parameters(spec, params)
    if spec.takes_source:
        result = _skip_leading_nans(_ON_SOURCE[name], _source(bars, source), values)
    elif source is not None:
        raise ValueError(f"{name} is computed from the bars and takes no source series")
    elif name in ("opening_high", "opening_low"):
        price = bars.high if name == "opening_high" else bars.low
        (first_bars,) = values  # its one parameter, a whole number
        result = _bars.opening_range(
            bars.session_days(), price, int(first_bars), high=name == "opening_high"
        )
    else:
        fields, fn = _ON_FIELDS[name]
        result = _skip_leading_nans(fn, _fields(bars, fields), values)
    return _pick(spec, result, output)


def _definition(name: str) -> IndicatorDef:
    try:
        return CATALOG[name]
    except KeyError:
        raise ValueError(f"unknown indicator {name!r}") from None


def _parameters(spec: IndicatorDef, params: tuple[float, ...]) -> tuple[int | float, ...]:
    """Check arity and ranges here too, so a bad spec fails loudly rather than computing."""
    if len(params) != len(spec.params):
        raise ValueError(f"{spec.name} takes {len(spec.params)} parameters, got {len(params)}")
    values: list[int | float] = []
    for param, value in zip(spec.params, params):
        if not param.low <= value <= param.high:
            raise ValueError(
                f"{spec.name} {param.name}={value} outside [{param.low}, {param.high}]"
            )
        if param.integer and not float(value).is_integer():
            raise ValueError(f"{spec.name} {param.name} must be a whole number, got {value}")
        values.append(int(value) if param.integer else float(value))
    return tuple(values)


def _source(bars: Bars, source: np.ndarray | None) -> tuple[FloatArray]:
    series = bars.close if source is None else np.asarray(source, dtype=np.float64)
    if series.shape != bars.close.shape:
        raise ValueError(f"source has shape {series.shape}, bars have {bars.close.shape}")
    return (series,)


def _fields(bars: Bars, names: tuple[str, ...]) -> tuple[FloatArray, ...]:
    return tuple(bars.field(n) for n in names)


def _first_valid(arrays: tuple[FloatArray, ...]) -> int:
    """Index of the first bar where no input is NaN (TA-Lib wrapper's ``begidx``)."""
    missing = np.logical_or.reduce([np.isnan(a) for a in arrays])
    valid = np.flatnonzero(~missing)
    return int(valid[0]) if valid.size else missing.size


def _skip_leading_nans(
    fn: Callable[..., Result], arrays: tuple[FloatArray, ...], values: tuple[int | float, ...]
) -> Result:
    """Run ``fn`` on the inputs after their leading NaNs and pad the result back."""
    start = _first_valid(arrays)
    result = fn(*(a[start:] for a in arrays), *values)
    return _pad(result, start)


def _pad(result: Result, start: int) -> Result:
    if isinstance(result, dict):
        return {k: _pad_array(v, start) for k, v in result.items()}
    return _pad_array(result, start)


def _pad_array(values: FloatArray, start: int) -> FloatArray:
    return values if start == 0 else np.concatenate((nans(start), values))


def _pick(spec: IndicatorDef, result: Result, output: str | None) -> FloatArray:
    if not spec.outputs:
        if output is not None:
            raise ValueError(f"{spec.name} has no output {output!r}")
        assert not isinstance(result, dict)
        return result
    chosen = output or spec.default_output
    if chosen not in spec.outputs:
        raise ValueError(f"{spec.name} outputs are {', '.join(spec.outputs)}; not {output!r}")
    assert isinstance(result, dict)
    return result[chosen]
