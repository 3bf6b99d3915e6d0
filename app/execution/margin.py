"""Margin rules of the paper broker: what a broker checks before and after a short.

The simulated account is a margin account that lends shares to short and never lends
cash to buy (longs are paid in full):

* **Buying power** is the equity left once every position's initial margin is set aside:
  ``equity - longs - initial x shorts`` (all at market). An opening order must fit in it,
  at its fill price: a buy needs its whole value, a short ``initial`` of its value (Reg T:
  50%, so a short's proceeds plus half again sit in the account). An order larger than the
  buying power is cut to what fits, and rejected when nothing does.
* **Maintenance margin**: equity must stay above ``maintenance`` of the shorts' market
  value. Each short gets the price at which, the rest of the book unchanged, its rise
  would bring equity down to that line; reaching it liquidates the short there (a margin
  call), checked within each bar like a stop (:mod:`app.execution.fill_model`).

These are the broker's lines; the strategy's own cap on gross exposure (the risk gate,
:mod:`app.execution.risk`) applies first and is usually the tighter one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.execution.portfolio import Position

Mark = Callable[[str], float]


@dataclass(frozen=True, slots=True)
class MarginRules:
    initial: float = 0.5
    """Initial margin on a short, as a fraction of its value (Reg T: 50%)."""
    maintenance: float = 0.3
    """Equity the account must keep against its shorts' market value."""

    def requirement(self, positions: Iterable[Position], mark: Mark) -> float:
        """Equity set aside for the open positions: longs in full, shorts ``initial``."""
        return sum(
            p.qty * mark(p.symbol) * (1.0 if p.side > 0 else self.initial) for p in positions
        )

    def buying_power(self, equity: float, positions: Iterable[Position], mark: Mark) -> float:
        """Equity free for new positions (never below zero)."""
        return max(equity - self.requirement(positions, mark), 0.0)

    def max_qty(self, side: int, price: float, buying_power: float) -> float:
        """The largest size an opening order on ``side`` at ``price`` may have."""
        per_share = price * (1.0 if side > 0 else self.initial)
        return buying_power / per_share if per_share > 0 else 0.0

    def call_price(
        self, equity: float, short: Position, price: float, others: float
    ) -> float | None:
        """Where ``short`` (marked at ``price`` in ``equity``) meets the maintenance line.

        ``others`` is the market value of the account's other shorts, held fixed. Equity
        falls by ``qty`` per dollar the short's price rises, while the requirement rises
        by ``maintenance x qty``: the line is crossed at
        ``(equity + qty x price - maintenance x others) / ((1 + maintenance) x qty)``.
        """
        if short.side > 0 or short.qty <= 0:
            return None
        m = self.maintenance
        level = (equity + short.qty * price - m * others) / ((1.0 + m) * short.qty)
        return max(level, price)
