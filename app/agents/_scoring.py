"""Small helpers the deterministic agents share to turn figures into opinions."""

from __future__ import annotations

import math

from app.agents.models import Evidence, Opinion, Stance

NEUTRAL_BAND = 10.0
"""Scores within +/- this are called neutral."""


def squash(x: float, scale: float, points: float) -> float:
    """``points * tanh(x / scale)``: smooth, bounded by ``points``, 0 for NaN."""
    if math.isnan(x):
        return 0.0
    return round(points * math.tanh(x / scale), 1)


def stance_of(score: float) -> Stance:
    if score > NEUTRAL_BAND:
        return "bullish"
    if score < -NEUTRAL_BAND:
        return "bearish"
    return "neutral"


def opinion_from(agent: str, evidence: list[Evidence], summary: str) -> Opinion:
    """An opinion whose score is the clipped sum of the evidence points."""
    score = round(max(-100.0, min(100.0, sum(e.points for e in evidence))), 1)
    stance = stance_of(score)
    return Opinion(
        agent=agent,
        stance=stance,
        score=score,
        evidence=tuple(evidence),
        rationale=f"{summary} Overall {stance} ({score:+.0f}).",
    )


def abstain(agent: str, why: str) -> Opinion:
    return Opinion(agent=agent, stance="abstain", score=0.0, rationale=why)


def fmt(x: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"
