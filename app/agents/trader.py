"""The portfolio trader: conviction 0-100 for the candidate, and a size within the spec.

Conviction is ``50 + (aligned edge) / 2 + lesson points``, where the edge blends the
analysts' weighted score (70%) with the debate balance (30%), signed by the trade's side.
The size factor is 0 below the minimum conviction; above it, it grows from half to all
of the risk manager's cap. It can never exceed that cap, and the cap never exceeds 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.agents.debate import balance
from app.agents.models import DebateTurn, Opinion, RiskVerdict, Side, Source

WEIGHTS = {"technical": 0.40, "macro": 0.25, "news": 0.20, "fundamentals": 0.15}
DEBATE_SHARE = 0.30


@dataclass(frozen=True)
class TraderCall:
    """The trader's answer before the team's final checks."""

    conviction: int
    size_factor: float
    rationale: str
    source: Source = "deterministic"


def analyst_edge(opinions: tuple[Opinion, ...]) -> float:
    """The weighted mean score of the analysts that did not abstain (-100..100)."""
    live = [o for o in opinions if o.stance != "abstain"]
    weight = sum(WEIGHTS.get(o.agent, 0.1) for o in live)
    if not weight:
        return 0.0
    return sum(WEIGHTS.get(o.agent, 0.1) * o.score for o in live) / weight


def size_for(conviction: int, min_conviction: int, cap: float) -> float:
    """0 below the minimum; from half the cap at the minimum up to the cap at 100."""
    if conviction < min_conviction or cap <= 0:
        return 0.0
    span = 100 - min_conviction
    share = 1.0 if span == 0 else 0.5 + 0.5 * (conviction - min_conviction) / span
    return round(min(cap, cap * share), 3)


class PortfolioTrader:
    """Turns opinions, debate, risk and lessons into conviction and size."""

    def call(
        self,
        side: Side,
        opinions: tuple[Opinion, ...],
        debate: tuple[DebateTurn, ...],
        risk: RiskVerdict,
        lesson_points: float,
        min_conviction: int,
    ) -> TraderCall:
        sign = 1 if side == "long" else -1
        analysts = analyst_edge(opinions)
        argued = balance(debate)
        edge = (1 - DEBATE_SHARE) * analysts + DEBATE_SHARE * argued if debate else analysts
        raw = 50 + sign * edge / 2 + lesson_points
        conviction = int(round(max(0.0, min(100.0, raw))))
        size = size_for(conviction, min_conviction, risk.size_factor)
        why = (
            f"Analysts {analysts:+.0f}, debate {argued:+.0f}"
            f"{f', lessons {lesson_points:+.0f}' if lesson_points else ''}: "
            f"conviction {conviction} for the {side} (minimum {min_conviction}); "
            f"size {size:.2f} of the spec's."
        )
        return TraderCall(conviction=conviction, size_factor=size, rationale=why)
