"""A backtest's metrics beside buy-and-hold's, then the trade statistics."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

ROWS = (
    ("Total return", "total_return_pct", "pct"),
    ("Annual return", "annual_return_pct", "pct"),
    ("Volatility", "volatility_pct", "pct_plain"),
    ("Sharpe", "sharpe", "ratio"),
    ("Sortino", "sortino", "ratio"),
    ("Max drawdown", "max_drawdown_pct", "pct_plain"),
    ("Calmar", "calmar", "ratio"),
    ("Final equity", "final_equity", "money"),
)
"""The rows ``parley backtest`` prints, in its order (``app.backtest.report_text``)."""
_BETTER_LOW = {"volatility_pct"}
"""Rows where less is better (drawdowns are negative: higher is better there too)."""


def _fmt(value: Any, kind: str) -> str:
    from app.backtest.report_text import fmt

    return fmt(value, kind)


class MetricsPanel(Static):
    """Strategy and buy-and-hold side by side, the better figure of each row in bold; the
    trade statistics below when there is room (40 columns or more)."""

    DEFAULT_CSS = """
    MetricsPanel { padding: 0 1; }
    MetricsPanel.-empty { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content("No backtest yet."), id=id, classes="-empty")
        self.figures: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._width = 0

    def show(self, metrics: dict[str, Any], hold: dict[str, Any]) -> None:
        self.remove_class("-empty")
        self.figures = (metrics, hold)
        self._width = self.size.width
        self.update(self._render_figures(metrics, hold, wide=self._width >= 40))

    def clear(self, note: str = "No backtest yet.") -> None:
        """Show no figures, only ``note``."""
        self.figures = None
        self.add_class("-empty")
        self.update(Content(note))

    def on_resize(self) -> None:
        if self.figures is not None and (self.size.width >= 40) != (self._width >= 40):
            self.show(*self.figures)

    def _render_figures(self, metrics: dict[str, Any], hold: dict[str, Any], wide: bool) -> Content:
        label_w, value_w = (14, 12) if wide else (13, 11)
        lines = [
            Content.assemble(
                "".ljust(label_w),
                ("Strategy".rjust(value_w), "bold"),
                ("Buy & hold".rjust(value_w), "bold"),
            )
        ]
        for label, key, kind in ROWS:
            ours, theirs = metrics.get(key), hold.get(key)
            win = _better(key, ours, theirs)
            lines.append(
                Content.assemble(
                    (label.ljust(label_w), "$text-muted"),
                    (_fmt(ours, kind).rjust(value_w), "bold $text-success" if win == 1 else ""),
                    (_fmt(theirs, kind).rjust(value_w), "bold" if win == -1 else ""),
                )
            )
        if wide:
            lines.append(Content(""))
            lines += [Content(line) for line in trade_lines(metrics)]
        return Content("\n").join(lines)


def trade_lines(m: dict[str, Any]) -> list[str]:
    """Trade statistics in a few short lines."""
    lines = [f"Trades {m.get('trades', 0):,} closed, {m.get('open_trades', 0)} open"]
    if m.get("trades"):
        lines += [
            (
                f"Win rate {_fmt(m['win_rate_pct'], 'pct_plain')} · profit factor "
                f"{_fmt(m['profit_factor'], 'ratio')}"
            ),
            (
                f"Average {_fmt(m['avg_trade_pct'], 'pct')} over "
                f"{_fmt(m['avg_bars_held'], 'ratio')} bars"
            ),
            (
                f"Best {_fmt(m['best_trade_pct'], 'pct')} · worst "
                f"{_fmt(m['worst_trade_pct'], 'pct')}"
            ),
        ]
    lines.append(f"In the market {_fmt(m.get('exposure_time_pct'), 'pct_plain')} of bars")
    return lines


def _better(key: str, ours: Any, theirs: Any) -> int:
    """1 when the strategy's figure is better, -1 when buy-and-hold's, 0 otherwise."""
    if ours is None or theirs is None or ours == theirs:
        return 0
    better = ours < theirs if key in _BETTER_LOW else ours > theirs
    return 1 if better else -1
