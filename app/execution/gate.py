"""The decision hook between "a rule fired" and "an order is placed".

Every entry candidate passes through a chain of gates before the risk gate and sizing
(DESIGN.md section 5: rules -> regime filter -> agent team -> risk gate -> sizing ->
order). A gate may approve, veto or shrink (``size_factor``), and may attach a conviction
score, its reasons and its own typed record (a pydantic model) for the decision log. The
default gate approves everything, so a spec without a regime filter or agent team trades on
its rules alone.

Gates only ever see data up to the decision bar: a candidate carries the bars cut there,
which is what makes a replay through the gates free of look-ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd
from pydantic import BaseModel

from app.indicators.bars import Bars


@dataclass(frozen=True, slots=True)
class Candidate:
    """A rule fired on a closed bar: a possible new position, not yet approved or sized."""

    symbol: str
    side: str
    """``long`` or ``short``."""
    rule: str
    """The rule that fired: ``long_entry`` or ``short_entry``."""
    bar: int
    time_ns: int
    price: float
    """The close of the signal bar."""
    bars: Bars
    """The symbol's bars up to and including the decision bar: the engine cuts them, so
    nothing later is reachable from a candidate."""
    equity: float | None = None
    """Portfolio equity at this close, when the engine computed it for sizing."""

    @property
    def time(self) -> pd.Timestamp:
        return pd.Timestamp(self.time_ns)

    def history(self) -> Bars:
        """The symbol's bars up to and including the decision bar (never later ones)."""
        return self.bars


def bars_until(bars: Bars, bar: int) -> Bars:
    """Views of ``bars`` up to and including index ``bar`` (no copy)."""
    end = bar + 1
    return Bars(
        bars.index[:end],
        bars.open[:end],
        bars.high[:end],
        bars.low[:end],
        bars.close[:end],
        bars.volume[:end],
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """A gate's verdict on a candidate."""

    approved: bool
    size_factor: float = 1.0
    """Multiplies the size the spec's sizing rule gives (0.5 halves it)."""
    conviction: float | None = None
    """0-100 when the gate scores conviction (the agent team does)."""
    reasons: tuple[str, ...] = ()
    record: BaseModel | None = None
    """The gate's own typed record for the decision log (the regime filter's reading, the
    agent team's opinions and debate)."""
    records: Mapping[str, BaseModel] = field(default_factory=dict)
    """The chain's verdict: every ruling gate's ``record``, by gate name."""


APPROVE = Decision(True)


@dataclass(frozen=True, slots=True)
class BookView:
    """The account at a decision's close, as the gates may read it: equity, its highest
    close and the day's starting equity (tracked at every bar's close), and each open
    position or waiting entry as (symbol, ``long``/``short``, market value)."""

    equity: float
    peak_equity: float | None
    day_start_equity: float | None
    positions: tuple[tuple[str, str, float], ...] = ()


@runtime_checkable
class Gate(Protocol):
    """Anything that can rule on a candidate. Must be deterministic for a given input."""

    name: str

    def decide(self, candidate: Candidate) -> Decision: ...


class RulesOnlyGate:
    """The default: every rule signal is acted on."""

    name = "rules"

    def decide(self, candidate: Candidate) -> Decision:
        return APPROVE


@dataclass
class GateChain:
    """Gates applied in order; the first veto stops the chain, size factors multiply.

    Two optional hooks reach the gates that define them: ``use_universe(frames)`` once
    before a run (the agent team builds its market index from it) and
    ``on_trade_closed(trade)`` after each round trip (the team's memory reflects on it).
    """

    gates: Sequence[Gate] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self.gates = tuple(self.gates)
        self._trivial = all(isinstance(g, RulesOnlyGate) for g in self.gates)

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        for gate in self.gates:
            hook = getattr(gate, "use_universe", None)
            if hook is not None:
                hook(frames)

    def use_book(self, view: Callable[[], BookView]) -> None:
        """Let the gates that read the portfolio (the agent team's risk manager) see the
        real book: ``view()`` is the account at the decision's close."""
        for gate in self.gates:
            hook = getattr(gate, "use_book", None)
            if hook is not None:
                hook(view)

    @property
    def wants_book(self) -> bool:
        return any(hasattr(g, "use_book") for g in self.gates)

    def restore(self, decisions: Sequence[tuple[str, int, Mapping[str, BaseModel]]]) -> None:
        """Rebuild the gates' memory of a run's earlier decisions after a restart: each is
        (symbol, time in ns, the gates' records of it, by gate name)."""
        for gate in self.gates:
            hook = getattr(gate, "restore", None)
            if hook is not None:
                hook([(sym, t, rec[gate.name]) for sym, t, rec in decisions if gate.name in rec])

    @property
    def trade_listeners(self) -> list[Callable[[Any], None]]:
        """The gates' ``on_trade_closed`` hooks (empty for rules-only runs)."""
        hooks = (getattr(g, "on_trade_closed", None) for g in self.gates)
        return [h for h in hooks if h is not None]

    @property
    def trivial(self) -> bool:
        """True when every gate is the rules-only default (lets the engine skip the call)."""
        return self._trivial

    def decide(self, candidate: Candidate) -> Decision:
        if self.trivial:
            return APPROVE
        factor, conviction = 1.0, None
        reasons: list[str] = []
        records: dict[str, BaseModel] = {}
        for gate in self.gates:
            d = gate.decide(candidate)
            reasons += d.reasons
            if d.record is not None:
                records[gate.name] = d.record
            if d.conviction is not None:
                conviction = d.conviction
            if not d.approved:
                return Decision(False, 0.0, conviction, tuple(reasons), records=records)
            factor *= d.size_factor
        return Decision(factor > 0, factor, conviction, tuple(reasons), records=records)
