"""The agent team as a gate of the execution path (:mod:`app.execution.gate`).

The engine hands each entry candidate to ``AgentGate.decide``; the gate builds the
decision context (bars cut at the candidate's bar, the real book -- equity, its peak, the
day's start, open positions and waiting entries, tracked at every bar by the execution
session, in a backtest and a run alike --, the regime when a provider is given), asks the
team, and returns the engine's ``Decision`` with the full :class:`TeamDecision` as its
record. The engine's own risk gate and the spec's caps still apply after it: the team can
only shrink or veto.

What the gate remembers is rebuilt from the store when a run resumes: the book's peak and
day start live in the limits' checkpoint, and :meth:`AgentGate.restore` takes back the
approved decisions (the theses of open trades, reflected on when they close) from the
run's decision log.

``offline_team_gate`` and ``llm_team_gate`` are the factories :mod:`app.backtest.gates` imports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.agents.context import make_context
from app.agents.macro import EqualWeightIndex
from app.agents.models import Headline, Mode, PortfolioSnapshot, Position, TeamDecision
from app.agents.team import AgentTeam
from app.execution.gate import BookView, Candidate, Decision
from app.indicators.bars import Bars
from app.spec.expr import number
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
        self._index = EqualWeightIndex()
        self.decisions: list[TeamDecision] = []
        self._approved: dict[str, list[tuple[int, TeamDecision]]] = {}
        self._peak = 0.0
        self._day: tuple[Any, float] | None = None
        self.fallback: str | None = None
        """Why the team fell back to offline mid-run (None: it did not)."""
        self.book: Callable[[], BookView] | None = None
        """The execution session's view of the account (None: only the candidates')."""

    def use_book(self, view: Callable[[], BookView]) -> None:
        """Read the account from the execution session at every decision."""
        self.book = view

    def restore(self, decisions: Iterable[tuple[str, int, Any]]) -> None:
        """Take back the team's approved decisions of a resumed run (symbol, time, the
        team's record as logged), so trades opened before a restart close with a lesson."""
        self._approved = {}
        for symbol, time_ns, decision in decisions:
            if isinstance(decision, TeamDecision) and decision.approved:
                self._approved.setdefault(symbol, []).append((int(time_ns), decision))

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Give the macro analyst an equal-weight index of the run's symbols (the team's
        memo keeps it for later runs over the same window). A live run hands over its
        growing universe every bar: only the new bars are taken in
        (:class:`~app.agents.macro.EqualWeightIndex`), not all history again."""
        memo = self.team.memo
        if memo is not None and "benchmark" in memo:
            self.benchmark = memo["benchmark"]
            return
        self.benchmark = self._index.update(frames)
        if memo is not None:
            memo["benchmark"] = self.benchmark

    def decide(self, candidate: Candidate) -> Decision:
        decision = self.team.decide(self._context(candidate))
        self._fall_back_if_unreachable(decision)
        self.decisions.append(decision)
        if decision.approved:
            self._approved.setdefault(candidate.symbol, []).append((candidate.time_ns, decision))
        return Decision(
            approved=decision.approved,
            size_factor=decision.size_factor,
            conviction=float(decision.conviction),
            reasons=decision.reasons,
            record=decision,
        )

    def _fall_back_if_unreachable(self, decision: TeamDecision) -> None:
        """A model API that cannot be reached is not asked again for every decision (each
        would wait out the client's retries): the offline team decides the rest of the run,
        and the user is told once."""
        if self.team.mode != "llm" or not decision.degraded:
            return
        down = [
            w
            for w in decision.degraded_why
            if "call failed" in w
            and any(k in w.lower() for k in ("connect", "timed out", "timeout", "unreachable"))
        ]
        if not down:
            return
        offline = AgentTeam.for_spec(self.spec, "offline") if self.spec else AgentTeam()
        offline.lessons = self.team.lessons
        self.team = offline
        self.fallback = (
            f"the model API is unreachable ({down[0]}): the offline team "
            "decides the rest of this run"
        )
        import logging

        logging.getLogger("parley").warning("note: %s", self.fallback)

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
            extra = dict(
                regime=view.label,
                regime_confidence=None if conf is None or math.isnan(conf) else conf,
                in_transition=view.in_transition,
                conviction_raise=view.conviction_raise,
            )
        snapshot = (
            self.portfolio(c)
            if self.portfolio
            else (self._from_book(self.book()) if self.book else self._snapshot(c))
        )
        return make_context(
            c.symbol,
            c.history(),
            c.time.to_pydatetime(),
            rule=self._rule_text(c.rule),
            side=c.side,  # type: ignore[arg-type]
            portfolio=snapshot,
            benchmark=self.benchmark,
            benchmark_name=self.benchmark_name,
            headlines=self.headlines,
            proposed_pct=self._proposed_pct(c, snapshot.equity),
            **extra,
        )

    @staticmethod
    def _from_book(view: BookView) -> PortfolioSnapshot:
        equity = view.equity if view.equity > 0 else 1e-9
        return PortfolioSnapshot(
            equity=equity,
            peak_equity=view.peak_equity,
            day_start_equity=view.day_start_equity,
            positions=tuple(
                Position(symbol=s, side=side, market_value=abs(v))  # type: ignore[arg-type]
                for s, side, v in view.positions
            ),
        )

    def _snapshot(self, c: Candidate) -> PortfolioSnapshot:
        """Equity, its peak and the day's start, as seen through the candidates."""
        equity = c.equity if c.equity and c.equity > 0 else 1.0
        self._peak = max(self._peak, equity)
        day = np.datetime64(c.time_ns, "ns").astype("datetime64[D]")
        if self._day is None or self._day[0] != day:
            self._day = (day, equity)
        return PortfolioSnapshot(
            equity=equity, peak_equity=self._peak, day_start_equity=self._day[1]
        )

    def _rule_text(self, rule: str) -> str:
        texts = self.__dict__.setdefault("_rule_texts", {})
        if rule not in texts:
            texts[rule] = self._format_rule(rule)
        return texts[rule]  # type: ignore[no-any-return]

    def _format_rule(self, rule: str) -> str:
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
        value = number(sizing.value)  # the spec is bound before it runs
        if sizing.kind == "pct_equity":
            return value
        if sizing.kind == "fixed_usd":
            return 100 * value / equity
        if sizing.kind == "fixed_shares":
            return 100 * value * c.price / equity
        return None  # risk_pct: the size depends on the stop, known only to the engine


def _gate(spec: StrategySpec, mode: Mode, **team_kwargs: Any) -> AgentGate:
    return AgentGate(AgentTeam.for_spec(spec, mode, **team_kwargs), spec)


def offline_team_gate(spec: StrategySpec) -> AgentGate:
    """The deterministic team for ``spec`` (gate registry name ``offline``)."""
    return _gate(spec, "offline")


def llm_team_gate(
    spec: StrategySpec, *, mask: bool = True, budget_tokens: int | None = DEFAULT_LLM_BUDGET
) -> AgentGate:
    """The LLM team for ``spec`` (registry name ``llm``): masked prompts, a token budget.

    Raises:
        ParleyError: no ANTHROPIC_API_KEY is set.
    """
    from app.agents.llm.client import AgentLLM
    from app.config import load_settings

    llm = AgentLLM.from_settings(load_settings(), budget_tokens=budget_tokens)
    return _gate(spec, "llm", llm=llm, mask=mask)
