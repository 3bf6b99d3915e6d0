"""The LLM form of the portfolio trader; its numbers are clamped by the team in code."""

from __future__ import annotations

from app.agents.debate import balance
from app.agents.lexicon import clean
from app.agents.llm import prompts as P
from app.agents.llm.answers import TraderAnswer
from app.agents.llm.session import Session
from app.agents.models import DebateTurn, DecisionContext, Opinion, RiskVerdict
from app.agents.trader import TraderCall


class LLMTrader:
    def call(
        self,
        ctx: DecisionContext,
        opinions: tuple[Opinion, ...],
        debate: tuple[DebateTurn, ...],
        risk: RiskVerdict,
        min_conviction: int,
        session: Session,
    ) -> TraderCall | None:
        """The model's conviction and size, or None (the caller falls back)."""
        m = session.masker
        user = "\n\n".join(
            [
                P.candidate(ctx, m),
                P.opinions_block(opinions, m),
                P.transcript_block(debate, m),
                f"debate balance: {balance(debate):+.0f} (-100 bear .. +100 bull)",
                P.verdict_block(risk),
                f"minimum conviction to trade: {min_conviction}",
            ]
        )
        answer, _ = session.ask("trader", TraderAnswer, user)
        if answer is None:
            return None
        return TraderCall(
            conviction=int(round(answer.conviction)),
            size_factor=answer.size_factor,
            rationale=clean(answer.rationale),
            source="llm",
        )
