"""The event loop without per-event callbacks, for specs where nothing is stateful.

When no gate decides (no regime filter, no agents), no protective exit watches the bars,
only longs open, and the equity does not size or cap a position, the compiled kernel
(:mod:`app.backtest.kernel`, the one the sweep runs) decides every trade of the run in one
call: flat -> an entry bar -> a fill at the next open -> the exit rule's (or the holding
limit's) bar -> a fill at the next open. :func:`fast_run` then books the fills, trades,
positions, orders and decision records the session would have made, pricing them through
the broker's own cost models.

Where the event loop would record more than trades -- a buy cut to the cash, an entry
refused by ``max positions`` or for a zero size, a same-day round trip the PDT rule counts
-- :func:`fast_run` books nothing and returns False, and the engine runs the full event
loop. So the answer is always the event loop's; ``tests/test_backtest_fast_path.py`` holds
them equal.
"""

from __future__ import annotations

import numpy as np

from app.backtest.booking import book
from app.backtest.kernel_run import KernelRun, market, prepared_signals, simulate
from app.backtest.prepare import Prepared
from app.execution.gate import GateChain
from app.execution.paper import PaperBroker
from app.execution.session import StrategySession
from app.execution.sizing import needs_equity
from app.spec.models import StrategySpec

_DAY_NS = 86_400 * 10**9


def eligible(spec: StrategySpec, chain: GateChain, session: StrategySession) -> bool:
    """Whether the spec's decisions need no per-event state (see the module docstring)."""
    lim = spec.limits
    return (
        chain.trivial
        and not chain.trade_listeners
        and spec.short_entry is None
        and spec.direction != "short"
        and spec.stop_loss is None
        and spec.take_profit is None
        and spec.trailing_stop is None
        and not needs_equity(spec)
        and not session.risk.needs_equity
        and lim.daily_loss_pct is None
        and lim.max_drawdown_pct is None
        and lim.circuit_breaker is None
    )


def fast_run(
    spec: StrategySpec, prepared: Prepared, broker: PaperBroker, session: StrategySession
) -> bool:
    """Book the run into ``broker`` and ``session``; False (nothing booked) when the event
    loop would have recorded more than the trades, so the caller must run it instead."""
    m = market(prepared, ranges=False)  # no protective exit reads highs and lows here
    run = simulate(
        spec,
        m,
        prepared_signals(prepared, m.rows),
        broker.account.cash,
        broker.commission,
        broker.slippage,
    )
    cut, _, _, capped, _, refused, zero = run.flags
    if cut or capped or refused or zero or _day_trade(run, m.union):
        return False
    opens = m.open
    del m  # the other grids (a third of the run's arrays) go before the booking's objects
    book(run, opens, prepared, broker, session)
    return True


def _day_trade(run: KernelRun, union: np.ndarray) -> bool:
    """Whether a closed trade opened and closed on one calendar day (the PDT rule counts
    it in the event loop)."""
    rows = run.trades
    t0 = union[rows[:, 2].astype(np.int64)] // _DAY_NS
    t1 = union[rows[:, 4].astype(np.int64)] // _DAY_NS
    return bool((t0 == t1).any())
