"""Every run, newest first: status, P&L, positions, broker and feed, bars, regime, orders
and fills, and the limits that tripped. Only cells that changed since the last poll are
redrawn."""

from __future__ import annotations

from collections.abc import Sequence

from app.tui.runs import RunSummary
from app.tui.widgets.keyed_table import Cell, KeyedTable

STATUS_COLORS = {
    "running": "text-success",
    "paused": "text-warning",
    "created": "text-accent",
    "stopped": "foreground-muted",
    "finished": "text-primary",
    "failed": "text-error",
    "gone": "text-error",
}


def run_cells(r: RunSummary) -> tuple[Cell | str, ...]:
    pnl_color = "text-success" if r.pnl > 0 else "text-error" if r.pnl < 0 else ""
    pnl = f"{r.pnl:+,.2f}" + ("" if r.pnl_marked else "*")
    broker = Cell(r.broker, "text-error" if r.broker == "alpaca-live" else "", bold=True)
    return (
        r.id,
        r.name,
        Cell(r.status, STATUS_COLORS.get(r.status, "")),
        Cell(pnl, pnl_color),
        str(len(r.positions)),
        broker,
        r.feed_label,
        f"{r.bars_done:,}",
        r.last_bar,
        r.regime or "-",
        f"{r.orders}/{r.fills}",
        Cell(", ".join(r.limits) or "-", "text-warning" if r.limits else ""),
    )


class RunsTable(KeyedTable):
    """One row a run, keyed by run id."""

    COLUMNS = (
        ("Run", False, 11),
        ("Strategy", False, 20),
        ("Status", False, 8),
        ("P&L", True, 12),
        ("Pos", True, 3),
        ("Broker", False, 12),
        ("Feed", False, 34),
        ("Bars", True, 7),
        ("Last bar", False, 16),
        ("Regime", False, 15),
        ("Ord/Fill", True, 11),
        ("Limits", False, 24),
    )
    """What a trader looks for first comes first: at 80 columns the run, its strategy,
    status, P&L, positions and broker are in view."""

    def show(self, runs: Sequence[RunSummary]) -> None:
        self.set_rows([(r.id, run_cells(r)) for r in runs])

    def select(self, run_id: str) -> None:
        if run_id in self.shown:
            self.move_cursor(row=list(self.shown).index(run_id), animate=False)
