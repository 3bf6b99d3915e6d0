"""A symbol's bars as they arrive, with the execution path's arrays kept up to date.

The runner knows only the bars it has been handed. When a bar arrives, the rules, ATR
levels and screen values of *that* bar are computed by :func:`prepare_symbol` over the
last ``window`` bars (indicators are causal, so the value equals the one the backtest
computes over the whole history as long as the window covers the indicators' memory)
and appended; earlier bars' values never change. :meth:`LiveSymbol.view` hands the
session a :class:`SymbolData` over the bars so far, built of views, not copies.

When every indicator of the rules and the screen is a trailing window (SMA, WMA, ROC,
highest, lowest, stddev, Bollinger, average volume: their value at a bar depends on a
bounded number of bars before it), :class:`BarSignals` computes one bar of *all* the
symbols in one evaluation: each symbol's last bars, exactly as many as the rules look
back over, side by side in one series. Per symbol that is the same arithmetic on the
same values; the cost of an evaluation (Python and numpy call overhead, not the
arithmetic) is paid once a bar instead of once per symbol. The EMA family and the
session indicators remember their whole window: those specs keep the per-symbol path.

Bar times arrive on the run's clock (:mod:`app.instruments.clock`: UTC when the universe
mixes zones); the indicators and sessions see the venue's wall time, kept beside them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from app.execution.symbol_data import SymbolData, prepare_symbol
from app.indicators.bars import Bars
from app.instruments import instrument
from app.instruments.clock import from_run_clock, to_run_clock
from app.engine.evaluate import Evaluator
from app.engine.signals import rule_signals
from app.indicators.compute import compute
from app.spec import expr as E
from app.spec.models import AtrLevel, StrategySpec

DEFAULT_WINDOW = 5000
"""Bars each per-bar computation looks back over."""
_SIGNALS = ("long_entry", "long_exit", "short_entry", "short_exit")
_FRAME_COLUMNS = pd.Index(["open", "high", "low", "close", "volume"])


class LiveSymbol:
    """Growing arrays of one symbol's bars and per-bar signals."""

    def __init__(
        self,
        spec: StrategySpec,
        symbol: str,
        window: int = DEFAULT_WINDOW,
        capacity: int = 512,
        clock: str | None = None,
    ) -> None:
        self.spec, self.symbol, self.window = spec, symbol, window
        self.inst = instrument(symbol)
        self.zone = self.inst.timezone
        self.clock = clock or self.zone
        """The zone of the run's clock (the bars' own unless the run mixes zones)."""
        self.n = 0
        self._t = np.zeros(capacity, np.int64)
        self._local = self._t if self.clock == self.zone else np.zeros(capacity, np.int64)
        self._px = np.zeros((5, capacity))
        self._sig = {name: np.zeros(capacity, bool) for name in _SIGNALS}
        periods = {
            lv.period
            for lv in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
            if isinstance(lv, AtrLevel)
        }
        self._atr = {p: np.full(capacity, np.nan) for p in periods}
        self._screen = spec.screen is not None
        self._rank = np.full(capacity, np.nan)
        self._ok = np.ones(capacity, bool)
        self._pos = np.zeros(capacity, np.int64)

    # ----------------------------------------------------------------- input
    def append(self, time_ns: int, bar: Sequence[float]) -> None:
        """Add one closed bar (at ``time_ns`` of the run's clock); compute its signals."""
        self.push(time_ns, bar)
        self.compute_last()

    def push(self, time_ns: int, bar: Sequence[float]) -> None:
        """Add one closed bar without computing its signals (:class:`BarSignals` or
        :meth:`compute_last` does, before anything reads them)."""
        self._grow(self.n + 1)
        self._t[self.n] = time_ns
        if self._local is not self._t:
            self._local[self.n] = from_run_clock(np.array([time_ns]), self.clock, self.zone)[0]
        self._px[:, self.n] = bar
        self.n += 1

    def compute_last(self) -> None:
        """The last bar's signals, from a computation over the last ``window`` bars."""
        self._compute(max(0, self.n - self.window), self.n, self.n - 1)

    def extend(self, frame: pd.DataFrame) -> None:
        """Add many bars (a warm-up) with the values :meth:`append` would have given."""
        if frame.empty:
            return
        k = len(frame)
        self._grow(self.n + k)
        start = self.n
        local = frame.index.values.astype("datetime64[ns]").view(np.int64)
        self._t[start : start + k] = to_run_clock(frame.index, self.zone, self.clock)
        if self._local is not self._t:
            self._local[start : start + k] = local
        self._px[:, start : start + k] = (
            frame[["open", "high", "low", "close", "volume"]].to_numpy(np.float64).T
        )
        self.n += k
        # Bars still inside the first window share one computation window: one pass.
        bulk_end = min(self.n, self.window)
        if start < bulk_end:
            self._compute(0, bulk_end, start)
        for i in range(max(start, bulk_end), self.n):
            self._compute(i + 1 - self.window, i + 1, i)

    # ----------------------------------------------------------------- output
    def view(self) -> SymbolData:
        n = self.n
        times = self._t[:n]
        o, h, lo, c, v = (self._px[j, :n] for j in range(5))
        bars = Bars(self._local[:n].view("datetime64[ns]"), o, h, lo, c, v)
        le, lx, se, sx = (self._sig[s][:n] for s in _SIGNALS)
        data = SymbolData(
            self.symbol,
            bars,
            times,
            le,
            lx,
            se,
            sx,
            atr={p: a[:n] for p, a in self._atr.items()},
            fractional=self.inst.fractional,
        )
        if self._screen:
            data.rank, data.screen_pos = self._rank[:n], self._pos[:n]
        return data

    def frame(self, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
        """The bars so far as the loader gives them (the gates' view of the universe);
        ``index``: these bars' times, already made (symbols in step share one)."""
        n = self.n
        if index is None:
            index = pd.DatetimeIndex(self._local[:n].view("datetime64[ns]"), name="date")
        # A view of the bars kept (written once, never changed), not a copy: 500 of these
        # a bar are the universe the gates read (a list of names costs 4x the frame).
        return pd.DataFrame(self._px[:, :n].T, index=index, columns=_FRAME_COLUMNS, copy=False)

    def index_of(self, time_ns: int) -> int:
        """The bar at ``time_ns`` (or the last one before it)."""
        return max(int(np.searchsorted(self._t[: self.n], time_ns, side="right")) - 1, 0)

    # ----------------------------------------------------------------- screen
    def screen_score(self) -> float:
        """This bar's ranking score (NaN when the filter fails)."""
        i = self.n - 1
        value = (
            self._rank[i] if self.spec.screen and self.spec.screen.descending else -self._rank[i]
        )
        return float(value) if self._ok[i] else float("nan")

    def set_screen_place(self, place: int, allowed: bool) -> None:
        i = self.n - 1
        self._pos[i] = place
        if not allowed:
            self._sig["long_entry"][i] = False
            self._sig["short_entry"][i] = False

    # ----------------------------------------------------------------- internals
    def _compute(self, lo: int, hi: int, first: int) -> None:
        """Signals of bars ``first..hi-1`` from a computation over bars ``lo..hi-1``."""
        lo = max(lo, 0)
        o, h, low, c, v = (self._px[j, lo:hi] for j in range(5))
        b = Bars(self._local[lo:hi].view("datetime64[ns]"), o, h, low, c, v)
        d = prepare_symbol(self.spec, self.symbol, b)
        k = first - lo
        for name in _SIGNALS:
            self._sig[name][first:hi] = getattr(d, name)[k:]
        for p, arr in self._atr.items():
            arr[first:hi] = d.atr[p][k:]
        if self._screen:
            assert d.rank is not None
            self._rank[first:hi] = d.rank[k:]
            if d.screen_ok is not None:
                self._ok[first:hi] = d.screen_ok[k:]

    def _grow(self, need: int) -> None:
        cap = self._t.size
        if need <= cap:
            return
        new = max(need, 2 * cap)

        def grown(a: np.ndarray, fill: object) -> np.ndarray:
            out = np.full(a.shape[:-1] + (new,), fill, dtype=a.dtype)
            out[..., :cap] = a
            return out

        same = self._local is self._t
        self._t = grown(self._t, 0)
        self._local = self._t if same else grown(self._local, 0)
        self._px = grown(self._px, 0.0)
        self._sig = {k: grown(v, False) for k, v in self._sig.items()}
        self._atr = {k: grown(v, np.nan) for k, v in self._atr.items()}
        self._rank, self._ok = grown(self._rank, np.nan), grown(self._ok, True)
        self._pos = grown(self._pos, 0)


_WINDOWED = frozenset(
    {"sma", "wma", "roc", "highest", "lowest", "stddev", "bollinger", "avg_volume"}
)
"""Indicators whose value at a bar is a function of the last ``lookback + 1`` values of
their input alone (TA-Lib's definitions: a NaN in that window makes it NaN, none before it
matters)."""


def memory(node: object) -> int | None:
    """How many bars before a bar the value of ``node`` at that bar depends on; None when
    some part depends on everything before it (EMA family, sessions, VWAP)."""
    if isinstance(node, (E.Num, E.FieldRef)):
        return 0
    own, parts = 0, list[object]()
    if isinstance(node, E.Indicator):
        if node.name not in _WINDOWED:
            return None
        own = int(node.numbers()[0]) - (0 if node.name == "roc" else 1)
        parts = [] if node.source is None else [node.source]
    elif isinstance(node, E.Lag):
        own, parts = node.bars, [node.expr]
    elif isinstance(node, E.Cross):  # compares with the previous bar too
        own, parts = 1, [node.left, node.right]
    elif isinstance(node, E.Neg):
        parts = [node.expr]
    elif isinstance(node, (E.BinOp, E.Compare)):
        parts = [node.left, node.right]
    elif isinstance(node, (E.And, E.Or)):
        parts = list(node.items)
    elif isinstance(node, E.Not):
        parts = [node.item]
    else:
        return None
    spans = [memory(x) for x in parts]
    if any(x is None for x in spans):
        return None
    return own + max((x for x in spans if x is not None), default=0)


def _nodes(spec: StrategySpec) -> list[object]:
    nodes: list[object] = [
        r
        for r in (spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit)
        if r is not None
    ]
    if spec.screen is not None:
        nodes.append(spec.screen.rank_by)
        if spec.screen.filter is not None:
            nodes.append(spec.screen.filter)
    return nodes


class BarSignals:
    """One bar's signals for many symbols of one spec (see the module's docstring)."""

    def __init__(self, spec: StrategySpec, window: int) -> None:
        self.spec, self.window = spec, window
        spans = [memory(n) for n in _nodes(spec)]
        self.span: int | None = (
            None
            if any(x is None for x in spans)
            else max((x for x in spans if x is not None), default=0)
        )
        """Bars before the current one the rules and the screen read (None: unbounded)."""

    def compute(self, symbols: Sequence[LiveSymbol]) -> None:
        """Each symbol's last bar's signals, as :meth:`LiveSymbol.compute_last` gives them."""
        if self.span is None or len(symbols) < 2:
            for sym in symbols:
                sym.compute_last()
            return
        width = min(self.window, self.span + 1)
        k = len(symbols)
        px = np.full((5, k * width), np.nan)
        for i, sym in enumerate(symbols):
            m = min(sym.n, width)
            px[:, (i + 1) * width - m : (i + 1) * width] = sym._px[:, sym.n - m : sym.n]
        bars = Bars(np.zeros(k * width, "datetime64[ns]"), *px)
        ev = Evaluator(bars)
        sig = rule_signals(self.spec, bars, ev)
        last = np.arange(1, k + 1) * width - 1
        long_on, short_on = self.spec.direction != "short", self.spec.direction != "long"
        values = {
            "long_entry": sig.long_entry[last] & long_on,
            "long_exit": sig.long_exit[last] & long_on,
            "short_entry": sig.short_entry[last] & short_on,
            "short_exit": sig.short_exit[last] & short_on,
        }
        screen = self.spec.screen
        rank = ok = None
        if screen is not None:
            rank = ev.series(screen.rank_by)[last]
            ok = ev.condition(screen.filter)[last] if screen.filter is not None else None
        for i, sym in enumerate(symbols):
            j = sym.n - 1
            for name, arr in values.items():
                sym._sig[name][j] = arr[i]
            if rank is not None:
                sym._rank[j] = rank[i]
                if ok is not None:
                    sym._ok[j] = ok[i]
            for p, atr in sym._atr.items():  # ATR is recursive: over the whole window
                lo = max(0, sym.n - sym.window)
                o, h, low, c, v = (sym._px[f, lo : sym.n] for f in range(5))
                b = Bars(sym._local[lo : sym.n].view("datetime64[ns]"), o, h, low, c, v)
                atr[j] = compute("atr", b, None, (float(p),), None)[-1]


def universe_frames(symbols: Sequence[LiveSymbol]) -> dict[str, pd.DataFrame]:
    """Every symbol's :meth:`LiveSymbol.frame`, with one index object shared by symbols
    whose bar times are the same (a live universe's usually are): building 500 indexes a
    bar cost more than the frames, and the equal-weight benchmark aligns shared indexes
    without comparing them."""
    frames: dict[str, pd.DataFrame] = {}
    times: np.ndarray | None = None
    index: pd.DatetimeIndex | None = None
    for sym in symbols:
        local = sym._local[: sym.n]
        if index is None or times is None or not np.array_equal(times, local):
            times = local.copy()
            index = pd.DatetimeIndex(times.view("datetime64[ns]"), name="date")
        frames[sym.symbol] = sym.frame(index)
    return frames


def apply_screen_now(symbols: Sequence[LiveSymbol], top: int) -> None:
    """Rank the symbols that have a bar now (universe order breaks ties) and keep the
    top N, as :func:`app.execution.screen.apply_screen` does for one timestamp."""
    if not symbols:
        return
    scores = np.array([s.screen_score() for s in symbols])
    order = np.argsort(-scores, kind="stable")  # NaN sorts last
    place = np.empty(len(symbols), np.int64)
    place[order] = np.arange(len(symbols))
    for s, p, score in zip(symbols, place.tolist(), scores.tolist()):
        s.set_screen_place(p, p < top and not np.isnan(score))
