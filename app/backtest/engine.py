"""``run_backtest``: a spec over history, through the one execution path.

The paper broker and the strategy session are the ones the live runner uses; this module
only adds the backtest's clock (:mod:`app.backtest.timeline`) and the bookkeeping after
the run (curves, metrics, buy-and-hold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from app.market.dates import parse_date
from app.backtest.benchmark import buy_and_hold
from app.backtest.equity import build_curves
from app.backtest.fast_path import eligible, fast_run
from app.backtest.errors import BacktestError
from app.backtest.metrics import all_metrics, curve_metrics, drawdown, periods_per_year
from app.backtest.prepare import prepare
from app.backtest.result import BacktestResult
from app.backtest.timeline import Timeline
from app.execution.costs import CostModel, parse_cost
from app.execution.gate import Gate, GateChain
from app.backtest.gates import gates_for_spec
from app.execution.limits import describe_limits
from app.execution.paper import PaperBroker
from app.execution.session import StrategySession
from app.spec.models import StrategySpec
from app.spec.params import runnable

DateLike: TypeAlias = str | pd.Timestamp | None
FAST_PATH = True
"""Use :mod:`app.backtest.fast_path` where it applies (tests switch it off to compare)."""


def run_backtest(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    *,
    cash: float = 10_000.0,
    commission: CostModel | str | float | None = None,
    slippage: CostModel | str | float | None = None,
    start: DateLike = None,
    end: DateLike = None,
    gate: Gate | GateChain | None = None,
    agents: str | None = None,
    progress: Callable[[float], None] | None = None,
    source: str = "the data",
    allow_missing: bool = False,
    prepared: Any = None,
) -> BacktestResult:
    """Backtest ``spec`` on ``frames`` (symbol -> bars as :func:`load_bars` returns them).

    Args:
        cash: Starting cash.
        commission, slippage: A :class:`CostModel` or its text (``"0.1%"``,
            ``"0.005/share"``, ``"1"`` dollars per order); default none.
        start, end: The trading window; bars before ``start`` still warm up indicators,
            bars after ``end`` are never read.
        gate: Replace the gate chain (regime filter, agents) the spec would get.
        agents: The agent team's mode (``offline`` or ``llm``) when ``gate`` is None.
        progress: Called with the fraction of the timeline done, now and then.
        source: How error messages name the data (a file or folder).
        allow_missing: Skip symbols without bars in the window (with a note) instead of
            failing; walk-forward folds use it.
        prepared: What :func:`~app.backtest.prepare.prepare` returned for these same
            arguments (the event loop only reads it): runs of one window with different
            gates, as ``parley evaluate``'s null draws, compute the signals once.

    Raises:
        BacktestError: bad dates, no data, a rule needing more history than exists.
    """
    spec = runnable(spec)  # parameters at their defaults
    cash = float(cash)
    if cash <= 0 or not np.isfinite(cash):
        raise BacktestError(f"the starting cash must be a positive amount, not {cash:g}")
    t0, t1 = run_date(start, "--from"), run_date(end, "--to")
    if prepared is None:
        prepared = prepare(spec, frames, t0, t1, source, allow_missing=allow_missing)
    chain, notes = _chain(spec, gate, agents)
    chain.use_universe({d.symbol: frames[d.symbol] for d in prepared.datas})
    costs = (_cost(commission, "commission"), _cost(slippage, "slippage"))
    broker = PaperBroker(cash, *costs)
    session = StrategySession(spec, broker, chain, {d.symbol: d for d in prepared.datas})
    if not (
        FAST_PATH and eligible(spec, chain, session) and fast_run(spec, prepared, broker, session)
    ):
        Timeline(session, prepared, progress).run()
    if progress is not None:
        progress(1.0)
    result = _result(spec, prepared, broker, session, cash, costs, notes + prepared.notes)
    result.caveats = list(getattr(frames, "caveats", []))
    used = set(result.symbols)
    result.data_warnings = [str(w) for w in getattr(frames, "warnings", []) if w.symbol in used]
    return result


def _result(
    spec: StrategySpec,
    prepared: Any,
    broker: PaperBroker,
    session: StrategySession,
    cash: float,
    costs: tuple[CostModel, CostModel],
    notes: list[str],
) -> BacktestResult:
    union, datas, account = prepared.union, prepared.datas, broker.account
    open_positions = list(account.positions.values())
    curves = build_curves(union, cash, account.fills, account.trades, open_positions, datas)
    index = pd.DatetimeIndex(union.astype("datetime64[ns]"), name="time")
    equity = pd.Series(curves.equity, index=index, name="equity")
    bh = pd.Series(buy_and_hold(datas, union, cash), index=index, name="buy_and_hold")
    traded = float(sum(f.qty * f.price for f in account.fills))
    metrics = all_metrics(equity, curves.gross, account.trades, traded)
    metrics["open_trades"] = len(open_positions)
    bh_metrics = curve_metrics(bh, periods_per_year(index))
    notes += _stale_notes(open_positions, datas, int(union[-1]))
    unfilled = list(broker.orders.pending.values())
    if unfilled:
        notes.append(f"{len(unfilled)} order(s) placed on the last bar had no next bar to fill on")
    return BacktestResult(
        spec.name,
        tuple(d.symbol for d in datas),
        index[0],
        index[-1],
        cash,
        list(account.trades),
        open_positions,
        {d.symbol: float(d.close[-1]) for d in datas},
        equity,
        pd.Series(100.0 * drawdown(curves.equity), index=index, name="drawdown_pct"),
        bh,
        metrics,
        bh_metrics,
        session.decisions,
        unfilled,
        notes,
        {
            "commission": costs[0].describe(),
            "slippage": costs[1].describe(),
            "gates": [g.name for g in session.gates.gates],
        },
        limits=describe_limits(spec),
        limit_events=list(session.limits.events),
        timezone=prepared.clock,
    )


def _stale_notes(positions: list[Any], datas: list[Any], last: int) -> list[str]:
    """Open positions on a symbol whose data stops before the run's end are valued at
    that symbol's last close, which may be long out of date: say so."""
    ends = {d.symbol: int(d.times[-1]) for d in datas}
    return [
        f"{p.symbol}'s data ends on {pd.Timestamp(ends[p.symbol]):%Y-%m-%d}, before the "
        f"run's end: its open position is valued at that day's close"
        for p in positions
        if ends[p.symbol] < last
    ]


def _chain(
    spec: StrategySpec, gate: Gate | GateChain | None, agents: str | None
) -> tuple[GateChain, list[str]]:
    if gate is None:
        return gates_for_spec(spec, agents)
    return (gate if isinstance(gate, GateChain) else GateChain((gate,))), []


def _cost(value: CostModel | str | float | None, what: str) -> CostModel:
    return value if isinstance(value, CostModel) else parse_cost(value, what)


def run_date(value: DateLike, flag: str) -> pd.Timestamp | None:
    """A backtest's ``--from`` / ``--to``: :func:`app.market.dates.parse_date`, raising
    BacktestError."""
    return parse_date(value, flag, BacktestError)
