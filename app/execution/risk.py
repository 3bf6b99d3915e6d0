"""The risk gate: limits enforced in code, after every other gate and before the order.

No gate or model output can bypass it. It vetoes every entry while the run's
:class:`~app.execution.limits.Limits` block them (daily loss, drawdown stop, circuit
breaker, PDT; a person's pause in a live run), and enforces the position caps of the spec --
``max positions``, ``limits.max_position_pct`` and the gross-exposure cap -- by shrinking
or vetoing a new position. Backtest, paper and live use this same gate.

The gross-exposure cap always holds: longs plus shorts, at market, plus entries waiting to
fill, never above ``max exposure`` of equity (:data:`DEFAULT_MAX_EXPOSURE_PCT` when the
spec sets none), whatever the sizing kind (shares, dollars, percent, risk) or side. An
entry that would break it is shrunk to the room left, or refused when none is left; the
decision record says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.execution.limits import Limits
from app.execution.sizing import round_qty
from app.spec.models import StrategySpec

DEFAULT_MAX_EXPOSURE_PCT = 100.0
"""Gross exposure allowed when the spec sets no ``max exposure``: no leverage."""


class RiskBook(Protocol):
    """What the risk gate reads about the portfolio at the decision's close."""

    def equity(self) -> float: ...

    def open_positions(self) -> int:
        """Positions still held after the next open, plus entries waiting to fill."""
        ...

    def gross_exposure(self) -> float:
        """Absolute market value of positions and of entries waiting to fill."""
        ...


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    qty: float
    reasons: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return self.qty > 0


class RiskGate:
    """The run's limits, then caps from the spec applied to a proposed size."""

    def __init__(self, spec: StrategySpec, limits: Limits | None = None) -> None:
        self.limits = limits if limits is not None else Limits(spec)
        self.max_positions = spec.max_positions
        self.max_position_pct = spec.limits.max_position_pct
        self.max_exposure_pct = spec.limits.max_exposure_pct or DEFAULT_MAX_EXPOSURE_PCT
        self.exposure_set = spec.limits.max_exposure_pct is not None
        self.cap_exposure = self.exposure_set or spec.short_entry is not None
        """Whether the gate checks the exposure cap. A long-only spec at the default cap
        cannot break it: longs are paid in cash (the paper broker cuts a buy to the cash,
        and lends none), so their value never exceeds equity; shorts can, so any spec
        that shorts is checked, as is any spec that sets its own cap."""

    @property
    def needs_equity(self) -> bool:
        return self.max_position_pct is not None or self.cap_exposure

    def blocked(self, exempt: bool, book: RiskBook) -> str | None:
        """Why no entry may open now, whatever its size (None: it may)."""
        return self.limits.blocked(exempt, book.equity)

    def check(
        self, qty: float, price: float, fractional: bool, book: RiskBook, exempt: bool | None = None
    ) -> RiskVerdict:
        """The size allowed (possibly smaller than ``qty``), zero with a reason to veto."""
        why = self.blocked(fractional if exempt is None else exempt, book)
        if why:
            return RiskVerdict(0.0, (why,))
        if qty <= 0:
            return RiskVerdict(0.0, ("the size rounds to zero",))
        if self.max_positions is not None and book.open_positions() >= self.max_positions:
            return RiskVerdict(0.0, (f"max positions {self.max_positions} reached",))
        reasons: list[str] = []
        if self.max_position_pct is not None:
            cap = book.equity() * self.max_position_pct / 100.0 / price
            if qty > cap:
                qty = round_qty(cap, fractional)
                reasons.append(f"shrunk to the {self.max_position_pct:g}% position cap")
        if qty > 0 and self.cap_exposure:
            qty = self._exposure(qty, price, fractional, book, reasons)
        if qty <= 0 and not reasons:
            reasons.append("no room left under the caps")
        return RiskVerdict(qty, tuple(reasons))

    def _exposure(
        self, qty: float, price: float, fractional: bool, book: RiskBook, reasons: list[str]
    ) -> float:
        """``qty`` cut to the room under the gross-exposure cap, the reason noted."""
        equity, gross = book.equity(), book.gross_exposure()
        room = max(equity, 0.0) * self.max_exposure_pct / 100.0 - gross
        if qty * price <= room:
            return qty
        cap = f"{self.max_exposure_pct:g}% gross exposure cap" + (
            "" if self.exposure_set else " (the default; the spec's `max exposure` sets it)"
        )
        allowed = round_qty(max(room, 0.0) / price, fractional)
        if allowed <= 0:
            reasons.append(
                f"refused: the {cap} is reached (gross ${gross:,.0f} of equity "
                f"${equity:,.0f}); this entry wants ${qty * price:,.0f} more"
            )
        else:
            reasons.append(
                f"shrunk from {qty:g} to {allowed:g} to the {cap} (gross "
                f"${gross:,.0f} of equity ${equity:,.0f})"
            )
        return allowed
