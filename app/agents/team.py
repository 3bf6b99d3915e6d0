"""The agent team: analysts, the bull/bear debate, the risk manager and the trader.

``AgentTeam(spec.agents, mode).decide(context)`` runs, for one candidate (a rule fired
and the regime filter let it through):

1. each analyst in the spec's team gives an :class:`Opinion` (in ``llm`` mode the model
   form, in parallel up to the concurrency limit, falling back per agent);
2. the bull and bear researchers debate for ``debate_rounds`` rounds;
3. the risk manager (code; a model may only tighten it) approves, shrinks or vetoes;
4. lessons from similar closed setups adjust the conviction;
5. the trader scores conviction and size; the team approves when the risk manager did
   not veto and conviction reaches the minimum (the spec's, plus the regime filter's
   raise in a transition). The size factor is clamped to the risk cap, itself <= 1.

The result, a :class:`TeamDecision`, is the complete decision record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.agents.debate import run_debate
from app.agents.features import Features, measure
from app.agents.headlines import NewsSource, default_news
from app.agents.fundamentals import FundamentalsAnalyst
from app.agents.macro import MacroAnalyst
from app.agents.memory import (
    InMemoryLessonStore,
    LessonStore,
    Recall,
    Scope,
    figures_of,
    recall,
    reflect,
)
from app.agents.models import (
    DebateTurn,
    DecisionContext,
    DecisionUsage,
    Evidence,
    Lesson,
    Mode,
    Opinion,
    RiskVerdict,
    SetupKey,
    TeamDecision,
)
from app.agents.news import NewsAnalyst
from app.agents.researcher import Researcher
from app.agents.risk_manager import RiskManager
from app.agents.technical import TechnicalAnalyst
from app.agents._scoring import stance_of
from app.agents.news import MAX_POINTS as NEWS_CAP
from app.agents.trader import PortfolioTrader, TraderCall, size_for
from app.spec.models import AgentsSpec, Limits, StrategySpec

if TYPE_CHECKING:
    from app.agents.llm.analyst import Analyst

ANALYSTS: dict[str, Callable[[], Analyst]] = {
    "technical": TechnicalAnalyst,
    "fundamentals": FundamentalsAnalyst,
    "news": NewsAnalyst,
    "macro": MacroAnalyst,
}


class AgentTeam:
    """Decides candidates for one run. Offline it is pure and repeatable."""

    def __init__(
        self,
        agents: AgentsSpec | None = None,
        mode: Mode = "offline",
        *,
        limits: Limits | None = None,
        max_positions: int | None = None,
        llm: Any = None,
        lessons: LessonStore | None = None,
        mask: bool = False,
        strategy: str = "",
        memory_scope: Scope = "symbol",
        recall_with: Recall | None = None,
        news: NewsSource | None = None,
    ) -> None:
        """
        Args:
            agents: The spec's team, debate rounds and minimum conviction (defaults if None).
            mode: ``offline`` (deterministic agents) or ``llm`` (model forms).
            limits: The spec's risk limits, for the risk manager.
            max_positions: The spec's position cap, for the risk manager.
            llm: An :class:`~app.agents.llm.client.AgentLLM` for ``llm`` mode (built from
                the settings when None).
            lessons: Where reflections are kept and recalled (in memory by default).
            mask: Hide symbols, dates and price levels from the model (LLM backtests).
            strategy: The strategy's name: lessons are kept and recalled per strategy.
            memory_scope: Which lessons a decision may recall: ``symbol`` (the same symbol
                and strategy, the default), ``strategy`` (any symbol of it) or ``all``.
            recall_with: Replaces :func:`~app.agents.memory.recall` (the evaluation's
                null draws random lesson points through it).
            news: Where each decision's headlines come from (default: the process's
                :func:`~app.agents.headlines.default_news`, none offline).
        """
        self.spec = agents or AgentsSpec()
        self.mode: Mode = mode
        self.analysts = [ANALYSTS[name]() for name in self.spec.team]
        self.risk_manager = RiskManager(limits, max_positions)
        self.trader = PortfolioTrader()
        self.lessons: LessonStore = lessons if lessons is not None else InMemoryLessonStore()
        self.mask = mask
        self.strategy = strategy
        self.memory_scope: Scope = memory_scope
        self.recall: Recall = recall_with or recall
        self.news_source: NewsSource | None = news or default_news()
        self.run_id = ""
        """Set by the runner: lesson ids then name the run that learnt them."""
        self.memo: dict[Any, Any] | None = None
        """Offline, the figures, opinions and debate of a candidate depend only on its bars,
        the benchmark and the evidence, not on the book: runs over one window (``parley
        evaluate``'s null draws) may share them through this dict. None: no sharing."""
        self.llm = None
        if mode == "llm":
            from app.agents.llm.client import AgentLLM
            from app.config import load_settings

            self.llm = llm or AgentLLM.from_settings(load_settings())

    @classmethod
    def for_spec(cls, spec: StrategySpec, mode: Mode = "offline", **kwargs: Any) -> AgentTeam:
        """A team with the spec's agents, limits and position cap."""
        kwargs.setdefault("strategy", spec.name)
        return cls(
            spec.agents, mode, limits=spec.limits, max_positions=spec.max_positions, **kwargs
        )

    def decide(self, ctx: DecisionContext) -> TeamDecision:
        ctx = self._with_news(ctx)
        session = self._session(ctx)
        feats, opinions, debate = self._analysis(ctx, session)
        setup = SetupKey(
            rule=ctx.rule,
            side=ctx.side,
            regime=ctx.regime or "unknown",
            trend=feats.trend,  # type: ignore[arg-type]
            volatility=feats.volatility,  # type: ignore[arg-type]
        )
        min_conv = min(100, self.spec.min_conviction + ctx.conviction_raise)
        risk = self._risk(ctx, feats, opinions, session)
        figures = figures_of(feats)
        hits, lesson_points = self.recall(
            self.lessons,
            setup,
            before=ctx.time,
            symbol=ctx.symbol,
            strategy=self.strategy,
            figures=figures,
            scope=self.memory_scope,
        )
        call = self._trade(ctx, opinions, debate, risk, lesson_points, min_conv, session)
        if session is None:
            call = self._news_bounded(ctx, opinions, risk, lesson_points, min_conv, call)
        without = self._without_memory(ctx, opinions, debate, risk, call, lesson_points, min_conv)
        approved = risk.action != "veto" and call.conviction >= min_conv and call.size_factor > 0
        size = min(call.size_factor, risk.size_factor, 1.0) if approved else 0.0
        problems = session.problems if session else ()
        return TeamDecision(
            symbol=ctx.symbol,
            time=ctx.time,
            rule=ctx.rule,
            side=ctx.side,
            regime=ctx.regime,
            regime_confidence=ctx.regime_confidence,
            portfolio_equity=ctx.portfolio.equity,
            exposure_pct=round(ctx.portfolio.exposure_pct, 3),
            setup=setup,
            conviction=call.conviction,
            min_conviction=min_conv,
            approved=approved,
            size_factor=round(size, 3),
            opinions=opinions,
            debate=debate,
            risk=risk,
            lessons=tuple(hits),
            memory_points=lesson_points,
            conviction_without_memory=without,
            strategy=self.strategy,
            figures=figures,
            reasons=self._reasons(ctx, risk, call, hits, lesson_points, min_conv, approved),
            mode=self.mode,
            degraded=bool(problems),
            degraded_why=problems,
            usage=session.meter.usage() if session else DecisionUsage(),
        )

    def record_outcome(self, decision: TeamDecision, closed: Any, outcome_pct: float) -> Lesson:
        """Reflect on a closed trade and keep the lesson for later similar setups."""
        lesson = reflect(decision, closed, outcome_pct, self.run_id)
        self.lessons.add(lesson)
        return lesson

    def _analysis(
        self, ctx: DecisionContext, session: Any
    ) -> tuple[Features, tuple[Opinion, ...], tuple[DebateTurn, ...]]:
        """The candidate's figures, the analysts' opinions and the debate (from
        :attr:`memo` when an earlier run over the same window already made them)."""
        key = None
        if self.memo is not None and session is None:
            key = (
                ctx.symbol,
                ctx.time,
                ctx.rule,
                ctx.side,
                ctx.regime,
                ctx.conviction_raise,
                tuple(h.time for h in ctx.headlines),
            )
            if key in self.memo:
                return self.memo[key]  # type: ignore[no-any-return]
        feats = measure(ctx.bars)
        opinions = self._opinions(ctx, feats, session)
        out = (feats, opinions, self._debate(ctx, opinions, session))
        if key is not None:
            self.memo[key] = out  # type: ignore[index]
        return out

    def _session(self, ctx: DecisionContext) -> Any:
        if self.llm is None:
            return None
        from app.agents.llm.masking import Masker
        from app.agents.llm.session import Session

        return Session(self.llm, Masker(ctx.symbol, ctx.time, ctx.benchmark_name, self.mask))

    def _opinions(self, ctx: DecisionContext, feats: Features, session: Any) -> tuple[Opinion, ...]:
        if session is None:
            return tuple(a.opinion(ctx, feats) for a in self.analysts)
        if not session.budget_open():
            note = "token budget exhausted: deterministic form"
            return tuple(
                a.opinion(ctx, feats).model_copy(update={"note": note}) for a in self.analysts
            )
        from app.agents.llm.analyst import LLMAnalyst

        forms = [LLMAnalyst(a) for a in self.analysts]
        futures = [
            self.llm.pool.submit(f.opinion, ctx, feats, session, False)  # type: ignore[union-attr]
            for f in forms
        ]
        return tuple(f.result() for f in futures)

    def _debate(
        self, ctx: DecisionContext, opinions: tuple[Opinion, ...], session: Any
    ) -> tuple[DebateTurn, ...]:
        if session is None:
            return run_debate(
                opinions, self.spec.debate_rounds, Researcher("bull"), Researcher("bear")
            )
        from app.agents.llm.researcher import LLMResearcher

        return run_debate(
            opinions,
            self.spec.debate_rounds,
            LLMResearcher("bull", ctx, session),
            LLMResearcher("bear", ctx, session),
        )

    def _risk(
        self, ctx: DecisionContext, feats: Features, opinions: tuple[Opinion, ...], session: Any
    ) -> RiskVerdict:
        code = self.risk_manager.verdict(ctx, feats)
        if session is None:
            return code
        from app.agents.llm.risk import LLMRiskManager

        return LLMRiskManager().review(ctx, code, opinions, session)

    def _with_news(self, ctx: DecisionContext) -> DecisionContext:
        """The context with the news source's headlines for it (validated again: a
        headline after the decision time is refused, as any other look-ahead)."""
        if self.news_source is None or "news" not in self.spec.team:
            return ctx
        found, problem = self.news_source.before(ctx.symbol, ctx.time)
        mine = tuple(
            h
            for h in found
            if h.time <= ctx.time
            and (not h.symbols or ctx.symbol.upper() in {s.upper() for s in h.symbols})
        )
        fields = {k: getattr(ctx, k) for k in type(ctx).model_fields}
        fields.update(
            headlines=tuple(sorted(ctx.headlines + mine, key=lambda h: h.time)),
            news_source=self.news_source.name,
            news_problem=problem,
        )
        return DecisionContext(**fields)

    def _news_bounded(
        self,
        ctx: DecisionContext,
        opinions: tuple[Opinion, ...],
        risk: RiskVerdict,
        points: float,
        min_conv: int,
        call: TraderCall,
    ) -> TraderCall:
        """Hold the conviction between what the news at -cap and at +cap would give.

        Whatever the headlines say (and however many there are), news moves the decision
        no further than one news view at its cap, with all its weight in one point."""
        at = next((i for i, o in enumerate(opinions) if o.agent == "news"), None)
        if at is None or opinions[at].stance == "abstain":
            return call
        bounds = []
        for score in (-NEWS_CAP, NEWS_CAP):
            stub = Opinion(
                agent="news",
                stance=stance_of(score),
                score=score,
                rationale="the news at its cap",
                evidence=(Evidence(fact="news at its cap", points=score),),
            )
            ops = opinions[:at] + (stub,) + opinions[at + 1 :]
            debate = run_debate(
                ops, self.spec.debate_rounds, Researcher("bull"), Researcher("bear")
            )
            bounds.append(
                self.trader.call(ctx.side, ops, debate, risk, points, min_conv).conviction
            )
        lo, hi = min(bounds), max(bounds)
        if lo <= call.conviction <= hi:
            return call
        held = max(lo, min(hi, call.conviction))
        return TraderCall(
            conviction=held,
            size_factor=size_for(held, min_conv, risk.size_factor),
            rationale=f"{call.rationale} News held to its cap: conviction "
            f"{call.conviction} -> {held}.",
            source=call.source,
        )

    def _without_memory(
        self,
        ctx: DecisionContext,
        opinions: tuple[Opinion, ...],
        debate: tuple[DebateTurn, ...],
        risk: RiskVerdict,
        call: TraderCall,
        points: float,
        min_conv: int,
    ) -> int:
        """The conviction the same call would have had without the lessons' points."""
        if not points:
            return call.conviction
        if call.source == "llm":
            return int(round(max(0.0, min(100.0, call.conviction - points))))
        return self.trader.call(ctx.side, opinions, debate, risk, 0.0, min_conv).conviction

    def _trade(
        self,
        ctx: DecisionContext,
        opinions: tuple[Opinion, ...],
        debate: tuple[DebateTurn, ...],
        risk: RiskVerdict,
        lesson_points: float,
        min_conv: int,
        session: Any,
    ) -> TraderCall:
        det = self.trader.call(ctx.side, opinions, debate, risk, lesson_points, min_conv)
        if session is None:
            return det
        from app.agents.llm.trader import LLMTrader

        model = LLMTrader().call(ctx, opinions, debate, risk, min_conv, session)
        if model is None:
            return det
        conviction = int(round(max(0.0, min(100.0, model.conviction + lesson_points))))
        size = min(model.size_factor, risk.size_factor) if conviction >= min_conv else 0.0
        return TraderCall(
            conviction=conviction,
            size_factor=round(size, 3),
            rationale=model.rationale,
            source="llm",
        )

    @staticmethod
    def _reasons(
        ctx: DecisionContext,
        risk: RiskVerdict,
        call: TraderCall,
        hits: list[Any],
        lesson_points: float,
        min_conv: int,
        approved: bool,
    ) -> tuple[str, ...]:
        regime = ctx.regime or "unknown"
        conf = "" if ctx.regime_confidence is None else f" ({ctx.regime_confidence:.2f})"
        out = [f"rule fired: {ctx.rule} ({ctx.side})", f"regime: {regime}{conf}"]
        if ctx.conviction_raise:
            out.append(f"regime transition: minimum conviction raised by {ctx.conviction_raise}")
        out.append(f"risk {risk.action} (cap {risk.size_factor:.2f}): " + "; ".join(risk.reasons))
        if hits:
            moved = ", ".join(f"{h.outcome_pct:+.1f}% trade {h.points:+.1f}" for h in hits)
            out.append(
                f"{len(hits)} similar past setup(s): conviction {lesson_points:+.1f} ({moved})"
            )
        out.append(f"trader ({call.source}): {call.rationale}")
        if approved:
            out.append(f"approved: conviction {call.conviction} >= {min_conv}")
        elif risk.action == "veto":
            out.append("rejected: vetoed by the risk manager")
        elif call.conviction < min_conv:
            out.append(f"rejected: conviction {call.conviction} below the minimum {min_conv}")
        else:
            out.append("rejected: size factor 0")
        return tuple(out)
