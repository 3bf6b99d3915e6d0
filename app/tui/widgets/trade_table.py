"""A backtest's closed trades, one row each; the cursor picks the trade whose entry
decision the backtest screen shows."""

from __future__ import annotations

from collections.abc import Sequence

from app.tui.widgets.keyed_table import Cell, KeyedTable


class TradeTable(KeyedTable):
    """Rows are keyed ``t<index>`` in the result's trade order."""

    COLUMNS = (
        ("Symbol", False, 16),
        ("Entry", False, 16),
        ("Exit", False, 16),
        ("P&L", True, 12),
        ("P&L %", True, 9),
        ("Exit by", False, 13),
    )
    """The side is in the symbol cell for shorts only (most specs trade long)."""

    def show(self, trades: Sequence[tuple[str, ...]]) -> None:
        """``trades``: the cells of :func:`app.tui.backtests.trade_cells`."""
        rows = []
        for i, (symbol, side, entry, _in, exit_, _out, _qty, pnl, pct, _bars, why) in enumerate(
            trades
        ):
            color = "text-success" if not pnl.startswith("-") else "text-error"
            rows.append(
                (
                    f"t{i}",
                    (
                        symbol if side == "long" else f"{symbol} ({side})",
                        entry,
                        exit_,
                        Cell(pnl, color),
                        Cell(pct, color),
                        why,
                    ),
                )
            )
        self.set_rows(rows)
        if rows:
            self.move_cursor(row=0, animate=False)

    @property
    def selected_index(self) -> int | None:
        key = self.selected_key
        return int(key[1:]) if key else None
