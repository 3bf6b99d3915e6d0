"""How fast ``app.indicators.compute`` is, in bars per second, next to TA-Lib's C code.

Every catalog indicator runs with its default parameters over each bundled data file
(``app/data``); the equivalent TA-Lib call runs on the same arrays in the same process, so
the ratio is like for like. Multi-output indicators are timed for one output, TA-Lib for
its single call that returns them all. VWAP has no TA-Lib function; its baseline is the
same formula from TA-Lib's SUM. The opening range has no TA-Lib baseline at all.

    PYTHONPATH=. python benchmarks/bench_indicators.py [--tile K] [--repeat R]

``--tile K`` repeats each file K times end to end, to see the rate on long series where
numpy's per-call overhead no longer dominates.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import talib

from app.indicators.bars import Bars
from app.indicators.catalog import CATALOG
from app.indicators.compute import compute

DATA = Path(__file__).resolve().parents[1] / "app" / "data"

Baseline = Callable[[Bars], object]


def _talib_vwap(b: Bars) -> object:
    """The vwap formula from TA-Lib parts (zero-volume windows give NaN, as ours do)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        typical = talib.TYPPRICE(b.high, b.low, b.close)
        return talib.SUM(typical * b.volume, 20) / talib.SUM(b.volume, 20)


_BASELINES: dict[str, Baseline] = {
    "sma": lambda b: talib.SMA(b.close, 20),
    "ema": lambda b: talib.EMA(b.close, 20),
    "wma": lambda b: talib.WMA(b.close, 20),
    "rsi": lambda b: talib.RSI(b.close, 14),
    "roc": lambda b: talib.ROC(b.close, 10),
    "highest": lambda b: talib.MAX(b.close, 20),
    "lowest": lambda b: talib.MIN(b.close, 20),
    "stddev": lambda b: talib.STDDEV(b.close, 20, 1),
    "bollinger": lambda b: talib.BBANDS(b.close, 20, 2.0, 2.0, 0),
    "macd": lambda b: talib.MACD(b.close, 12, 26, 9),
    "stoch": lambda b: talib.STOCH(b.high, b.low, b.close, 14, 3, 0, 3, 0),
    "atr": lambda b: talib.ATR(b.high, b.low, b.close, 14),
    "adx": lambda b: talib.ADX(b.high, b.low, b.close, 14),
    "vwap": lambda b: _talib_vwap(b),
    "avg_volume": lambda b: talib.SMA(b.volume, 20),
}
"""TA-Lib doing the same job as each indicator at its catalog defaults."""


def load(tile: int) -> list[Bars]:
    """Every bundled CSV as Bars, each repeated ``tile`` times end to end."""
    out = []
    for path in sorted(DATA.glob("*.csv")):
        frame = pd.read_csv(path, index_col="Date", parse_dates=True)
        if tile > 1:
            step = frame.index[-1] - frame.index[0] + pd.Timedelta(days=1)
            frame = pd.concat([frame.set_axis(frame.index + i * step) for i in range(tile)])
        out.append(Bars.from_frame(frame))
    return out


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` timings, each averaging enough calls to last ~20 ms."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < 0.02:
        fn()
        calls += 1
    number, best = calls, elapsed / calls
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def measure(name: str, datasets: list[Bars], repeat: int) -> tuple[float, float | None]:
    """Seconds for one pass over all datasets: ours, and TA-Lib's (None if it has none)."""
    params = tuple(float(p.default) for p in CATALOG[name].params)
    ours = sum(
        best_time(lambda b=b: compute(name, b, None, params, None), repeat) for b in datasets
    )
    baseline = _BASELINES.get(name)
    if baseline is None:
        return ours, None
    theirs = sum(best_time(lambda b=b: baseline(b), repeat) for b in datasets)
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", type=int, default=1, help="repeat each file K times")
    parser.add_argument("--repeat", type=int, default=5, help="timings to take the best of")
    args = parser.parse_args()
    datasets = load(args.tile)
    bars = sum(len(b) for b in datasets)
    print(
        f"{len(datasets)} files, {bars:,} bars, numpy {np.__version__}, "
        f"TA-Lib {talib.__ta_version__.decode().split()[0]}\n"
    )
    print(f"{'indicator':<14}{'bars/s':>14}{'TA-Lib bars/s':>16}{'time ratio':>12}")
    results = {name: measure(name, datasets, args.repeat) for name in CATALOG}
    for name, (ours, theirs) in results.items():
        talib_rate = "-" if theirs is None else f"{bars / theirs:,.0f}"
        ratio = "n/a" if theirs is None else f"{ours / theirs:.1f}x"
        print(f"{name:<14}{bars / ours:>14,.0f}{talib_rate:>16}{ratio:>12}")
    total = sum(ours for ours, _ in results.values())
    paired = [(ours, theirs) for ours, theirs in results.values() if theirs is not None]
    ours_paired = sum(o for o, _ in paired)
    theirs_paired = sum(t for _, t in paired)
    print(
        f"\noverall: {len(results) * bars / total:,.0f} indicator-bars/s "
        f"({len(results)} indicators x {bars:,} bars in {total * 1e3:.2f} ms)"
    )
    print(
        f"the {len(paired)} with a TA-Lib baseline: {ours_paired * 1e3:.2f} ms vs TA-Lib "
        f"{theirs_paired * 1e3:.2f} ms, {ours_paired / theirs_paired:.1f}x TA-Lib's time"
    )


if __name__ == "__main__":
    main()
