"""A line (or filled area) chart drawn with braille dots: 2x4 dots a terminal cell.

Deterministic: the picture is a pure function of the series and the widget's size, so
snapshots are stable. Each column of dots covers a slice of the series and draws its low
to its high joined to the previous column, so spikes survive any width. Where two series
share a cell, the later one's colour wins (pass the one that matters last). A log scale
keeps a small curve readable beside one that grew a hundredfold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget

# Dot bits of a braille cell by (column, row of four).
_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_BLANK = 0x2800


@dataclass(frozen=True)
class Series:
    """One line: values oldest first, a Content style (``"$text-success"``)."""

    values: Sequence[float]
    style: str
    fill: bool = False
    """Fill between the line and zero (a drawdown), instead of a thin line."""


def column_ranges(values: Sequence[float], columns: int) -> list[tuple[float, float, float]]:
    """(low, high, last) of the slice of ``values`` each of ``columns`` columns covers."""
    n = len(values)
    out: list[tuple[float, float, float]] = []
    for c in range(columns):
        lo_i = c * n // columns
        hi_i = max((c + 1) * n // columns, lo_i + 1)
        if n < columns:
            lo_i = hi_i - 1 if n == 1 else round(c * (n - 1) / max(columns - 1, 1))
            hi_i = lo_i + 1
        part = [v for v in values[lo_i:hi_i] if not math.isnan(v)]
        if part:
            out.append((min(part), max(part), part[-1]))
        else:
            out.append((math.nan, math.nan, math.nan))
    return out


class LineChart(Widget):
    """Plots :class:`Series` over a shared y range, with y labels left and x labels below."""

    DEFAULT_CSS = """
    LineChart { height: 1fr; min-height: 4; }
    """

    def __init__(self, placeholder: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.series: list[Series] = []
        self.x_labels: tuple[str, str] = ("", "")
        self.y_format: Callable[[float], str] = lambda v: f"{v:,.0f}"
        self.log_scale = False

    def plot(
        self,
        series: list[Series],
        x_labels: tuple[str, str],
        y_format: Callable[[float], str] | None = None,
        log: bool = False,
    ) -> None:
        """Draw these series (``log``: a log10 y scale; all values must be positive)."""
        self.series = [s for s in series if len(s.values)]
        self.x_labels = x_labels
        if y_format is not None:
            self.y_format = y_format
        self.log_scale = log
        self.refresh()

    def clear(self) -> None:
        self.series = []
        self.refresh()

    def render(self) -> Content:
        width, height = self.size.width, self.size.height
        if not self.series or width < 12 or height < 3:
            return Content.styled(self.placeholder, "$text-muted italic")
        low, high = self._y_range()
        unscale: Callable[[float], float] = (lambda v: 10**v) if self.log_scale else (lambda v: v)
        labels = [self.y_format(unscale(v)) for v in (high, (high + low) / 2, low)]
        gutter = max(len(text) for text in labels) + 1
        plot_w, plot_h = width - gutter, height - 1
        cells, owner = self._draw(plot_w, plot_h, low, high)
        lines = []
        for row in range(plot_h):
            label = ""
            if row == 0:
                label = labels[0]
            elif row == plot_h - 1:
                label = labels[2]
            elif plot_h >= 5 and row == (plot_h - 1) // 2:
                label = labels[1]
            parts: list[Content | tuple[str, str] | str] = [
                (label.rjust(gutter - 1) + ("┤" if label else "│"), "$text-muted")
            ]
            parts += self._row(cells[row], owner[row])
            lines.append(Content.assemble(*parts))
        left, right = self.x_labels
        axis = " " * gutter + left
        axis += right.rjust(max(width - len(axis), len(right) + 1))
        lines.append(Content.styled(axis, "$text-muted"))
        return Content("\n").join(lines)

    def _values(self, s: Series) -> Sequence[float]:
        if not self.log_scale:
            return s.values
        return [math.log10(v) if v > 0 else math.nan for v in s.values]

    def _y_range(self) -> tuple[float, float]:
        finite = [v for s in self.series for v in self._values(s) if not math.isnan(v)]
        low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if any(s.fill for s in self.series):
            low, high = min(low, 0.0), max(high, 0.0)
        if high - low < 1e-12:
            low, high = low - 1.0, high + 1.0
        return low, high

    def _draw(
        self, plot_w: int, plot_h: int, low: float, high: float
    ) -> tuple[list[list[int]], list[list[int]]]:
        cells = [[0] * plot_w for _ in range(plot_h)]
        owner = [[-1] * plot_w for _ in range(plot_h)]
        dots_h = plot_h * 4

        def dot_row(v: float) -> int:
            return min(dots_h - 1, max(0, round((high - v) / (high - low) * (dots_h - 1))))

        for k, s in enumerate(self.series):
            prev: int | None = None
            zero = dot_row(0.0)
            for x, (lo, hi, last) in enumerate(column_ranges(self._values(s), plot_w * 2)):
                if math.isnan(lo):
                    prev = None
                    continue
                top, bottom = dot_row(hi), dot_row(lo)
                if s.fill:
                    top, bottom = min(top, zero), max(bottom, zero)
                elif prev is not None:
                    top, bottom = min(top, prev), max(bottom, prev)
                prev = dot_row(last)
                for y in range(top, bottom + 1):
                    row, col = y // 4, x // 2
                    cells[row][col] |= _BITS[x % 2][y % 4]
                    owner[row][col] = k
        return cells, owner

    def _row(self, cells: list[int], owner: list[int]) -> list[tuple[str, str] | str]:
        """One row of cells, consecutive cells of one series joined into one span."""
        parts: list[tuple[str, str] | str] = []
        run, run_owner = "", -2
        for mask, who in zip(cells, owner):
            if who != run_owner and run:
                parts.append((run, self.series[run_owner].style) if run_owner >= 0 else run)
                run = ""
            run_owner = who
            run += chr(_BLANK + mask) if mask else " "
        if run:
            parts.append((run, self.series[run_owner].style) if run_owner >= 0 else run)
        return parts
