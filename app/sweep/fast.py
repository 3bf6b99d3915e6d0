"""One variant through the compiled simulation, and whether its result is exact.

:func:`fast_eligible` says which specs the kernel covers at all. A covered variant can
still meet a rule the kernel leaves to the engine -- the pattern-day-trader limit under
$25,000 -- so :func:`run_fast` reports ``exact=False`` when its trades could have met
it, and the sweep reruns that variant through :func:`app.backtest.engine.run_backtest`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.backtest.kernel_run import Signals, simulate
from app.execution.costs import CostModel
from app.execution.limits import PDT_DAYS, PDT_EQUITY, PDT_MAX_DAY_TRADES
from app.instruments import instrument
from app.instruments.calendar import NEW_YORK, nyse_days
from app.instruments.clock import from_run_clock, run_zone
from app.spec.models import StrategySpec
from app.sweep.panel import Panel, variant_arrays


@dataclass
class FastRun:
    """A variant's equity at each union close and its closed trades (kernel rows)."""

    equity: np.ndarray
    trades: np.ndarray
    exact: bool
    open_positions: int


def fast_eligible(spec: StrategySpec) -> str | None:
    """Why the compiled path cannot run this spec (None: it can)."""
    if spec.regime is not None or spec.agents is not None:
        return "it has a regime filter or an agent team"
    if spec.screen is not None:
        return "it screens its universe"
    if spec.direction != "long":
        return "it sells short (the paper broker's margin rules run in the engine)"
    lim = spec.limits
    if lim.daily_loss_pct or lim.max_drawdown_pct or lim.circuit_breaker:
        return "it sets account limits"
    return None


def run_fast(
    spec: StrategySpec,
    panel: Panel,
    cash: float,
    commission: CostModel,
    slippage: CostModel,
    signals: Signals | None = None,
) -> FastRun:
    """Simulate one variant (``fast_eligible(spec)`` must be None), on its signals when
    they are given (:func:`app.sweep.panel.batch_signals`)."""
    sig = variant_arrays(spec, panel) if signals is None else signals
    run = simulate(spec, panel.market, sig, cash, commission, slippage)
    rows = run.trades
    return FastRun(
        run.equity,
        rows,
        pdt_free(rows, panel.union, panel.symbols, run.flags[2]),
        int(run.flags[4]),
    )


def pdt_free(
    rows: np.ndarray, union: np.ndarray, symbols: tuple[str, ...], lowest_equity: float
) -> bool:
    """True when the PDT limit could not have blocked an entry of this run: no three day
    trades in US equities within five NYSE sessions (the limits' own window)."""
    pdt = np.array([instrument(s).pdt for s in symbols], dtype=np.bool_)
    if lowest_equity >= PDT_EQUITY or not bool(pdt.any()) or rows.size == 0:
        return True
    t0, t1 = rows[:, 2].astype(np.int64), rows[:, 4].astype(np.int64)
    days = (
        from_run_clock(union, run_zone(symbols), NEW_YORK.key)
        .view("datetime64[ns]")
        .astype("datetime64[D]")
    )
    same = (days[t0] == days[t1]) & pdt[rows[:, 0].astype(np.int64)]
    if int(same.sum()) < PDT_MAX_DAY_TRADES:
        return True
    session = np.searchsorted(nyse_days(), np.sort(days[t1[same]]), side="right")
    window = session[PDT_MAX_DAY_TRADES - 1 :] - session[: -(PDT_MAX_DAY_TRADES - 1)]
    return bool((window >= PDT_DAYS).all())
