"""Converters between the execution path's domain objects and the database rows."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from app.execution.decision import DecisionRecord
from app.execution.orders import Fill, Order
from app.execution.portfolio import Position, Trade
from app.store.tables import DecisionRow, FillRow, OrderRow, PositionRow, TradeRow


log = logging.getLogger(__name__)


def side_word(side: int) -> str:
    return "buy" if side > 0 else "sell"


def order_row(run_id: str, order: Order) -> OrderRow:
    return OrderRow(
        run_id=run_id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=side_word(order.side),
        qty=float(order.qty),
        intent=order.intent,
        reason=order.reason,
        bar_time_ns=int(order.time_ns),
        status=order.status,
        note=order.note,
    )


def fill_key(run_id: str, fill: Fill) -> str:
    """Unique per execution: the same fill recorded twice (a replayed bar) collides."""
    return f"{run_id}/{fill.client_order_id}/{fill.time_ns}/{fill.qty:.8g}"


def fill_row(run_id: str, fill: Fill) -> FillRow:
    return FillRow(
        run_id=run_id,
        fill_key=fill_key(run_id, fill),
        client_order_id=fill.client_order_id,
        symbol=fill.symbol,
        side=side_word(fill.side),
        qty=float(fill.qty),
        price=float(fill.price),
        commission=float(fill.commission),
        time_ns=int(fill.time_ns),
        reason=fill.reason,
    )


def trade_row(run_id: str, t: Trade) -> TradeRow:
    return TradeRow(
        run_id=run_id,
        symbol=t.symbol,
        side=t.side,
        qty=float(t.qty),
        entry_time_ns=int(t.entry_time_ns),
        entry_price=float(t.entry_price),
        exit_time_ns=int(t.exit_time_ns),
        exit_price=float(t.exit_price),
        pnl=float(t.pnl),
        pnl_pct=float(t.pnl_pct),
        bars_held=int(t.bars_held),
        exit_reason=t.exit_reason,
        commission=float(t.commission),
    )


def position_row(run_id: str, p: Position) -> PositionRow:
    plan = p.plan
    return PositionRow(
        run_id=run_id,
        symbol=p.symbol,
        side="long" if p.side > 0 else "short",
        qty=float(p.qty),
        entry_price=float(p.entry_price),
        entry_time_ns=int(p.entry_time_ns),
        stop=None if plan is None else plan.stop,
        target=None if plan is None else plan.target,
    )


def decision_row(run_id: str, d: DecisionRecord, orders: list[str]) -> DecisionRow:
    """The decision and its whole record: the rule, regime, opinions, debate, risk verdict,
    conviction, size and the client order ids it produced."""
    record = d.record()
    record["orders"] = list(orders)
    return DecisionRow(
        run_id=run_id,
        time_ns=int(d.time_ns),
        symbol=d.symbol,
        side=d.side,
        rule=d.rule,
        approved=d.approved,
        qty=float(d.qty),
        conviction=d.conviction,
        record=_jsonable(record),
    )


def decision_of(row: DecisionRow) -> DecisionRecord:
    """A stored decision back as the model it was written from, each gate's record
    validated into its type (one that does not validate, from another version, is left
    out with a warning)."""
    record = row.record or {}
    return DecisionRecord(
        int(row.time_ns or 0),
        row.symbol,
        row.side,
        row.rule,
        bool(row.approved),
        float(row.qty),
        row.conviction,
        tuple(record.get("reasons", ())),
        _gates(record.get("gates") or {}),
        tuple(record.get("orders", ())),
        row.id or 0,
    )


@cache
def gate_records() -> dict[str, type[BaseModel]]:
    """Each gate's name -> the model of its record."""
    from app.agents.models import TeamDecision
    from app.regime.gate import RegimeRecord

    return {"regime": RegimeRecord, "agents": TeamDecision}


def _gates(stored: dict[str, Any]) -> dict[str, BaseModel]:
    models, out = gate_records(), {}
    for name, data in stored.items():
        model = models.get(name)
        try:
            if model is not None:
                out[name] = model.model_validate(data)
        except ValidationError as err:
            log.warning("decision record of gate %r left out: %s", name, str(err).splitlines()[0])
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
