"""The bull and bear researchers: one class, two sides, arguing from the analysts' evidence.

Each turn cites the speaker's next-strongest unused point and answers the opponent's
strongest point still standing. The text is built from the evidence itself, so the same
opinions always give the same debate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.agents.models import DebateTurn, Evidence, Opinion

Speaker = Literal["bull", "bear"]


@dataclass(frozen=True)
class Point:
    """A piece of evidence as debate ammunition."""

    agent: str
    evidence: Evidence

    @property
    def weight(self) -> float:
        return abs(self.evidence.points)

    @property
    def fact(self) -> str:
        return self.evidence.fact


@dataclass(frozen=True)
class DebateState:
    """What a researcher knows when it speaks."""

    round: int
    opinions: tuple[Opinion, ...]
    transcript: tuple[DebateTurn, ...]


def points_for(speaker: Speaker, opinions: tuple[Opinion, ...]) -> list[Point]:
    """The speaker's ammunition, strongest first (ties keep the analysts' order)."""
    sign = 1 if speaker == "bull" else -1
    pool = [
        Point(o.agent, e)
        for o in opinions
        if o.stance != "abstain"
        for e in o.evidence
        if sign * e.points > 0
    ]
    return sorted(pool, key=lambda p: -p.weight)


class Researcher:
    """Argues one side: ``bull`` for a rise in price, ``bear`` for a fall."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker: Speaker = speaker
        self.other: Speaker = "bear" if speaker == "bull" else "bull"

    def speak(self, state: DebateState) -> DebateTurn:
        mine = points_for(self.speaker, state.opinions)
        used = {p for t in state.transcript if t.speaker == self.speaker for p in t.points}
        fresh = [p for p in mine if p.fact not in used]
        target = self._target(state)
        parts = [self._claim(fresh[0]) if fresh else self._no_claim(mine)]
        if target is not None:
            parts.append(self._answer(target, mine, state))
        return DebateTurn(
            round=state.round,
            speaker=self.speaker,
            argument=" ".join(parts),
            answers=target,
            points=(fresh[0].fact,) if fresh else (),
            strength=min(100.0, fresh[0].weight) if fresh else 0.0,
        )

    def _target(self, state: DebateState) -> str | None:
        """The opponent's strongest cited point that nobody has answered yet."""
        answered = {t.answers for t in state.transcript if t.answers}
        theirs = [
            t
            for t in state.transcript
            if t.speaker == self.other and t.points and t.points[0] not in answered
        ]
        return max(theirs, key=lambda t: t.strength).points[0] if theirs else None

    def _claim(self, point: Point) -> str:
        side = "for a rise" if self.speaker == "bull" else "for a fall"
        return (
            f"{self.speaker.title()}: the {point.agent} case {side} is that "
            f"{point.fact} ({point.evidence.points:+.0f})."
        )

    def _no_claim(self, mine: list[Point]) -> str:
        if not mine:
            return f"{self.speaker.title()}: no analyst evidence supports this side."
        return f"{self.speaker.title()}: no new evidence; my case rests on what was said."

    def _answer(self, target: str, mine: list[Point], state: DebateState) -> str:
        if not mine:
            return f'On "{target}": conceded, nothing here answers it.'
        best = mine[0]
        theirs = max(t.strength for t in state.transcript if t.points and t.points[0] == target)
        verdict = "outweighs it" if best.weight >= theirs else "still stands against it"
        return f'On "{target}": {best.fact} ({best.evidence.points:+.0f}) {verdict}.'
