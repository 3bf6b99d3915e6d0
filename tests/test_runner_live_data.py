"""The universe the runner hands the gates: each symbol's frame as it was, one shared index
for symbols in step."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.dsl import parse_spec
from app.market.synthetic import synthetic_market
from app.runner.live_data import LiveSymbol, universe_frames

SPEC = parse_spec(
    'strategy "u"\nuniverse SYN000, SYN001, SYN002\ntimeframe 1d\n'
    "long when sma(close, 5) crosses above sma(close, 20)\n"
    "exit when sma(close, 5) crosses below sma(close, 20)\nsize 10 shares\n"
)


def test_universe_frames_equal_each_frame_and_share_one_index_when_in_step() -> None:
    frames = synthetic_market(3, 60, seed=5)
    live = {s: LiveSymbol(SPEC, s, window=50) for s in frames}
    for s, f in frames.items():
        live[s].extend(f.iloc[:40] if s != "SYN002" else f.iloc[:39])
    got = universe_frames(list(live.values()))
    assert list(got) == list(frames)
    for s, sym in live.items():
        pd.testing.assert_frame_equal(got[s], sym.frame())
    assert got["SYN000"].index is got["SYN001"].index  # in step: one index
    assert got["SYN002"].index is not got["SYN001"].index  # a bar short: its own
    live["SYN000"].append(int(frames["SYN000"].index[40].value), [1.0, 2.0, 0.5, 1.5, 10.0])
    assert len(got["SYN000"]) == 40  # a frame handed out never grows with later bars


# ----------------------------------------------------------------- one bar, all symbols
REAL = ["AAPL", "MSFT", "XOM", "GE", "JPM", "AMZN", "NFLX", "F", "T", "KO", "BA", "AMD"]
WINDOWED = parse_spec(
    'strategy "w"\nuniverse ' + ", ".join(REAL) + "\ntimeframe 1d\n"
    "screen where close > sma(close, 50) and not volume < avg_volume(20) "
    "rank by roc(close, 20) top 4\n"
    "long when sma(close, 5) crosses above sma(close, 20) or close > highest(high, 15)[1]\n"
    "exit long when close < bollinger(close, 20, 2).lower or roc(sma(close, 3), 4) < -3\n"
    "short when close < lowest(low, 10)[1] and stddev(close, 10) > 0.5 * "
    "wma(close, 8) / 100\n"
    "exit short when sma(close, 5) crosses above sma(close, 20)\n"
    "size 10 shares\n"
)
RECURSIVE = parse_spec(
    'strategy "r"\nuniverse ' + ", ".join(REAL[:4]) + "\ntimeframe 1d\n"
    "long when ema(close, 5) crosses above sma(close, 20) and rsi(close, 14) < 70\n"
    "exit when ema(close, 5) crosses below sma(close, 20)\n"
    "size 10 shares\nstop loss 2 atr(14)\n"
)


def _real(symbols: list[str], bars: int) -> dict[str, pd.DataFrame]:
    from app.market.universe import load_universe

    loaded = load_universe(symbols)
    return {s: loaded[s].iloc[:bars] for s in symbols}


def _bar_by_bar(spec, frames, window, batched, start):  # type: ignore[no-untyped-def]
    """Feed the frames bar by bar (symbol i joins ``start[i]`` bars late); one LiveSymbol
    per symbol, its signals from BarSignals (batched) or each symbol's own computation."""
    from app.runner.live_data import BarSignals

    live = {s: LiveSymbol(spec, s, window=window) for s in frames}
    signals = BarSignals(spec, window)
    times = next(iter(frames.values())).index
    for t in range(len(times)):
        present = [live[s] for i, s in enumerate(frames) if t >= start[i]]
        for sym in present:
            bar = frames[sym.symbol].iloc[t]
            if batched:
                sym.push(int(times[t].value), bar[["open", "high", "low", "close", "volume"]])
            else:
                sym.append(int(times[t].value), bar[["open", "high", "low", "close", "volume"]])
        if batched:
            signals.compute(present)
    return live, signals


def _assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    for s in a:
        va, vb = a[s].view(), b[s].view()
        assert va.n == vb.n
        for name in ("long_entry", "long_exit", "short_entry", "short_exit"):
            assert (getattr(va, name) == getattr(vb, name)).all(), (s, name)
        for p in va.atr:
            np.testing.assert_allclose(va.atr[p], vb.atr[p], rtol=1e-12, equal_nan=True)
        if va.rank is not None:
            np.testing.assert_allclose(va.rank, vb.rank, rtol=1e-12, equal_nan=True)
            assert (a[s]._ok[: va.n] == b[s]._ok[: vb.n]).all()


def test_one_evaluation_for_all_symbols_equals_each_symbols_own_bar_by_bar_on_real_data() -> None:
    """The batched bar (windowed indicators, one evaluation for the universe) gives every
    symbol, at every bar, the signals and screen values its own computation gives; symbols
    that join late (fewer bars than the rules look back over) included."""
    from app.execution.symbol_data import prepare_symbol
    from app.indicators.bars import Bars

    frames = _real(REAL, 260)
    start = [0, 0, 3, 7, 12, 19, 25, 40, 0, 1, 2, 30]
    batched, signals = _bar_by_bar(WINDOWED, frames, 300, True, start)
    assert signals.span == 49  # the slowest part: the screen's sma(close, 50)
    own, _ = _bar_by_bar(WINDOWED, frames, 300, False, start)
    _assert_same(batched, own)
    fired = sum(
        int(batched[s].view().long_entry.sum() + batched[s].view().short_entry.sum()) for s in REAL
    )
    assert fired > 20  # the rules do fire on these bars: the comparison is not of zeros
    for i, s in enumerate(REAL):  # and equals the backtest's one pass over the history
        full = prepare_symbol(WINDOWED, s, Bars.from_frame(frames[s].iloc[start[i] :]))
        for name in ("long_entry", "long_exit", "short_entry", "short_exit"):
            assert (getattr(batched[s].view(), name) == getattr(full, name)).all(), (s, name)


def test_rules_that_remember_their_whole_window_are_computed_symbol_by_symbol() -> None:
    from app.runner.live_data import BarSignals, memory

    assert BarSignals(RECURSIVE, 300).span is None
    assert memory(WINDOWED.long_entry) == 20  # sma(close, 20) at the bar before: 19 + 1
    frames = _real(REAL[:4], 120)
    start = [0, 5, 0, 9]
    batched, _ = _bar_by_bar(RECURSIVE, frames, 300, True, start)
    own, _ = _bar_by_bar(RECURSIVE, frames, 300, False, start)
    _assert_same(batched, own)
