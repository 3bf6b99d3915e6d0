"""Running the bull/bear debate and reading its balance."""

from __future__ import annotations

from typing import Protocol

from app.agents.models import DebateTurn, Opinion
from app.agents.researcher import DebateState


class Speaker(Protocol):
    @property
    def speaker(self) -> str: ...

    def speak(self, state: DebateState) -> DebateTurn: ...


def run_debate(
    opinions: tuple[Opinion, ...], rounds: int, bull: Speaker, bear: Speaker
) -> tuple[DebateTurn, ...]:
    """``rounds`` rounds; in each the bull speaks, then the bear answers."""
    transcript: list[DebateTurn] = []
    for r in range(1, rounds + 1):
        for side in (bull, bear):
            state = DebateState(round=r, opinions=opinions, transcript=tuple(transcript))
            transcript.append(side.speak(state))
    return tuple(transcript)


def balance(turns: tuple[DebateTurn, ...]) -> float:
    """-100 (the bear won outright) .. +100 (the bull did); 0 for no debate or a draw.

    Each side's weight is the sum of its turns' strengths. Answers are not discounted:
    the bear always speaks last, so discounting answered points would favour it.
    """
    totals = {"bull": 0.0, "bear": 0.0}
    for t in turns:
        totals[t.speaker] += t.strength
    whole = totals["bull"] + totals["bear"]
    return 0.0 if whole == 0 else round(100 * (totals["bull"] - totals["bear"]) / whole, 1)
