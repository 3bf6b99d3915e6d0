"""Commission and slippage: what a fill costs beyond the quoted price.

Both use one small model with three kinds, because traders quote costs in all three ways:

* ``per_share`` -- dollars per share (``0.005/share``);
* ``percent``   -- percent of the traded value (``0.1%``);
* ``fixed``     -- dollars per order, whatever its size (``1``).

Commission is charged in cash. Slippage moves the fill price against the trader (buys fill
higher, sells lower); a ``fixed`` slippage is spread over the order's shares. Slippage
applies to market and stop fills, not to take-profit fills, which are limit orders and fill
at their price or better. The default for both is zero, as in the reference backtesters.
"""

from __future__ import annotations

import math

import re
from dataclasses import dataclass
from typing import Literal

from app.errors import ParleyError

CostKind = Literal["none", "per_share", "percent", "fixed"]

_PER_SHARE = re.compile(r"^\$?([0-9.]+)\s*/\s*(share|sh|shares)$")
_PERCENT = re.compile(r"^([0-9.]+)\s*%$")
_FIXED = re.compile(r"^\$?([0-9.]+)\s*(/\s*(order|trade|fill))?$")
_PATTERNS: tuple[tuple[re.Pattern[str], CostKind], ...] = (
    (_PER_SHARE, "per_share"),
    (_PERCENT, "percent"),
    (_FIXED, "fixed"),
)


@dataclass(frozen=True, slots=True)
class CostModel:
    """A cost of ``value`` in the unit its ``kind`` names (see the module docstring)."""

    kind: CostKind = "none"
    value: float = 0.0

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ParleyError(f"a cost cannot be negative ({self.value:g})")

    @property
    def is_zero(self) -> bool:
        return self.kind == "none" or self.value == 0.0

    def cash(self, qty: float, price: float) -> float:
        """The cost in dollars of trading ``qty`` shares at ``price`` (used for commission)."""
        if self.is_zero or qty == 0:
            return 0.0
        if self.kind == "per_share":
            return self.value * abs(qty)
        if self.kind == "percent":
            return abs(qty) * price * self.value / 100.0
        return self.value

    def per_share(self, qty: float, price: float) -> float:
        """The same cost expressed per share, for moving a fill price (used for slippage)."""
        if self.is_zero or qty == 0:
            return 0.0
        return self.cash(qty, price) / abs(qty)

    def describe(self) -> str:
        if self.is_zero:
            return "none"
        return {
            "per_share": f"${self.value:g}/share",
            "percent": f"{self.value:g}%",
            "fixed": f"${self.value:g} per order",
        }[self.kind]


ZERO = CostModel()

MAX_PERCENT = 10.0
"""The largest cost in percent of an order's value: above it a cash account could pay more
in costs than it holds."""


def parse_cost(text: str | float | None, what: str = "cost") -> CostModel:
    """``"0.1%"``, ``"0.005/share"``, ``"1"`` (dollars per order) or ``None``/``"0"``.

    Raises:
        ParleyError: the text is none of those forms.
    """
    if text is None:
        return ZERO
    if isinstance(text, (int, float)):
        return CostModel("fixed", float(text)) if text else ZERO
    raw = text.strip().lower()
    for pattern, kind in _PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                value = float(match.group(1))
            except ValueError:
                break
            if not math.isfinite(value):
                break
            if kind == "percent" and value > MAX_PERCENT:
                raise ParleyError(
                    f"a {what} of {text.strip()} of each order's value is more than any "
                    f"broker charges (at most {MAX_PERCENT:g}%)",
                    "write it as a percent like 0.1%",
                )
            return CostModel(kind, value) if value else ZERO
    raise ParleyError(
        f"cannot read the {what} {text!r}",
        "write it as a percent (0.1%), dollars per share (0.005/share) or dollars per order (1)",
    )
