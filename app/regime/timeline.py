"""A compact text timeline of regime labels, for terminals (plain text or ANSI colour)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
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
    codes = _codes(regimes["regime"])
    n = len(codes)
    if n == 0:
        return f"{title}: no bars" if title else "no bars"
    size = max(1, math.ceil(n / max(1, width)))
    cells = [LABELS[c] for c in _bucket_modes(codes, size)]
    paint = (
        (lambda label, text: f"\x1b[{_COLOURS[label]}m{text}\x1b[0m")
        if colour
        else (lambda label, text: text)
    )
    first, final = _date(regimes.index[0]), _date(regimes.index[-1])
    per = "bar" if size == 1 else f"{size} bars"
    head = f"{title}  " if title else ""
    lines = [
        f"{head}{n:,} bars, {first} to {final} (one character = {per})",
        "".join(paint(c, SYMBOLS[c]) for c in cells),
    ]
    counts = np.bincount(codes, minlength=len(LABELS))
    legend = [
        f"{paint(label, SYMBOLS[label])} {label} {counts[i] / n:.0%}"
        for i, label in enumerate(LABELS)
    ]
    lines.append("  ".join(legend))
    if last > 0:
        lines.append("last bars:")
        tail = regimes.iloc[-last:]
        for when, regime, conf in zip(tail.index, tail["regime"], tail["confidence"], strict=True):
            lines.append(
                f"  {_date(when)}  {paint(regime, f'{regime:<15}')}  confidence {conf:.2f}"
            )
    return "\n".join(lines)


def _codes(labels: pd.Series) -> np.ndarray:
    """Index of each bar's label in :data:`LABELS`."""
    values = np.asarray(labels, dtype=object)
    codes = np.full(len(values), -1)
    for i, label in enumerate(LABELS):
        codes[values == label] = i
    if (codes < 0).any():
        raise ValueError(f"unknown regime label {values[codes < 0][0]!r}")
    return codes


def _bucket_modes(codes: np.ndarray, size: int) -> np.ndarray:
    """Most frequent code of each run of ``size`` bars (the last may be shorter); ties go
    to the earlier label in LABELS order."""
    k = len(LABELS)
    buckets = np.arange(len(codes)) // size
    counts = np.zeros((buckets[-1] + 1, k), dtype=int)
    np.add.at(counts, (buckets, codes), 1)
    out: np.ndarray = counts.argmax(axis=1)
    return out


def _date(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    out: str = ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    return out
