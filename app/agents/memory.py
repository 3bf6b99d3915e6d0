"""Memory: a reflection on every closed trade, retrieved for later similar setups.

A :class:`Lesson` records the setup (rule, side, regime, trend and volatility buckets, and
the indicator figures at entry), the thesis the team acted on, the outcome, and what should
have changed the conviction. By default a decision recalls only lessons of the **same
symbol and strategy** (``scope="symbol"``; ``"strategy"`` widens it to every symbol of the
strategy), closed *before* the decision time (no look-ahead), and similar enough
(:func:`similarity` >= :data:`MIN_SIMILARITY`). Their similarity-weighted mean hint moves
the conviction, at most :data:`MAX_POINTS` either way. Wins and losses count alike: a
trade that made x% suggests ``+POINTS_PER_PCT * x`` points, one that lost x% the same
amount down (:func:`hint_for`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Literal, Protocol

from app.agents.models import Lesson, LessonHit, SetupKey, TeamDecision

MIN_SIMILARITY = 0.6
MAX_POINTS = 15.0
"""Most the lessons together may move the conviction, either way."""
MAX_HINT = 10.0
"""Most one lesson suggests, either way."""
POINTS_PER_PCT = 2.0
CATEGORY_SHARE = 0.5
"""Share of the similarity from the categories; the rest comes from the figures."""
_FIELDS = {"rule": 0.35, "regime": 0.25, "trend": 0.25, "volatility": 0.15}
FIGURES: dict[str, float] = {
    "sma50_slope_pct": 2.0,
    "roc20": 10.0,
    "rsi14": 15.0,
    "atr_rank": 0.3,
    "adx14": 10.0,
}
"""Figures compared, each with the distance that counts as "one typical spread" (in the
figure's own units: percent, RSI points, rank share, ADX points)."""
Scope = Literal["symbol", "strategy", "all"]


class LessonStore(Protocol):
    """Where lessons live: in memory, or the runner's database (:mod:`app.store.lessons`)."""

    def add(self, lesson: Lesson) -> None: ...

    def all(self) -> list[Lesson]: ...


def figures_of(feats: object) -> dict[str, float]:
    """The :data:`FIGURES` of a setup (from :class:`app.agents.features.Features`), finite only."""
    out = {}
    for name in FIGURES:
        value = float(getattr(feats, name, math.nan))
        if math.isfinite(value):
            out[name] = round(value, 4)
    return out


def similarity(
    a: SetupKey,
    b: SetupKey,
    fa: Mapping[str, float] | None = None,
    fb: Mapping[str, float] | None = None,
) -> float:
    """0..1: shared setup categories and, given both setups' figures, how close those are.

    Without figures it is the weighted share of shared categories; with them, half that
    share and half ``exp(-mean distance)``, each figure's distance in typical spreads.
    Setups on opposite sides are never similar (0).
    """
    if a.side != b.side:
        return 0.0
    cats = sum(w for f, w in _FIELDS.items() if getattr(a, f) == getattr(b, f))
    common = [k for k in FIGURES if fa and fb and k in fa and k in fb]
    if not common:
        return round(cats, 3)
    dist = sum(abs(fa[k] - fb[k]) / FIGURES[k] for k in common) / len(common)  # type: ignore[index]
    return round(CATEGORY_SHARE * cats + (1 - CATEGORY_SHARE) * math.exp(-dist), 3)


def in_scope(lesson: Lesson, symbol: str, strategy: str, scope: Scope) -> bool:
    """Whether ``lesson`` may be recalled for ``symbol`` under ``strategy``.

    Lessons written before lessons named their symbol and strategy match on any, as does
    an empty ``symbol`` or ``strategy`` asked for.
    """
    if scope == "all":
        return True
    same_strategy = not lesson.strategy or not strategy or lesson.strategy == strategy
    if scope == "strategy":
        return same_strategy
    return same_strategy and (
        not lesson.symbol or not symbol or lesson.symbol.upper() == symbol.upper()
    )


def recall(
    store: LessonStore,
    setup: SetupKey,
    before: datetime,
    k: int = 5,
    *,
    symbol: str = "",
    strategy: str = "",
    figures: Mapping[str, float] | None = None,
    scope: Scope = "symbol",
) -> tuple[list[LessonHit], float]:
    """The ``k`` most similar lessons in scope closed by ``before``, and their points.

    Each hit's ``points`` is its share of the total: ``similarity * hint / sum(similarity)``.
    """
    scored = [
        (similarity(setup, les.setup, figures, les.figures), les)
        for les in store.all()
        if les.closed <= before and in_scope(les, symbol, strategy, scope)
    ]
    close = sorted(
        ((s, les) for s, les in scored if s >= MIN_SIMILARITY),
        key=lambda p: (-p[0], -p[1].closed.timestamp(), p[1].id),
    )[:k]
    if not close:
        return [], 0.0
    total = sum(s for s, _ in close)
    hits = [
        LessonHit(
            lesson_id=les.id,
            similarity=s,
            outcome_pct=les.outcome_pct,
            reflection=les.reflection,
            points=round(s * les.hint / total, 2),
        )
        for s, les in close
    ]
    points = max(-MAX_POINTS, min(MAX_POINTS, sum(h.points for h in hits)))
    return hits, round(points, 2)


Recall = Callable[..., tuple[list[LessonHit], float]]


def hint_for(outcome_pct: float) -> float:
    """Conviction points a closed trade suggests: ``POINTS_PER_PCT`` per percent won or
    lost, the same both ways, at most :data:`MAX_HINT`."""
    points = POINTS_PER_PCT * outcome_pct
    return round(max(-MAX_HINT, min(MAX_HINT, points)), 2)


def lesson_id(decision: TeamDecision, run: str = "") -> str:
    """``run:strategy:symbol:entry-time:side``: unique across runs and strategies."""
    strategy = "".join(c if c.isalnum() else "_" for c in decision.strategy.lower()) or "spec"
    return (
        f"{run or 'backtest'}:{strategy}:{decision.symbol}:"
        f"{decision.time:%Y%m%dT%H%M%S}:{decision.side}"
    )


def reflect(decision: TeamDecision, closed: datetime, outcome_pct: float, run: str = "") -> Lesson:
    """The deterministic reflection on a closed trade the team approved."""
    sign = 1 if decision.side == "long" else -1
    ev = [(o.agent, e) for o in decision.opinions for e in o.evidence if e.points]
    support = max(ev, key=lambda p: sign * p[1].points, default=None)
    against = min(ev, key=lambda p: sign * p[1].points, default=None)
    thesis = (
        f"{decision.side} on '{decision.rule}' in {decision.regime or 'an unknown regime'}"
        f" at conviction {decision.conviction}"
        + (f", mainly because {support[1].fact} ({support[0]})" if support else "")
    )
    if outcome_pct >= 0:
        lesson = f"won {outcome_pct:+.1f}%: the thesis held" + (
            f"; {support[1].fact} deserved its weight" if support else ""
        )
    else:
        lesson = f"lost {outcome_pct:+.1f}%: conviction should have been lower" + (
            f"; {against[1].fact} ({against[0]}) deserved more weight"
            if against and sign * against[1].points < 0
            else "; no analyst evidence warned against it, so treat this setup with doubt"
        )
    return Lesson(
        id=lesson_id(decision, run),
        setup=decision.setup,
        symbol=decision.symbol,
        strategy=decision.strategy,
        figures=dict(decision.figures),
        opened=decision.time,
        closed=closed,
        conviction=decision.conviction,
        outcome_pct=round(outcome_pct, 3),
        thesis=thesis,
        reflection=lesson,
        hint=hint_for(outcome_pct),
    )


class InMemoryLessonStore:
    """Lessons in a list (a run, or a test)."""

    def __init__(self, lessons: list[Lesson] | None = None) -> None:
        self._lessons = list(lessons or [])
        self._lock = threading.Lock()

    def add(self, lesson: Lesson) -> None:
        with self._lock:
            self._lessons = [les for les in self._lessons if les.id != lesson.id] + [lesson]

    def all(self) -> list[Lesson]:
        with self._lock:
            return list(self._lessons)


class NullLessonStore:
    """No memory: keeps nothing, recalls nothing (the team without its memory)."""

    def add(self, lesson: Lesson) -> None:
        return None

    def all(self) -> list[Lesson]:
        return []
