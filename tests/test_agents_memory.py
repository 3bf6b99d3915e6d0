"""Memory: reflections on closed trades, recalled for similar setups of the same symbol and
strategy, scored the same way for wins and losses, shown in the decision record."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app.agents.memory import (
    FIGURES,
    InMemoryLessonStore,
    NullLessonStore,
    hint_for,
    recall,
    reflect,
    similarity,
)
from app.agents.models import Lesson, SetupKey, TeamDecision
from app.agents.team import AgentTeam
from app.spec.models import AgentsSpec
from tests.test_agents import context_at, sma_entries

REGIME = {"regime": "trending_up", "regime_confidence": 0.9}
FIGS = {"sma50_slope_pct": 1.0, "roc20": 5.0, "rsi14": 60.0, "atr_rank": 0.5, "adx14": 25.0}


def _key(**over: str) -> SetupKey:
    base = {
        "rule": "r",
        "side": "long",
        "regime": "trending_up",
        "trend": "up",
        "volatility": "normal",
    }
    return SetupKey(**{**base, **over})  # type: ignore[arg-type]


def test_similarity_weighs_categories_and_the_setups_figures() -> None:
    assert similarity(_key(), _key()) == 1.0
    assert similarity(_key(), _key(volatility="high")) == 0.85
    assert similarity(_key(), _key(rule="other")) == 0.65
    assert similarity(_key(), _key(side="short")) == 0.0
    assert similarity(_key(), _key(), FIGS, FIGS) == 1.0
    one_spread = {**FIGS, **{k: FIGS[k] + FIGURES[k] for k in FIGURES}}
    assert similarity(_key(), _key(), FIGS, one_spread) == round(0.5 + 0.5 * 0.36788, 3)
    far = {**FIGS, "rsi14": 20.0, "roc20": -25.0, "sma50_slope_pct": -5.0}
    # The same rule and buckets, but a very different setup: not similar enough.
    assert similarity(_key(), _key(), FIGS, far) < 0.6


def test_wins_and_losses_are_scored_symmetrically() -> None:
    for pct in (0.5, 2.0, 4.0, 20.0):
        assert hint_for(pct) == -hint_for(-pct)
    assert hint_for(2.0) == 4.0 and hint_for(20.0) == 10.0


def _decision(when: datetime, team: AgentTeam | None = None) -> TeamDecision:
    return (team or AgentTeam(AgentsSpec(min_conviction=0))).decide(
        context_at(when.isoformat(), **REGIME)
    )


def _lesson_like(d: TeamDecision, outcome: float, closed: datetime, **over: object) -> Lesson:
    base = reflect(d, closed, outcome)
    return base.model_copy(update=over) if over else base


def test_reflection_names_thesis_outcome_and_what_should_have_weighed_more() -> None:
    first, later = sma_entries()[10], sma_entries()[20]
    decision = _decision(first)
    lesson = reflect(decision, later, -4.0)
    assert lesson.outcome_pct == -4.0 and lesson.hint == -8.0
    assert lesson.setup == decision.setup and lesson.closed == later
    assert lesson.symbol == "GOOG" and lesson.figures == decision.figures
    assert "lost -4.0%" in lesson.reflection and "should have been lower" in lesson.reflection
    assert decision.rule in lesson.thesis and str(decision.conviction) in lesson.thesis


def test_a_recalled_losing_lesson_lowers_conviction_shows_by_how_much_and_flips() -> None:
    later = sma_entries()[16]
    probe = _decision(later)
    team = AgentTeam(AgentsSpec(min_conviction=max(0, probe.conviction - 5)))
    before = team.decide(context_at(later.isoformat(), **REGIME))
    assert before.approved and before.lessons == () and before.memory_points == 0

    # The same setup (same figures) on an earlier trade that closed before, and lost 6%.
    team.lessons.add(
        _lesson_like(probe, -6.0, later - timedelta(days=3), opened=later - timedelta(days=20))
    )
    after = team.decide(context_at(later.isoformat(), **REGIME))
    [hit] = after.lessons
    assert hit.similarity == 1.0 and hit.points == -10.0 and after.memory_points == -10.0
    assert after.conviction == before.conviction - 10
    assert after.conviction_without_memory == before.conviction
    assert not after.approved
    assert any("conviction -10.0 (-6.0% trade -10.0)" in r for r in after.reasons)


def test_a_win_raises_conviction_as_much_as_the_same_loss_lowers_it() -> None:
    later = sma_entries()[16]
    base = _decision(later)
    moved = []
    for outcome in (3.0, -3.0):
        team = AgentTeam(AgentsSpec(min_conviction=0))
        team.lessons.add(_lesson_like(base, outcome, later - timedelta(days=1)))
        moved.append(
            team.decide(context_at(later.isoformat(), **REGIME)).conviction - base.conviction
        )
    assert moved == [6, -6]


def test_lessons_are_kept_per_symbol_and_strategy_by_default() -> None:
    later = sma_entries()[16]
    base = _decision(later)
    closed = later - timedelta(days=1)
    other_symbol = _lesson_like(base, -6.0, closed, symbol="NVDA", id="x:NVDA")
    other_strategy = _lesson_like(base, -6.0, closed, strategy="Other", id="x:other")
    team = AgentTeam(
        AgentsSpec(min_conviction=0),
        strategy=base.strategy or "S",
        lessons=InMemoryLessonStore([other_symbol, other_strategy]),
    )
    team.strategy = "S"
    own = team.decide(context_at(later.isoformat(), **REGIME))
    assert own.lessons == ()  # neither the other symbol's nor the other strategy's lesson
    wide = AgentTeam(
        AgentsSpec(min_conviction=0),
        strategy="Other",
        memory_scope="strategy",
        lessons=InMemoryLessonStore([other_symbol]),
    )
    assert [h.lesson_id for h in wide.decide(context_at(later.isoformat(), **REGIME)).lessons] == [
        "x:NVDA"
    ]


def test_lesson_ids_are_unique_across_runs_and_strategies() -> None:
    entries = sma_entries()
    ids = set()
    for run, strategy in (("run-a", "S"), ("run-b", "S"), ("run-a", "T")):
        team = AgentTeam(strategy=strategy)
        team.run_id = run
        opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
        ids.add(team.record_outcome(opened, entries[15], -3.0).id)
    assert len(ids) == 3
    store = InMemoryLessonStore()
    for les_id in ids:
        store.add(_lesson_like(_decision(entries[14]), -3.0, entries[15], id=les_id))
    assert len(store.all()) == 3  # no run's lesson replaces another's


def test_lessons_are_not_recalled_before_the_trade_closed() -> None:
    entries = sma_entries()
    team = AgentTeam()
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    team.record_outcome(opened, entries[20], -6.0)
    early = team.decide(context_at(entries[16].isoformat(), **REGIME))
    assert early.lessons == ()  # closed at entries[20], after this decision: no look-ahead
    assert recall(team.lessons, opened.setup, before=entries[20], figures=opened.figures)[1] < 0


def test_the_null_store_keeps_nothing() -> None:
    entries = sma_entries()
    team = AgentTeam(lessons=NullLessonStore())
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    team.record_outcome(opened, entries[15], -6.0)
    assert team.lessons.all() == []


def test_the_database_store_keeps_lessons_across_runs(tmp_path: Path) -> None:
    from app.store import Store
    from app.store.lessons import SqlLessonStore

    entries = sma_entries()
    url = f"sqlite:///{tmp_path / 'lessons.db'}"
    team = AgentTeam(lessons=SqlLessonStore(Store(url)))
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    lesson = team.record_outcome(opened, entries[15], -3.0)
    team.record_outcome(opened, entries[15], -3.0)  # the same trade twice: kept once

    reopened = SqlLessonStore(Store(url))
    assert reopened.all() == [lesson]
    again = AgentTeam(lessons=reopened).decide(context_at(entries[16].isoformat(), **REGIME))
    fresh = AgentTeam(lessons=InMemoryLessonStore([lesson]))
    assert again == fresh.decide(context_at(entries[16].isoformat(), **REGIME))
