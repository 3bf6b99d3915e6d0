"""Helpers for showing decisions (:class:`app.execution.decision.DecisionRecord`, the one
model: a backtest's and a run's decision log alike) on the backtest and monitor screens.

Pure Python (no Textual); rendered by :class:`app.tui.widgets.decision_view.DecisionView`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.agents.models import TeamDecision
    from app.execution.decision import DecisionRecord
    from app.regime.gate import RegimeRecord


def rule_texts(spec: Any) -> dict[str, str]:
    """Each entry rule's name (``long_entry``) -> the rule as the spec writes it."""
    from app.dsl.printer import format_expr

    return {
        name: f"{name.replace('_', ' ')}: {format_expr(getattr(spec, name))}"
        for name in ("long_entry", "short_entry")
        if getattr(spec, name) is not None
    }


def regime_of(d: DecisionRecord) -> RegimeRecord | None:
    """What the regime filter said at the decision's bar (None: no filter ruled)."""
    from app.regime.gate import RegimeRecord

    return d.gate(RegimeRecord)


def team_of(d: DecisionRecord) -> TeamDecision | None:
    """The agent team's decision (opinions, debate, risk verdict), or None: no team ruled."""
    from app.agents.models import TeamDecision

    return d.gate(TeamDecision)


def entry_decisions(
    trades: Sequence[Any], decisions: Sequence[DecisionRecord]
) -> list[DecisionRecord | None]:
    """For each trade, the approved decision that opened it: the symbol's last approved
    decision before the entry fill (an order fills at the bar after its decision)."""
    approved: dict[str, list[DecisionRecord]] = defaultdict(list)
    for d in decisions:
        if d.approved:
            approved[d.symbol].append(d)
    times = {s: [d.time_ns for d in ds] for s, ds in approved.items()}
    out: list[DecisionRecord | None] = []
    for t in trades:
        found = times.get(t.symbol, [])
        i = bisect_left(found, int(t.entry_time_ns)) - 1
        out.append(approved[t.symbol][i] if i >= 0 else None)
    return out


_EPOCH = datetime(1970, 1, 1)


def when(ns: int | None, clock: str | None = None, zone: str | None = None) -> str:
    """A bar time (int64 ns): the date alone for daily bars, else date and minute. With
    the run's ``clock`` and a symbol's ``zone``, in that zone's wall time (a mixed run's
    UTC clock puts a New York daily bar at 04:00; its venue's date is what a trader reads)."""
    if not ns:
        return "-"
    if clock is not None and zone is not None and zone != clock:
        import numpy as np

        from app.instruments.clock import from_run_clock

        ns = int(from_run_clock(np.array([int(ns)], dtype=np.int64), clock, zone)[0])
    t = _EPOCH + timedelta(microseconds=int(ns) // 1000)
    if (t.hour, t.minute, t.second) == (0, 0, 0):
        return t.strftime("%Y-%m-%d")
    return t.strftime("%Y-%m-%d %H:%M")
