"""Indicators: every TA-Lib-defined one against TA-Lib itself on the bundled real data.

TA-Lib is a test-only reference: Parley computes every indicator itself (app/indicators)
and never imports it. The ``ta-lib`` wheel is in the dev extra; on a platform without one
this module skips with that reason, and the hand-computed checks in ``test_indicators.py``
still run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app.indicators.bars import Bars
from app.indicators.catalog import CATALOG, lookback
from app.indicators.compute import compute
from tests.test_indicators import FILES, _bars, assert_matches, bars_of

# A wheel that is absent or does not load (ImportError) skips, with the reason.
talib = pytest.importorskip(
    "talib",
    exc_type=ImportError,
    reason="TA-Lib is only a reference for these comparisons (the ta-lib wheel is not "
    "installed or does not load here); Parley itself never uses it",
)

Reference = Callable[[Bars], dict[str | None, np.ndarray]]


def _one(fn: Callable[..., np.ndarray], *fields: str, **kw: float) -> Reference:
    return lambda b: {None: fn(*(getattr(b, f) for f in fields), **kw)}


def _many(
    fn: Callable[..., tuple[np.ndarray, ...]], names: tuple[str, ...], *fields: str, **kw: float
) -> Reference:
    return lambda b: dict(zip(names, fn(*(getattr(b, f) for f in fields), **kw)))


def _cases() -> list[tuple[str, tuple[float, ...], Reference]]:
    """(indicator, params, TA-Lib reference) for several parameter sets of each."""
    cases: list[tuple[str, tuple[float, ...], Reference]] = []
    periods = (2, 5, 14, 20, 50, 200)
    simple = {
        "sma": talib.SMA,
        "ema": talib.EMA,
        "wma": talib.WMA,
        "rsi": talib.RSI,
        "roc": talib.ROC,
        "highest": talib.MAX,
        "lowest": talib.MIN,
    }
    for name, fn in simple.items():
        cases += [(name, (n,), _one(fn, "close", timeperiod=n)) for n in periods]
    cases += [("roc", (1,), _one(talib.ROC, "close", timeperiod=1))]
    cases += [("stddev", (n,), _one(talib.STDDEV, "close", timeperiod=n, nbdev=1)) for n in periods]
    cases += [("avg_volume", (n,), _one(talib.SMA, "volume", timeperiod=n)) for n in periods]
    for n in (1, *periods):
        cases.append(("atr", (n,), _one(talib.ATR, "high", "low", "close", timeperiod=n)))
    cases += [("adx", (n,), _one(talib.ADX, "high", "low", "close", timeperiod=n)) for n in periods]
    for n, k in ((20, 2.0), (5, 1.5), (50, 0.5), (2, 3.0), (14, 1.0)):
        ref = _many(
            talib.BBANDS,
            ("upper", "middle", "lower"),
            "close",
            timeperiod=n,
            nbdevup=k,
            nbdevdn=k,
            matype=0,
        )
        cases.append(("bollinger", (n, k), ref))
    for f, s, g in ((12, 26, 9), (5, 35, 5), (26, 12, 9), (2, 3, 1), (8, 8, 4)):
        ref = _many(
            talib.MACD,
            ("line", "signal", "hist"),
            "close",
            fastperiod=f,
            slowperiod=s,
            signalperiod=g,
        )
        cases.append(("macd", (f, s, g), ref))
    for k, ks, d in ((14, 3, 3), (5, 1, 1), (1, 1, 1), (21, 5, 4), (9, 3, 1)):
        ref = _many(
            talib.STOCH,
            ("k", "d"),
            "high",
            "low",
            "close",
            fastk_period=k,
            slowk_period=ks,
            slowk_matype=0,
            slowd_period=d,
            slowd_matype=0,
        )
        cases.append(("stoch", (k, ks, d), ref))
    return cases


CASES = _cases()


def test_every_indicator_is_tested() -> None:
    against_talib = {name for name, _, _ in CASES}
    by_hand = {"vwap", "opening_high", "opening_low"}
    assert against_talib | by_hand == set(CATALOG)


@pytest.mark.parametrize("file", FILES)
@pytest.mark.parametrize(
    ("name", "params", "reference"), CASES, ids=[f"{n}{p}" for n, p, _ in CASES]
)
def test_matches_talib(
    file: str, name: str, params: tuple[float, ...], reference: Reference
) -> None:
    bars = bars_of(file)
    floats = tuple(float(p) for p in params)
    for output, want in reference(bars).items():
        got = compute(name, bars, None, floats, output)
        assert_matches(got, want, f"{file} {name}{params}.{output}")
        assert int(np.argmax(~np.isnan(got))) == lookback(name, floats)


@pytest.mark.parametrize("file", FILES)
def test_nested_source_skips_leading_nans_like_talib(file: str) -> None:
    """``ema(sma(close, 10), 5)`` etc.: the inner warm-up shifts the outer one, as in TA-Lib."""
    bars = bars_of(file)
    inner = talib.SMA(bars.close, 10)
    checks = {
        ("ema", (5.0,), None): talib.EMA(inner, 5),
        ("rsi", (14.0,), None): talib.RSI(inner, 14),
        ("wma", (4.0,), None): talib.WMA(inner, 4),
        ("stddev", (7.0,), None): talib.STDDEV(inner, 7),
        ("macd", (12.0, 26.0, 9.0), "signal"): talib.MACD(inner, 12, 26, 9)[1],
        ("highest", (3.0,), None): talib.MAX(inner, 3),
    }
    for (name, params, output), want in checks.items():
        assert_matches(compute(name, bars, inner, params, output), want, f"{name} of sma")
    assert_matches(
        compute("sma", bars, bars.high, (10.0,), None), talib.SMA(bars.high, 10), "sma of high"
    )


def test_flat_series_follows_talib_conventions() -> None:
    bars = _bars([5.0] * 30, [5.0] * 30, [5.0] * 30)
    c = bars.close
    assert_matches(compute("rsi", bars, None, (14.0,), None), talib.RSI(c, 14), "rsi flat")
    assert_matches(
        compute("stoch", bars, None, (5.0, 3.0, 3.0), "d"),
        talib.STOCH(c, c, c, 5, 3, 0, 3, 0)[1],
        "stoch flat",
    )
    assert_matches(compute("adx", bars, None, (5.0,), None), talib.ADX(c, c, c, 5), "adx flat")
    assert_matches(compute("stddev", bars, None, (5.0,), None), talib.STDDEV(c, 5), "sd flat")
