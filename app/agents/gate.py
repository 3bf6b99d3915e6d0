"""The agent team as a gate of the execution path (:mod:`app.execution.gate`).

The engine hands each entry candidate to ``AgentGate.decide``; the gate builds the
decision context (bars cut at the candidate's bar, the portfolio as far as it can see
it, the regime when a provider is given), asks the team, and returns the engine's
``Decision`` with the full :class:`TeamDecision` as its record. The engine's own risk
gate and the spec's caps still apply after it: the team can only shrink or veto.

``offline_team_gate`` and ``llm_team_gate`` are the factories the gate registry finds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.agents.context import make_context
from app.agents.macro import equal_weight_benchmark
from app.agents.models import Headline, Mode, PortfolioSnapshot, TeamDecision
from app.agents.team import AgentTeam
from app.execution.gate import Candidate, Decision
from app.indicators.bars import Bars
from app.spec.models import StrategySpec

DEFAULT_LLM_BUDGET = 300_000
"""Tokens an LLM run may use unless told otherwise (about 100-200 decisions)."""


@dataclass(frozen=True)
class RegimeView:
    """What the regime filter says at a candidate's bar."""

    label: str | None
    confidence: float | None = None
    in_transition: bool = False
    conviction_raise: int = 0


RegimeProvider = Callable[[Candidate], RegimeView | None]
PortfolioProvider = Callable[[Candidate], PortfolioSnapshot]


class AgentGate:
    """Adapts :class:`AgentTeam` to the engine's ``Gate`` protocol."""

    name = "agents"

    def __init__(
        self,
        team: AgentTeam,
        spec: StrategySpec | None = None,
        *,
        benchmark: Bars | None = None,
        benchmark_name: str = "equal-weight universe",
        headlines: Iterable[Headline] = (),
        regime: RegimeProvider | None = None,
        portfolio: PortfolioProvider | None = None,
    ) -> None:
        self.team = team
        self.spec = spec
        self.benchmark = benchmark
        self.benchmark_name = benchmark_name
        self.headlines = tuple(sorted(headlines, key=lambda h: h.time))
        self.regime = regime
        self.portfolio = portfolio
        self.decisions: list[TeamDecision] = []
        self._approved: dict[str, list[tuple[int, TeamDecision]]] = {}
        self._peak = 0.0
        self._day: tuple[Any, float] | None = None

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Give the macro analyst an equal-weight index of the run's symbols."""
        self.benchmark = equal_weight_benchmark(frames)

    def decide(self, candidate: Candidate) -> Decision:
        decision = self.team.decide(self._context(candidate))
        self.decisions.append(decision)
        if decision.approved:
            self._approved.setdefault(candidate.symbol, []).append((candidate.time_ns, decision))
        return Decision(approved=decision.approved, size_factor=decision.size_factor,
                        conviction=float(decision.conviction), reasons=decision.reasons,
                        record=decision.model_dump(mode="json"))

    def on_trade_closed(self, trade: Any) -> None:
        """Reflect on a closed trade (any object with ``symbol``, ``entry_time_ns``,
        ``exit_time_ns`` and ``pnl_pct``, such as the engine's ``Trade``)."""
        opened = [d for t, d in self._approved.get(trade.symbol, []) if t <= trade.entry_time_ns]
        if opened:
            closed = pd.Timestamp(trade.exit_time_ns).to_pydatetime()
            self.team.record_outcome(opened[-1], closed, float(trade.pnl_pct))

    def _context(self, c: Candidate) -> Any:
        view = self.regime(c) if self.regime else None
        extra: dict[str, Any] = {}
        if view is not None:
            conf = view.confidence
            extra = dict(regime=view.label,
                         regime_confidence=None if conf is None or math.isnan(conf) else conf,
                         in_transition=view.in_transition,
                         conviction_raise=view.conviction_raise)
        snapshot = self.portfolio(c) if self.portfolio else self._snapshot(c)
        return make_context(
            c.symbol, c.history(), c.time.to_pydatetime(), rule=self._rule_text(c.rule),
            side=c.side, portfolio=snapshot, benchmark=self.benchmark,  # type: ignore[arg-type]
            benchmark_name=self.benchmark_name, headlines=self.headlines,
            proposed_pct=self._proposed_pct(c, snapshot.equity), **extra)

    def _snapshot(self, c: Candidate) -> PortfolioSnapshot:
        """Equity, its peak and the day's start, as seen through the candidates."""
        equity = c.equity if c.equity and c.equity > 0 else 1.0
        self._peak = max(self._peak, equity)
        day = np.datetime64(c.time_ns, "ns").astype("datetime64[D]")
        if self._day is None or self._day[0] != day:
            self._day = (day, equity)
        return PortfolioSnapshot(equity=equity, peak_equity=self._peak,
                                 day_start_equity=self._day[1])

    def _rule_text(self, rule: str) -> str:
        if self.spec is None:
            return rule
        node = getattr(self.spec, rule, None)
        if node is None:
            return rule
        from app.dsl.printer import format_expr

        return f"{rule.replace('_', ' ')}: {format_expr(node)}"

    def _proposed_pct(self, c: Candidate, equity: float) -> float | None:
        sizing = self.spec.sizing if self.spec else None
        if sizing is None or equity <= 0:
            return None
        if sizing.kind == "pct_equity":
            return sizing.value
        if sizing.kind == "fixed_usd":
            return 100 * sizing.value / equity
        if sizing.kind == "fixed_shares":
            return 100 * sizing.value * c.price / equity
        return None  # risk_pct: the size depends on the stop, known only to the engine


def _gate(spec: StrategySpec, mode: Mode, **team_kwargs: Any) -> AgentGate:
    return AgentGate(AgentTeam.for_spec(spec, mode, **team_kwargs), spec)


def offline_team_gate(spec: StrategySpec) -> AgentGate:
    """The deterministic team for ``spec`` (gate registry name ``offline``)."""
    return _gate(spec, "offline")


def llm_team_gate(spec: StrategySpec, *, mask: bool = True,
                  budget_tokens: int | None = DEFAULT_LLM_BUDGET) -> AgentGate:
    """The LLM team for ``spec`` (registry name ``llm``): masked prompts, a token budget.

    Raises:
        ParleyError: no ANTHROPIC_API_KEY is set.
    """
    from app.agents.llm.client import AgentLLM
    from app.config import load_settings

    llm = AgentLLM.from_settings(load_settings(), budget_tokens=budget_tokens)
    return _gate(spec, "llm", llm=llm, mask=mask)
