"""The selected run's logs, one small table each: positions, orders (client order ids),
fills, closed trades, events, and the decision log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.tui.decisions import when
from app.tui.widgets.keyed_table import Cell, KeyedTable

if TYPE_CHECKING:
    from app.execution.decision import DecisionRecord

_ORDER_COLORS = {
    "filled": "text-success",
    "rejected": "text-error",
    "canceled": "foreground-muted",
    "new": "text-warning",
    "submitted": "text-warning",
}


def _signed(value: float, text: str) -> Cell:
    return Cell(text, "text-success" if value > 0 else "text-error" if value < 0 else "")


class PositionsTable(KeyedTable):
    COLUMNS = (
        ("Symbol", False, 10),
        ("Side", False, 5),
        ("Qty", True, 12),
        ("Entry", True, 12),
        ("Since", False, 16),
        ("Stop", True, 12),
        ("Target", True, 12),
    )

    def show(self, rows: Sequence[Any]) -> None:
        self.set_rows(
            [
                (
                    p.symbol,
                    (
                        p.symbol,
                        p.side,
                        f"{p.qty:,.6g}",
                        f"{p.entry_price:,.2f}",
                        when(p.entry_time_ns),
                        _price(p.stop),
                        _price(p.target),
                    ),
                )
                for p in rows
            ]
        )


class OrdersTable(KeyedTable):
    COLUMNS = (
        ("Bar", False, 16),
        ("Symbol", False, 10),
        ("Side", False, 4),
        ("Qty", True, 12),
        ("Status", False, 9),
        ("Reason", False, 14),
        ("Client order id", False, 48),
    )

    def show(self, rows: Sequence[Any]) -> None:
        self.set_rows(
            [
                (
                    o.client_order_id,
                    (
                        when(o.bar_time_ns),
                        o.symbol,
                        o.side,
                        f"{o.qty:,.6g}",
                        Cell(o.status, _ORDER_COLORS.get(o.status, "")),
                        o.reason,
                        o.client_order_id,
                    ),
                )
                for o in rows
            ]
        )


class FillsTable(KeyedTable):
    COLUMNS = (
        ("Bar", False, 16),
        ("Symbol", False, 10),
        ("Side", False, 4),
        ("Qty", True, 12),
        ("Price", True, 12),
        ("Reason", False, 14),
        ("Client order id", False, 48),
    )

    def add(self, rows: Sequence[Any]) -> None:
        self.append_rows(
            [
                (
                    str(f.id),
                    (
                        when(f.time_ns),
                        f.symbol,
                        f.side,
                        f"{f.qty:,.6g}",
                        f"{f.price:,.2f}",
                        f.reason,
                        f.client_order_id,
                    ),
                )
                for f in rows
            ]
        )


class TradesLog(KeyedTable):
    COLUMNS = (
        ("Symbol", False, 10),
        ("Side", False, 5),
        ("Entry", False, 16),
        ("Exit", False, 16),
        ("P&L", True, 12),
        ("P&L %", True, 9),
        ("Exit by", False, 13),
    )

    def add(self, rows: Sequence[Any]) -> None:
        self.append_rows(
            [
                (
                    str(t.id),
                    (
                        t.symbol,
                        t.side,
                        when(t.entry_time_ns),
                        when(t.exit_time_ns),
                        _signed(t.pnl, f"{t.pnl:+,.2f}"),
                        _signed(t.pnl, f"{t.pnl_pct:+.2f}%"),
                        t.exit_reason,
                    ),
                )
                for t in rows
            ]
        )


class EventsTable(KeyedTable):
    COLUMNS = (("Kind", False, 12), ("What", False, 80))

    def add(self, rows: Sequence[Any]) -> None:
        self.append_rows(
            [
                (
                    str(e.id),
                    (
                        Cell(
                            e.kind,
                            "text-warning"
                            if e.kind in ("limit", "broker_fault", "failed")
                            else "text-accent",
                        ),
                        e.message,
                    ),
                )
                for e in rows
            ]
        )


class DecisionLog(KeyedTable):
    """The run's decisions, newest at the bottom; keeps the records to show them."""

    COLUMNS = (
        ("Bar", False, 16),
        ("Symbol", False, 10),
        ("Side", False, 5),
        ("Verdict", False, 8),
        ("Conv", True, 4),
        ("Qty", True, 10),
    )

    def __init__(self, *, limit: int = 0, id: str | None = None) -> None:
        super().__init__(limit=limit, id=id)
        self.records: dict[str, DecisionRecord] = {}

    def add(self, decisions: Sequence[DecisionRecord]) -> None:
        for d in decisions:
            self.records[str(d.id)] = d
        self.append_rows(
            [
                (
                    str(d.id),
                    (
                        when(d.time_ns),
                        d.symbol,
                        d.side,
                        Cell("approved", "text-success")
                        if d.approved
                        else Cell("rejected", "text-error"),
                        "-" if d.conviction is None else f"{d.conviction:.0f}",
                        f"{d.qty:,.6g}",
                    ),
                )
                for d in decisions
            ]
        )
        for key in list(self.records):
            if key not in self.shown:
                del self.records[key]

    def selected(self) -> DecisionRecord | None:
        key = self.selected_key
        return self.records.get(key) if key else None

    def reset(self) -> None:
        super().reset()
        self.records = {}


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"
