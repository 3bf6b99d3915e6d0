"""Memory: a reflection on every closed trade, retrieved for later similar setups.

A :class:`Lesson` records the setup (rule, side, regime, trend and volatility buckets),
the thesis the team acted on, the outcome, and what should have changed the conviction.
Later decisions on setups similar enough (:func:`similarity` >= :data:`MIN_SIMILARITY`)
and closed *before* the decision time (no look-ahead) move the conviction: a lost setup
lowers it, a won one raises it a little, at most :data:`MAX_POINTS` either way.
"""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import TypeAdapter

from app.agents.models import Lesson, LessonHit, SetupKey, TeamDecision

MIN_SIMILARITY = 0.6
MAX_POINTS = 15.0
_FIELDS = {"rule": 0.35, "regime": 0.25, "trend": 0.25, "volatility": 0.15}


class LessonStore(Protocol):
    """Where lessons live. In memory, a JSON file, later SQLite (the runner's)."""

    def add(self, lesson: Lesson) -> None: ...

    def all(self) -> list[Lesson]: ...


def similarity(a: SetupKey, b: SetupKey) -> float:
    """0..1: the weighted share of setup features two setups share (0 across sides)."""
    if a.side != b.side:
        return 0.0
    return round(sum(w for f, w in _FIELDS.items() if getattr(a, f) == getattr(b, f)), 3)


def recall(store: LessonStore, setup: SetupKey, before: datetime,
           k: int = 5) -> tuple[list[LessonHit], float]:
    """The ``k`` most similar lessons closed by ``before``, and their conviction points."""
    scored = [(similarity(setup, les.setup), les) for les in store.all() if les.closed <= before]
    close = sorted(((s, les) for s, les in scored if s >= MIN_SIMILARITY),
                   key=lambda p: (-p[0], -p[1].closed.timestamp(), p[1].id))[:k]
    if not close:
        return [], 0.0
    total = sum(s for s, _ in close)
    hits = [LessonHit(lesson_id=les.id, similarity=s, outcome_pct=les.outcome_pct,
                      reflection=les.reflection, points=round(s * les.hint / total, 2))
            for s, les in close]
    points = max(-MAX_POINTS, min(MAX_POINTS, sum(h.points for h in hits)))
    return hits, round(points, 2)


def hint_for(outcome_pct: float) -> float:
    """A loss lowers conviction 3 points per percent lost; a win raises it half as fast."""
    if outcome_pct < 0:
        return round(max(-MAX_POINTS, 3 * outcome_pct), 2)
    return round(min(MAX_POINTS / 2, 1.5 * outcome_pct), 2)


def reflect(decision: TeamDecision, closed: datetime, outcome_pct: float) -> Lesson:
    """The deterministic reflection on a closed trade the team approved."""
    sign = 1 if decision.side == "long" else -1
    ev = [(o.agent, e) for o in decision.opinions for e in o.evidence if e.points]
    support = max(ev, key=lambda p: sign * p[1].points, default=None)
    against = min(ev, key=lambda p: sign * p[1].points, default=None)
    thesis = (f"{decision.side} on '{decision.rule}' in {decision.regime or 'an unknown regime'}"
              f" at conviction {decision.conviction}"
              + (f", mainly because {support[1].fact} ({support[0]})" if support else ""))
    won = outcome_pct >= 0
    if won:
        lesson = (f"won {outcome_pct:+.1f}%: the thesis held"
                  + (f"; {support[1].fact} deserved its weight" if support else ""))
    else:
        lesson = (f"lost {outcome_pct:+.1f}%: conviction should have been lower"
                  + (f"; {against[1].fact} ({against[0]}) deserved more weight"
                     if against and sign * against[1].points < 0 else
                     "; no analyst evidence warned against it, so treat this setup with doubt"))
    stamp = decision.time.strftime("%Y%m%dT%H%M")
    return Lesson(id=f"{decision.symbol}-{stamp}-{decision.side}", setup=decision.setup,
                  opened=decision.time, closed=closed, conviction=decision.conviction,
                  outcome_pct=round(outcome_pct, 3), thesis=thesis, reflection=lesson,
                  hint=hint_for(outcome_pct))


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


_LIST = TypeAdapter(list[Lesson])


class JsonLessonStore(InMemoryLessonStore):
    """Lessons in one JSON file, rewritten atomically on every add."""

    def __init__(self, path: Path) -> None:
        self.path = path
        existing = _LIST.validate_json(path.read_bytes()) if path.exists() else []
        super().__init__(existing)

    def add(self, lesson: Lesson) -> None:
        super().add(lesson)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(_LIST.dump_json(self.all(), indent=1))
        os.replace(tmp, self.path)
