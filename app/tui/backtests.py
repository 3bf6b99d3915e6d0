"""Backtesting a spec for the backtest screen: the engine ``parley backtest`` runs, on the
bundled data (or a folder the services name), with each trade tied to its entry decision.

Pure Python (no Textual): :meth:`BacktestService.run` blocks for as long as the backtest
takes, so the screen calls it from a thread worker and passes a progress callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.tui.decisions import entry_decisions, rule_texts, when

if TYPE_CHECKING:
    from app.backtest import BacktestResult
    from app.execution.decision import DecisionRecord
    from app.tui.evaluations import EvaluationOutcome
    from app.tui.sweeps import SweepOutcome

Progress = Callable[[float, str], None]
"""(fraction done 0..1, what is happening) -> None."""
LOAD_SHARE = 0.05
"""The part of the progress bar loading the data takes."""


@dataclass(frozen=True)
class BacktestOutcome:
    """A finished backtest and what the screen shows of it."""

    spec_text: str
    source: str
    """Where the spec came from (the chat, a file name)."""
    data: str
    """Which data it ran on, in words."""
    result: BacktestResult
    decisions: tuple[DecisionRecord, ...]
    """Every entry candidate's decision, in time order."""
    entries: tuple[DecisionRecord | None, ...]
    """Per closed trade (``result.trades``), the decision that opened it."""
    trade_rows: tuple[tuple[str, ...], ...]
    """Per closed trade, the trade list's cells (see :func:`trade_cells`)."""
    rules: dict[str, str] = field(default_factory=dict)
    """Each rule's text as the spec writes it (:func:`rule_texts`)."""


class BacktestService:
    """Runs backtests on ``data`` (a CSV file or folder; None: the bundled data)."""

    def __init__(
        self,
        data: Path | None = None,
        cash: float = 10_000.0,
        agents: str | None = None,
        draws: int | None = None,
    ) -> None:
        from app.tui.evaluations import DRAWS

        self.data = data
        self.cash = cash
        self.agents = agents
        self.draws = DRAWS if draws is None else draws
        """Null draws per layer when evaluating."""

    def describe_data(self) -> str:
        return "bundled data" if self.data is None else str(self.data)

    def run(
        self, spec_text: str, source: str = "", progress: Progress | None = None
    ) -> BacktestOutcome:
        """Parse, load the bars, backtest; the same path as ``parley backtest``.

        Raises:
            ParleyError: the spec does not validate, the data lacks a symbol or history,
                or the engine refuses the request (each says what to do).
        """
        from app.backtest import run_backtest
        from app.dsl import parse_spec
        from app.market.data_source import load_for_spec

        report = progress or (lambda _f, _what: None)
        spec = parse_spec(spec_text)
        report(0.0, f"loading {self.describe_data()}")
        frames = load_for_spec(spec, self.data)
        report(LOAD_SHARE, "backtesting")
        result = run_backtest(
            spec,
            frames,
            cash=self.cash,
            agents=self.agents,
            source=self.describe_data(),
            progress=lambda f: report(LOAD_SHARE + (1 - LOAD_SHARE) * f, "backtesting"),
        )
        rules = rule_texts(spec)
        decisions = tuple(result.decisions)
        entries = tuple(entry_decisions(result.trades, decisions))
        rows = tuple(trade_cells(t, result.timezone) for t in result.trades)
        report(1.0, "done")
        return BacktestOutcome(
            spec_text, source, self.describe_data(), result, decisions, entries, rows, rules
        )

    def evaluate(
        self, spec_text: str, source: str = "", progress: Progress | None = None
    ) -> EvaluationOutcome:
        """``parley evaluate`` on the same data (see :mod:`app.tui.evaluations`)."""
        from app.tui.evaluations import run_evaluation

        return run_evaluation(spec_text, source, self.data, self.cash, self.draws, progress)

    def sweep(
        self, spec_text: str, source: str = "", progress: Progress | None = None
    ) -> SweepOutcome:
        """``parley sweep`` on the same data (see :mod:`app.tui.sweeps`)."""
        from app.tui.sweeps import run_sweep_of

        return run_sweep_of(spec_text, source, self.data, self.cash, progress=progress)


def trade_cells(t: Any, clock: str | None = None) -> tuple[str, ...]:
    """A closed trade as the trade list's cells (dates only for daily bars), its times in
    its symbol's zone when the run's ``clock`` is another (a mixed run's UTC)."""
    from app.instruments.clock import zone_of

    zone = zone_of(t.symbol) if clock is not None else None
    return (
        t.symbol,
        t.side,
        when(t.entry_time_ns, clock, zone),
        f"{t.entry_price:,.2f}",
        when(t.exit_time_ns, clock, zone),
        f"{t.exit_price:,.2f}",
        f"{t.qty:,.6g}",
        f"{t.pnl:+,.2f}",
        f"{t.pnl_pct:+.2f}%",
        str(t.bars_held),
        t.exit_reason,
    )
