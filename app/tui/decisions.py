"""One decision record as the backtest and monitor screens show it, whichever side made it.

A backtest hands over :class:`app.execution.session.DecisionRecord` objects; a run's
decision log is :class:`app.store.tables.DecisionRow` rows whose ``record`` holds the same
gates' records under ``"gates"``. Both become a :class:`DecisionInfo`: the rule, the
regime filter's view, the agent team's full :class:`~app.agents.models.TeamDecision`
(opinions, debate, risk verdict, conviction) when a team ruled, and the outcome.

Pure Python (no Textual); built in worker threads, rendered by
:class:`app.tui.widgets.decision_view.DecisionView`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.agents.models import TeamDecision


@dataclass(frozen=True)
class RegimeInfo:
    """What the regime filter said at the decision's bar."""

    label: str
    confidence: float | None
    reason: str


@dataclass(frozen=True)
class DecisionInfo:
    """An entry candidate and what became of it."""

    id: int
    """The decision log's row id (0 in a backtest: the record's index there)."""
    time_ns: int
    symbol: str
    side: str
    rule: str
    approved: bool
    qty: float
    conviction: float | None
    reasons: tuple[str, ...]
    regime: RegimeInfo | None = None
    gates: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The gates' records as stored; the team's is validated when first shown."""
    orders: tuple[str, ...] = ()
    rule_text: str = ""
    """The rule as written in the spec ("long entry: sma(close, 10) crosses above ..."),
    when the spec is at hand."""

    @cached_property
    def team(self) -> TeamDecision | None:
        """The agent team's decision (opinions, debate, risk verdict, conviction), or None
        when no team ruled. Validated on first use: a log of hundreds of decisions costs
        nothing until one is shown."""
        return team_of(self.gates)

    @classmethod
    def from_backtest(cls, index: int, d: Any, rules: dict[str, str] | None = None
                      ) -> DecisionInfo:
        """From a backtest's ``DecisionRecord`` (its ``record`` is the gates' records);
        ``rules``: :func:`rule_texts` of the spec."""
        return cls._make(index, d.time_ns, d.symbol, d.side, d.rule, d.approved, d.qty,
                         d.conviction, tuple(d.reasons), d.record or {}, (), rules)

    @classmethod
    def from_row(cls, row: Any, rules: dict[str, str] | None = None) -> DecisionInfo:
        """From a run's ``DecisionRow`` (gates' records under ``record["gates"]``)."""
        record = row.record or {}
        return cls._make(row.id or 0, int(row.time_ns or 0), row.symbol, row.side, row.rule,
                         row.approved, row.qty, row.conviction,
                         tuple(record.get("reasons", ())), record.get("gates") or {},
                         tuple(record.get("orders", ())), rules)

    @classmethod
    def _make(cls, id_: int, time_ns: int, symbol: str, side: str, rule: str, approved: bool,
              qty: float, conviction: float | None, reasons: tuple[str, ...],
              gates: dict[str, Any], orders: tuple[str, ...],
              rules: dict[str, str] | None) -> DecisionInfo:
        return cls(id_, int(time_ns), symbol, side, rule, bool(approved), float(qty),
                   conviction, reasons, regime_of(gates), gates, orders,
                   (rules or {}).get(rule, ""))


def rule_texts(spec: Any) -> dict[str, str]:
    """Each entry rule's name (``long_entry``) -> the rule as the spec writes it."""
    from app.dsl.printer import format_expr

    return {name: f"{name.replace('_', ' ')}: {format_expr(getattr(spec, name))}"
            for name in ("long_entry", "short_entry") if getattr(spec, name) is not None}


def regime_of(gates: dict[str, Any]) -> RegimeInfo | None:
    view = gates.get("regime")
    if not isinstance(view, dict) or not view.get("regime"):
        return None
    return RegimeInfo(str(view["regime"]), view.get("confidence"), str(view.get("reason", "")))


def team_of(gates: dict[str, Any]) -> TeamDecision | None:
    """The agent team's decision, validated back into its model (None if absent or odd)."""
    record = gates.get("agents")
    if not isinstance(record, dict):
        return None
    from pydantic import ValidationError

    from app.agents.models import TeamDecision

    try:
        return TeamDecision.model_validate(record)
    except ValidationError:
        return None


def entry_decisions(trades: Sequence[Any], decisions: Sequence[DecisionInfo]
                    ) -> list[DecisionInfo | None]:
    """For each trade, the approved decision that opened it: the symbol's last approved
    decision before the entry fill (an order fills at the bar after its decision)."""
    approved: dict[str, list[DecisionInfo]] = defaultdict(list)
    for d in decisions:
        if d.approved:
            approved[d.symbol].append(d)
    times = {s: [d.time_ns for d in ds] for s, ds in approved.items()}
    out: list[DecisionInfo | None] = []
    for t in trades:
        found = times.get(t.symbol, [])
        i = bisect_left(found, int(t.entry_time_ns)) - 1
        out.append(approved[t.symbol][i] if i >= 0 else None)
    return out


_EPOCH = datetime(1970, 1, 1)


def when(ns: int | None) -> str:
    """A bar time (int64 ns): the date alone for daily bars, else date and minute."""
    if not ns:
        return "-"
    t = _EPOCH + timedelta(microseconds=int(ns) // 1000)
    if (t.hour, t.minute, t.second) == (0, 0, 0):
        return t.strftime("%Y-%m-%d")
    return t.strftime("%Y-%m-%d %H:%M")
