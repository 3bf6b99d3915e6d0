"""The LLM form of the risk manager: it reviews the code's verdict and may only tighten it."""

from __future__ import annotations

from app.agents.lexicon import clean
from app.agents.llm import prompts as P
from app.agents.llm.answers import RiskAnswer
from app.agents.llm.session import Session
from app.agents.models import DecisionContext, Opinion, RiskVerdict
from app.agents.risk_manager import stricter


class LLMRiskManager:
    def review(
        self,
        ctx: DecisionContext,
        code: RiskVerdict,
        opinions: tuple[Opinion, ...],
        session: Session,
    ) -> RiskVerdict:
        """The stricter of the code's verdict and the model's (the code's on failure)."""
        if code.action == "veto":
            return code  # nothing a model says can lift a veto; save the call
        m = session.masker
        user = "\n\n".join(
            [
                P.candidate(ctx, m),
                P.portfolio_block(ctx),
                P.opinions_block(opinions, m),
                P.verdict_block(code),
            ]
        )
        answer, _ = session.ask("risk", RiskAnswer, user)
        if answer is None:
            return code
        size = 0.0 if answer.action == "veto" else answer.size_factor
        model = RiskVerdict(
            action=answer.action,
            size_factor=size,
            reasons=tuple(clean(r) for r in answer.reasons),
            source="llm",
        )
        return stricter(code, model)
