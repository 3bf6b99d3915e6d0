"""The fill model: at what price, and on which bar, an order or a protective exit fills.

Fixed semantics (DESIGN.md section 3):

* A market order placed on a bar's close fills at the **next bar's open** (plus slippage).
* Stop loss, take profit and trailing stop are checked **intrabar** against the bar's high
  and low and fill **at their level**, or **at the open** when the bar opens beyond it (a
  gap through the level: the level was never traded).
* When the stop and the target both lie inside one bar, the data cannot say which traded
  first; we assume **the stop hit first**. That is the conservative choice: it never
  books a profit the bar may not have given.
* The trailing stop trails the best price reached on *earlier* bars (the entry price on the
  entry bar): a bar's own high cannot raise its own stop, because the high may have come
  after the low.

:func:`find_exit` scans any run of bars at once with numpy, so the backtest scans a whole
holding period in one call while the live runner calls it with one bar: the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STOP, TARGET, TRAIL = "stop_loss", "take_profit", "trailing_stop"
MARGIN_CALL = "margin_call"


@dataclass(slots=True)
class ExitPlan:
    """The protective exits attached to a position, in price levels.

    For a long (``side`` +1) the stop is below and the target above; for a short the
    reverse. ``peak`` is the best price since entry on bars already scanned (the highest
    high for a long, the lowest low for a short), which the trailing stop follows at
    ``trail_distance`` dollars or ``trail_pct`` percent.
    """

    side: int
    stop: float | None = None
    target: float | None = None
    trail_distance: float | None = None
    trail_pct: float | None = None
    peak: float = 0.0
    margin_call: float | None = None
    """Where the broker liquidates a short: the price at which the account's equity falls
    to the maintenance margin (:mod:`app.execution.margin`). A stop the trader did not set,
    checked like one."""

    @property
    def empty(self) -> bool:
        return (
            self.stop is None
            and self.target is None
            and not self.has_trail
            and self.margin_call is None
        )

    @property
    def has_trail(self) -> bool:
        return self.trail_distance is not None or self.trail_pct is not None


@dataclass(frozen=True, slots=True)
class ExitHit:
    """A protective exit that triggers on bar ``bar`` at ``price`` (before slippage)."""

    bar: int
    price: float
    reason: str
    at_open: bool


def find_exit(
    plan: ExitPlan, open_: np.ndarray, high: np.ndarray, low: np.ndarray, start: int, end: int
) -> ExitHit | None:
    """The first bar in ``[start, end)`` where a protective exit triggers, or None.

    When nothing triggers, ``plan.peak`` is advanced over the scanned bars, so a caller
    that scans bar by bar (the live runner) and one that scans a long run (the backtest)
    see the same trailing level.
    """
    if end <= start or plan.empty:
        return None
    s = plan.side
    # Work in "long space": a short is a long on the negated price, with high and low swapped.
    o = open_[start:end] if s > 0 else -open_[start:end]
    h = high[start:end] if s > 0 else -low[start:end]
    lo = low[start:end] if s > 0 else -high[start:end]
    stop_lv, trail_wins, margin_wins = _stop_levels(plan, h, s)
    target = None if plan.target is None else s * plan.target
    stop_hit = lo <= stop_lv if stop_lv is not None else None
    tgt_hit = h >= target if target is not None else None
    hit = _either(stop_hit, tgt_hit)
    if not hit.any():
        best = float(h.max())
        plan.peak = s * max(s * plan.peak, best)
        return None
    j = int(np.argmax(hit))
    hit_ = _resolve(j, start, s, o, stop_lv, stop_hit, target, tgt_hit, trail_wins)
    if margin_wins is not None and hit_.reason != TARGET and bool(margin_wins[j]):
        return ExitHit(hit_.bar, hit_.price, MARGIN_CALL, hit_.at_open)
    return hit_


def _stop_levels(
    plan: ExitPlan, h: np.ndarray, s: int
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Per-bar stop level in long space (the highest of fixed, trailing and margin call),
    where the trailing one binds, and where the margin call binds."""
    levels, trail_wins = _trader_stops(plan, h, s)
    if plan.margin_call is None:
        return levels, trail_wins, None
    margin = s * plan.margin_call
    if levels is None:
        return np.full(h.size, margin), None, np.ones(h.size, dtype=bool)
    wins = margin > levels
    return np.maximum(levels, margin), None if trail_wins is None else trail_wins & ~wins, wins


def _trader_stops(
    plan: ExitPlan, h: np.ndarray, s: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The spec's stops per bar in long space (the higher of fixed and trailing) and where
    the trailing one is the binding level."""
    fixed = None if plan.stop is None else s * plan.stop
    if not plan.has_trail:
        return (None if fixed is None else np.full(h.size, fixed)), None
    prev = np.empty(h.size)
    prev[0] = s * plan.peak
    prev[1:] = h[:-1]
    peak = np.maximum.accumulate(prev)
    if plan.trail_pct is not None:
        trail = peak - np.abs(peak) * plan.trail_pct / 100.0
    else:
        trail = peak - float(plan.trail_distance or 0.0)
    if fixed is None:
        return trail, np.ones(h.size, dtype=bool)
    return np.maximum(trail, fixed), trail > fixed


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray:
    if a is None:
        assert b is not None
        return b
    return a if b is None else a | b


def _resolve(
    j: int,
    start: int,
    s: int,
    o: np.ndarray,
    stop_lv: np.ndarray | None,
    stop_hit: np.ndarray | None,
    target: float | None,
    tgt_hit: np.ndarray | None,
    trail_wins: np.ndarray | None,
) -> ExitHit:
    """Which exit fills on bar ``j`` and at what price: gaps first, then the stop
    (conservative), then the target."""
    op = float(o[j])
    stopped = stop_hit is not None and bool(stop_hit[j])
    level = float(stop_lv[j]) if stop_lv is not None else 0.0
    stop_reason = TRAIL if trail_wins is not None and bool(trail_wins[j]) else STOP
    if stopped and op <= level:
        return ExitHit(start + j, s * op, stop_reason, True)
    if tgt_hit is not None and bool(tgt_hit[j]) and target is not None and op >= target:
        return ExitHit(start + j, s * op, TARGET, True)
    if stopped:
        return ExitHit(start + j, s * level, stop_reason, False)
    assert target is not None
    return ExitHit(start + j, s * target, TARGET, False)


@dataclass(frozen=True, slots=True)
class Bracket:
    """Protective exits requested with an opening order, resolved against its fill price.

    Percent levels are measured from the fill price; ATR levels are dollar distances
    fixed at the signal bar (``k x ATR`` of the last closed bar before the order).
    """

    stop_pct: float | None = None
    stop_distance: float | None = None
    target_pct: float | None = None
    target_distance: float | None = None
    trail_pct: float | None = None
    trail_distance: float | None = None

    def plan(self, side: int, price: float) -> ExitPlan | None:
        """The exit levels of a position opened on ``side`` at ``price``."""
        stop = _distance(self.stop_pct, self.stop_distance, price)
        target = _distance(self.target_pct, self.target_distance, price)
        plan = ExitPlan(
            side,
            None if stop is None else price - side * stop,
            None if target is None else price + side * target,
            self.trail_distance,
            self.trail_pct,
            price,
        )
        return None if plan.empty else plan


def _distance(pct: float | None, distance: float | None, price: float) -> float | None:
    if pct is not None:
        return price * pct / 100.0
    return distance
