"""The LLM form of the four analysts: the deterministic analyst's figures, judged by a model.

The model sees the candidate, the figures the deterministic form computed (without its
points) and, per role, the bars, the headlines or the fundamentals. Without data
(no headlines, no fundamentals) no call is made: the deterministic abstention stands.
"""

from __future__ import annotations

from typing import Protocol

from app.agents.features import Features
from app.agents.lexicon import clean
from app.agents.llm import prompts as P
from app.agents.llm.answers import OpinionAnswer
from app.agents.llm.session import Session
from app.agents.models import DecisionContext, Evidence, Opinion
from app.agents.news import MAX_POINTS as NEWS_CAP

SCORE_CAP = {"news": NEWS_CAP}
"""Most a role's score may say, in code, whatever the model answers."""


class Analyst(Protocol):
    @property
    def name(self) -> str: ...

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion: ...


class LLMAnalyst:
    """Wraps a deterministic analyst; falls back to it on any failure."""

    def __init__(self, base: Analyst) -> None:
        self.base = base
        self.name = base.name

    def opinion(
        self, ctx: DecisionContext, feats: Features, session: Session, check_budget: bool = True
    ) -> Opinion:
        fallback = self.base.opinion(ctx, feats)
        if self.name in ("news", "fundamentals") and fallback.stance == "abstain":
            return fallback
        answer, why = session.ask(
            self.name, OpinionAnswer, self._user(ctx, fallback, session), check_budget=check_budget
        )
        if answer is None:
            return fallback.model_copy(update={"note": why})
        try:
            return self._opinion(answer, fallback)
        except ValueError as exc:  # a record the answer cannot make: fall back, say why
            why = f"{self.name}: LLM answer unusable ({exc}); deterministic form used"
            session.problem(why)
            return fallback.model_copy(update={"note": why})

    def _user(self, ctx: DecisionContext, base: Opinion, s: Session) -> str:
        m = s.masker
        parts = [P.candidate(ctx, m)]
        if self.name == "technical":
            parts += [P.bars_table(ctx, m), P.facts(base, m)]
        elif self.name == "news":
            parts.append(P.headlines(ctx, m))
        else:
            parts.append(P.facts(base, m))
        return "\n\n".join(parts)

    def _opinion(self, a: OpinionAnswer, base: Opinion) -> Opinion:
        cap = SCORE_CAP.get(self.name, 100.0)
        score = 0.0 if a.stance == "abstain" else round(max(-cap, min(cap, a.score)), 1)
        kept = tuple(e for e in base.evidence if "quarantined" in e.fact)
        evidence = (
            tuple(
                Evidence(fact=clean(e.fact), value=e.value, points=round(e.points, 1))
                for e in a.evidence
            )
            + kept
        )
        return Opinion(
            agent=self.name,
            stance=a.stance,
            score=score,
            rationale=clean(a.rationale),
            evidence=evidence,
            source="llm",
        )
