"""The LLM form of the bull and bear researchers; the deterministic one stands in on failure."""

from __future__ import annotations

from app.agents.lexicon import clean
from app.agents.llm import prompts as P
from app.agents.llm.answers import TurnAnswer
from app.agents.llm.session import Session
from app.agents.models import DebateTurn, DecisionContext
from app.agents.researcher import DebateState, Researcher, Speaker


class LLMResearcher:
    """Speaks for one side with the opinions and the transcript so far in view."""

    def __init__(self, speaker: Speaker, ctx: DecisionContext, session: Session) -> None:
        self.speaker = speaker
        self.ctx = ctx
        self.session = session
        self.fallback = Researcher(speaker)

    def speak(self, state: DebateState) -> DebateTurn:
        m = self.session.masker
        user = "\n\n".join(
            [
                P.candidate(self.ctx, m),
                P.opinions_block(state.opinions, m),
                P.transcript_block(state.transcript, m),
                f"This is round {state.round}. Speak as the {self.speaker}.",
            ]
        )
        answer, _ = self.session.ask(self.speaker, TurnAnswer, user)
        if answer is None:
            return self.fallback.speak(state)
        return DebateTurn(
            round=state.round,
            speaker=self.speaker,
            argument=clean(answer.argument),
            answers=clean(answer.answers) if answer.answers else None,
            points=tuple(clean(p) for p in answer.points),
            strength=answer.strength,
            source="llm",
        )
