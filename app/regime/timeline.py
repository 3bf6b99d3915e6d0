"""A compact text timeline of regime labels, for terminals (plain text or ANSI colour)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from app.regime.config import LABELS, TRANSITION

SYMBOLS = {
    "trending_up": "U",
    "trending_down": "D",
    "mean_reverting": "M",
    "high_volatility": "H",
    TRANSITION: "·",
}
_COLOURS = {  # ANSI SGR codes
    "trending_up": "32",
    "trending_down": "31",
    "mean_reverting": "36",
    "high_volatility": "33",
    TRANSITION: "2",
}


def render_timeline(
    regimes: pd.DataFrame,
    *,
    title: str = "",
    width: int = 72,
    last: int = 5,
    colour: bool = False,
) -> str:
    """One character per bar (or per bucket of bars: its most frequent label), a legend
    with each label's share of bars, and the last ``last`` bars' labels and confidence."""
    labels = regimes["regime"].astype(str).tolist()
    n = len(labels)
    if n == 0:
        return f"{title}: no bars" if title else "no bars"
    size = max(1, math.ceil(n / max(1, width)))
    cells = [_mode(labels[i : i + size]) for i in range(0, n, size)]
    paint = (lambda label, text: f"\x1b[{_COLOURS[label]}m{text}\x1b[0m") if colour else (
        lambda label, text: text)
    first, final = _date(regimes.index[0]), _date(regimes.index[-1])
    per = "bar" if size == 1 else f"{size} bars"
    head = f"{title}  " if title else ""
    lines = [f"{head}{n:,} bars, {first} to {final} (one character = {per})",
             "".join(paint(c, SYMBOLS[c]) for c in cells)]
    counts = pd.Series(labels).value_counts()
    legend = [f"{paint(label, SYMBOLS[label])} {label} {counts.get(label, 0) / n:.0%}"
              for label in LABELS]
    lines.append("  ".join(legend))
    if last > 0:
        lines.append("last bars:")
        tail = regimes.iloc[-last:]
        for when, row in zip(tail.index, tail.itertuples(index=False), strict=True):
            lines.append(f"  {_date(when)}  {paint(row.regime, f'{row.regime:<15}')}"
                         f"  confidence {row.confidence:.2f}")
    return "\n".join(lines)


def _mode(cell: list[str]) -> str:
    """Most frequent label of a bucket; ties go to the earlier label in LABELS order."""
    return max(LABELS, key=lambda label: (cell.count(label), -LABELS.index(label)))


def _date(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
