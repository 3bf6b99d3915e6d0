"""One decision: an entry candidate and what became of it, the one model of the decision log.

The execution session makes a :class:`DecisionRecord` for every entry candidate; the
backtest result keeps them, the store writes and reads them back as they are
(:func:`app.store.convert.decision_row`, :func:`app.store.convert.decision_of`), and the
CLI and TUI show them. The gates' part is typed: each gate that ruled leaves its own
pydantic record under its name (the regime filter's ``RegimeRecord``, the agent team's
``TeamDecision``); :meth:`DecisionRecord.gate` finds one by its type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What happened to one entry candidate, for the decision log."""

    time_ns: int
    symbol: str
    side: str
    """``long`` or ``short``."""
    rule: str
    """The rule that fired: ``long_entry`` or ``short_entry``."""
    approved: bool
    qty: float
    conviction: float | None
    reasons: tuple[str, ...]
    gates: Mapping[str, BaseModel] = field(default_factory=dict)
    """Each gate's own record, by gate name (``regime``, ``agents``)."""
    orders: tuple[str, ...] = ()
    """The client order ids the decision produced (a live run's log)."""
    id: int = 0
    """The decision log's row id (0 before it is stored)."""

    def gate(self, kind: type[R]) -> R | None:
        """The record of the gate whose record is a ``kind`` (None when none ruled)."""
        return next((r for r in self.gates.values() if isinstance(r, kind)), None)

    def to_json(self, time: str) -> dict[str, Any]:
        """The decision as ``--json`` prints it (backtest and decision log alike), with its
        bar ``time`` as the caller writes times."""
        return {"time": time, "symbol": self.symbol, **self.record()}

    def record(self) -> dict[str, Any]:
        """The decision as JSON data, but its time and symbol: what the store keeps."""
        return {
            "rule": self.rule,
            "side": self.side,
            "approved": self.approved,
            "qty": self.qty,
            "conviction": self.conviction,
            "reasons": list(self.reasons),
            "gates": {name: r.model_dump(mode="json") for name, r in self.gates.items()},
            "orders": list(self.orders),
        }
