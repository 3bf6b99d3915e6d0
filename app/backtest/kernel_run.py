"""The kernel's inputs laid out from a prepared backtest, and one call of it.

The bars and signals stay on each symbol's own bars: column ``s`` of an (L, S) grid holds
symbol ``s``'s bars from its first (warm-up included), padded after its last; ``bar_ix``
maps the union timeline onto them. :func:`market` builds what every variant of a run
shares, :func:`signals` what one variant's rules give, :func:`simulate` runs the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.backtest.kernel_codes import FIXED_SHARES, FIXED_USD, PCT_EQUITY, RISK_PCT
from app.backtest.prepare import Prepared
from app.execution.costs import CostModel
from app.execution.sizing import DEFAULT_SIZING
from app.spec.models import AtrLevel, PctLevel, StrategySpec

_COST = {"none": 0, "per_share": 1, "percent": 2, "fixed": 3}
_SIZING = {
    "pct_equity": PCT_EQUITY,
    "risk_pct": RISK_PCT,
    "fixed_usd": FIXED_USD,
    "fixed_shares": FIXED_SHARES,
}


@dataclass
class Market:
    """What every variant of one run shares: the bars, on own-bar (L, S) grids."""

    symbols: tuple[str, ...]
    union: np.ndarray
    """Bar times (int64 ns) of any symbol inside the window."""
    bar_ix: np.ndarray
    """(T, S) the symbol's own bar index at each union time, -1 where it has none."""
    first: np.ndarray
    """(S,) the symbol's first bar inside the window (no entry before it)."""
    fractional: np.ndarray
    lengths: np.ndarray
    """(S,) bars per symbol, warm-up included."""
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.open.shape[0])


@dataclass
class Signals:
    """One variant's rules and ATR distances, (L, S) on own bars (ATR NaN when unused)."""

    long_entry: np.ndarray
    long_exit: np.ndarray
    short_entry: np.ndarray
    short_exit: np.ndarray
    atr_stop: np.ndarray
    atr_target: np.ndarray
    atr_trail: np.ndarray


@dataclass
class KernelRun:
    """The kernel's output: closed trades (TRADE_FIELDS rows), the equity at each union
    close, the FLAGS counts and the end state (S, STATE_FIELDS)."""

    trades: np.ndarray
    equity: np.ndarray
    flags: np.ndarray
    state: np.ndarray


def market(prepared: Prepared, ranges: bool = True) -> Market:
    """The shared grids; ``ranges=False`` when no protective exit can read the bars' highs
    and lows (the kernel reads them only then): those two grids are then one NaN seen
    everywhere (:func:`constant`), 16 bytes a symbol-bar less."""
    datas, union = prepared.datas, prepared.union
    T, S = union.size, len(datas)
    lengths = np.array([d.n for d in datas], dtype=np.int64)
    bar_ix = np.full((T, S), -1, dtype=np.int64)
    for s, (data, first) in enumerate(zip(datas, prepared.first_bar)):
        at = np.searchsorted(union, data.times[first:])
        bar_ix[at, s] = np.arange(first, data.n)
    rows = max(d.n for d in datas)
    grids = [
        stack([getattr(d, name) for d in datas], np.nan, rows)
        if ranges or name in ("open", "close")
        else constant(np.nan, (rows, S))
        for name in ("open", "high", "low", "close")
    ]
    return Market(
        tuple(d.symbol for d in datas),
        union,
        bar_ix,
        np.asarray(prepared.first_bar, dtype=np.int64),
        np.array([d.fractional for d in datas], dtype=np.bool_),
        lengths,
        *grids,
    )


def stack(
    columns: Sequence[np.ndarray],
    fill: object,
    rows: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Per-symbol arrays as the columns of one (L, S) grid, padded with ``fill``."""
    if out is None:
        rows = max(len(c) for c in columns) if rows is None else rows
        dtype = np.result_type(*[c.dtype for c in columns]) if columns else np.float64
        out = np.empty((rows, len(columns)), dtype=dtype)
    out.fill(fill)
    for s, col in enumerate(columns):
        out[: len(col), s] = col
    return out


def constant(value: float, shape: tuple[int, int]) -> np.ndarray:
    """A float64 grid of ``shape`` holding ``value`` everywhere in 8 bytes (zero strides),
    for inputs the kernel only reads."""
    one = np.full(1, value, dtype=np.float64)
    return np.lib.stride_tricks.as_strided(one, shape=shape, strides=(0, 0), writeable=True)


def prepared_signals(prepared: Prepared, rows: int) -> Signals:
    """The rules as the backtest prepared them (entries before the window already off)."""
    datas = prepared.datas
    le, lx, se, sx = (
        stack([getattr(d, name) for d in datas], False, rows)
        for name in ("long_entry", "long_exit", "short_entry", "short_exit")
    )
    none = constant(np.nan, (rows, len(datas)))  # no ATR level on this path
    return Signals(le, lx, se, sx, none, none, none)


def simulate(
    spec: StrategySpec,
    m: Market,
    sig: Signals,
    cash: float,
    commission: CostModel,
    slippage: CostModel,
) -> KernelRun:
    """One run of the kernel over the market with these signals."""
    from app.backtest import kernel_codes as K
    from app.backtest.kernel_aot import simulate_function

    slots = max(16, int(np.count_nonzero(sig.long_entry)) + int(np.count_nonzero(sig.short_entry)))
    trades = np.zeros((slots, K.TRADE_FIELDS))
    equity = np.empty(m.union.size)
    flags = np.zeros(K.FLAGS)
    state = np.zeros((len(m.symbols), K.STATE_FIELDS))
    sizing = spec.sizing or DEFAULT_SIZING
    lim = spec.limits
    n = simulate_function()(
        m.open,
        m.high,
        m.low,
        m.close,
        m.bar_ix,
        m.first,
        m.fractional,
        sig.long_entry,
        sig.long_exit,
        sig.short_entry,
        sig.short_exit,
        sig.atr_stop,
        sig.atr_target,
        sig.atr_trail,
        levels(spec),
        _SIZING[sizing.kind],
        float(sizing.value),
        spec.max_hold_bars or 0,
        spec.max_positions or 0,
        lim.max_position_pct or 0.0,
        lim.max_exposure_pct or 0.0,  # as the risk gate: long-only at the default cap is
        # held to 1x by the cash rule, and shorts never take this path
        float(cash),
        _COST[commission.kind],
        commission.value,
        _COST[slippage.kind],
        slippage.value,
        trades,
        equity,
        flags,
        state,
    )
    return KernelRun(trades[:n], equity, flags, state)


def levels(spec: StrategySpec) -> np.ndarray:
    """Stop, target and trail as (pct, atr k) pairs, NaN when unused."""
    out = np.full(6, np.nan)
    for k, level in enumerate((spec.stop_loss, spec.take_profit, spec.trailing_stop)):
        if isinstance(level, PctLevel):
            out[2 * k] = level.pct
        elif isinstance(level, AtrLevel):
            out[2 * k + 1] = level.atr
    return out
