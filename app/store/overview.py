"""Read-only summaries of runs, for monitors: a few grouped queries for every run at once,
and a run's newest log rows after a cursor.

Additive to :class:`~app.store.repo.Store` (which it only reads through): the TUI's
monitor polls these while runners in other processes write, so each call is one short
session of indexed queries, whatever the number of runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.execution.decision import DecisionRecord
from app.store.convert import decision_of
from app.store.repo import Store
from app.store.tables import (
    DecisionRow,
    EventRow,
    FillRow,
    OrderRow,
    PositionRow,
    RunRow,
    TradeRow,
)

OPEN_ORDER_STATUSES = ("new", "submitted", "partially_filled")


@dataclass(frozen=True)
class RunTotals:
    """One run's counts and figures, as of the query."""

    orders: int = 0
    open_orders: int = 0
    """Orders not yet filled, rejected or cancelled."""
    fills: int = 0
    trades: int = 0
    realized_pnl: float = 0.0
    """Sum of the closed trades' P&L."""
    decisions: int = 0
    last_decision: DecisionRecord | None = None
    limits: tuple[str, ...] = ()
    """Names of the limits that tripped (``max_drawdown``, ``daily_loss``...), in order."""


def run_totals(store: Store, run_ids: Sequence[str]) -> dict[str, RunTotals]:
    """Totals of each run in ``run_ids`` (runs without rows get zeros)."""
    ids = list(run_ids)
    if not ids:
        return {}
    with store.session() as s:
        orders = _counts(s, OrderRow, ids)
        open_orders = _counts(s, OrderRow, ids, col(OrderRow.status).in_(OPEN_ORDER_STATUSES))
        fills = _counts(s, FillRow, ids)
        trades = {
            r: (n, pnl)
            for r, n, pnl in s.exec(
                select(TradeRow.run_id, func.count(), func.sum(TradeRow.pnl))
                .where(col(TradeRow.run_id).in_(ids))
                .group_by(TradeRow.run_id)
            ).all()
        }
        latest = {
            r: (n, last)
            for r, n, last in s.exec(
                select(DecisionRow.run_id, func.count(), func.max(DecisionRow.id))
                .where(col(DecisionRow.run_id).in_(ids))
                .group_by(DecisionRow.run_id)
            ).all()
        }
        last_rows = {
            d.run_id: d
            for d in s.exec(
                select(DecisionRow).where(
                    col(DecisionRow.id).in_([last for _, last in latest.values()])
                )
            ).all()
        }
        limits: dict[str, list[str]] = defaultdict(list)
        for run_id, data, message in s.exec(
            select(EventRow.run_id, EventRow.data, EventRow.message)
            .where(col(EventRow.run_id).in_(ids), EventRow.kind == "limit")
            .order_by(col(EventRow.id))
        ).all():
            limits[run_id].append(str((data or {}).get("limit") or message))
    return {
        r: RunTotals(
            orders=orders.get(r, 0),
            open_orders=open_orders.get(r, 0),
            fills=fills.get(r, 0),
            trades=int(trades.get(r, (0, 0))[0]),
            realized_pnl=float(trades.get(r, (0, 0.0))[1] or 0.0),
            decisions=int(latest.get(r, (0, 0))[0]),
            last_decision=_decision(last_rows.get(r)),
            limits=tuple(limits.get(r, ())),
        )
        for r in ids
    }


@dataclass(frozen=True)
class RunSnapshot:
    """One run's row and its logs, all read at one moment (:meth:`Store.reading`), so
    the header's bar count and the lists below it agree while the run is writing."""

    run: RunRow
    orders: list[OrderRow]
    fills: list[FillRow]
    positions: list[PositionRow]
    trades: list[TradeRow]
    events: list[EventRow]
    """The newest ``events`` rows, oldest first."""


def run_snapshot(store: Store, run_id: str, events: int = 50) -> RunSnapshot | None:
    """Run ``run_id`` (an exact id) and its orders, fills, open positions, closed trades
    and newest events as of one moment; None when there is no such run."""
    with store.reading() as s:
        run = s.get(RunRow, run_id)
        if run is None:
            return None
        return RunSnapshot(
            run=run,
            orders=store.rows(OrderRow, run_id, session=s),
            fills=store.rows(FillRow, run_id, session=s),
            positions=store.rows(PositionRow, run_id, col(PositionRow.symbol), session=s),
            trades=store.rows(TradeRow, run_id, col(TradeRow.exit_time_ns), session=s),
            events=recent_rows(store, EventRow, run_id, limit=events, session=s),
        )


def _decision(row: DecisionRow | None) -> DecisionRecord | None:
    return None if row is None else decision_of(row)


def positions_of(store: Store, run_ids: Sequence[str]) -> dict[str, list[PositionRow]]:
    """The open positions of each run, by symbol."""
    out: dict[str, list[PositionRow]] = defaultdict(list)
    if not run_ids:
        return out
    with store.session() as s:
        for row in s.exec(
            select(PositionRow)
            .where(col(PositionRow.run_id).in_(list(run_ids)))
            .order_by(col(PositionRow.run_id), col(PositionRow.symbol))
        ).all():
            out[row.run_id].append(row)
    return out


def recent_rows(
    store: Store,
    table: Any,
    run_id: str,
    after_id: int = 0,
    limit: int = 200,
    session: Session | None = None,
) -> list[Any]:
    """A run's rows of ``table`` with an id above ``after_id``: the newest ``limit`` of
    them, oldest first. Fills, trades, decisions and events never change once written, so
    a monitor asks only for what is new since the last row it holds. In ``session`` when
    given (one read of :meth:`Store.reading`)."""
    q: Any = (
        select(table)
        .where(table.run_id == run_id, table.id > after_id)
        .order_by(col(table.id).desc())
        .limit(limit)
    )
    if session is not None:
        return list(reversed(session.exec(q).all()))
    with store.session() as s:
        return list(reversed(s.exec(q).all()))


def _counts(s: Any, table: Any, ids: list[str], *where: Any) -> dict[str, int]:
    q = (
        select(table.run_id, func.count())
        .where(col(table.run_id).in_(ids), *where)
        .group_by(table.run_id)
    )
    return {r: int(n) for r, n in s.exec(q).all()}
