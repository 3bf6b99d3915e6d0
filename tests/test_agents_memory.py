"""Memory: reflections on closed trades, recalled for similar setups, change later decisions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from app.agents.memory import (
    InMemoryLessonStore, JsonLessonStore, hint_for, recall, reflect, similarity,
)
from app.agents.models import SetupKey
from app.agents.team import AgentTeam
from app.spec.models import AgentsSpec
from tests.test_agents import context_at, sma_entries

REGIME = {"regime": "trending_up", "regime_confidence": 0.9}


def _key(**over: str) -> SetupKey:
    base = {"rule": "r", "side": "long", "regime": "trending_up", "trend": "up",
            "volatility": "normal"}
    return SetupKey(**{**base, **over})  # type: ignore[arg-type]


def test_similarity_weighs_rule_regime_trend_and_volatility() -> None:
    assert similarity(_key(), _key()) == 1.0
    assert similarity(_key(), _key(volatility="high")) == 0.85
    assert similarity(_key(), _key(rule="other")) == 0.65
    assert similarity(_key(), _key(trend="down", volatility="high")) == 0.6
    assert similarity(_key(), _key(side="short")) == 0.0


def test_hints_lower_conviction_after_losses_more_than_wins_raise_it() -> None:
    assert hint_for(-2.0) == -6.0 and hint_for(-20.0) == -15.0
    assert hint_for(2.0) == 3.0 and hint_for(20.0) == 7.5


def test_reflection_names_thesis_outcome_and_what_should_have_weighed_more() -> None:
    first, later = sma_entries()[10], sma_entries()[20]
    team = AgentTeam(AgentsSpec(min_conviction=0))
    decision = team.decide(context_at(first.isoformat(), **REGIME))
    lesson = reflect(decision, later, -4.0)
    assert lesson.outcome_pct == -4.0 and lesson.hint == -12.0
    assert lesson.setup == decision.setup and lesson.closed == later
    assert "lost -4.0%" in lesson.reflection and "should have been lower" in lesson.reflection
    assert decision.rule in lesson.thesis and str(decision.conviction) in lesson.thesis


def test_a_recalled_losing_lesson_lowers_conviction_and_flips_the_decision() -> None:
    entries = sma_entries()
    first, closed, later = entries[14], entries[15], entries[16]
    probe = AgentTeam(AgentsSpec(min_conviction=0)).decide(context_at(later.isoformat(), **REGIME))
    # A minimum just under the conviction the team reaches without memory: it would trade.
    team = AgentTeam(AgentsSpec(min_conviction=max(0, probe.conviction - 5)))
    before = team.decide(context_at(later.isoformat(), **REGIME))
    assert before.approved and before.lessons == ()

    opened = team.decide(context_at(first.isoformat(), **REGIME))
    team.record_outcome(opened, closed, -6.0)  # the same setup lost 6%
    after = team.decide(context_at(later.isoformat(), **REGIME))

    assert [h.lesson_id for h in after.lessons] == [f"GOOG-{first:%Y%m%dT%H%M}-long"]
    assert after.lessons[0].points == -15.0
    assert after.conviction == before.conviction - 15
    assert not after.approved
    assert any("1 similar past setup(s): conviction -15.0" in r for r in after.reasons)


def test_lessons_are_not_recalled_before_the_trade_closed() -> None:
    entries = sma_entries()
    team = AgentTeam()
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    team.record_outcome(opened, entries[20], -6.0)
    early = team.decide(context_at(entries[16].isoformat(), **REGIME))
    assert early.lessons == ()  # closed at entries[20], after this decision: no look-ahead
    assert recall(team.lessons, opened.setup, before=entries[20])[1] < 0


def test_a_winning_lesson_raises_conviction_a_little() -> None:
    entries = sma_entries()
    team = AgentTeam()
    base = team.decide(context_at(entries[16].isoformat(), **REGIME))
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    team.record_outcome(opened, entries[15], 4.0)
    after = team.decide(context_at(entries[16].isoformat(), **REGIME))
    assert after.conviction == min(100, base.conviction + 6)


def test_json_store_keeps_lessons_across_runs(tmp_path: Path) -> None:
    entries = sma_entries()
    path = tmp_path / "lessons.json"
    team = AgentTeam(lessons=JsonLessonStore(path))
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    lesson = team.record_outcome(opened, entries[15], -3.0)
    team.record_outcome(opened, entries[15], -3.0)  # the same trade twice: kept once

    reopened = JsonLessonStore(path)
    assert reopened.all() == [lesson]
    again = AgentTeam(lessons=reopened).decide(context_at(entries[16].isoformat(), **REGIME))
    fresh = AgentTeam(lessons=InMemoryLessonStore([lesson]))
    assert again == fresh.decide(context_at(entries[16].isoformat(), **REGIME))


@pytest.mark.parametrize("regime", ["mean_reverting", None])
def test_dissimilar_setups_recall_nothing(regime: str | None) -> None:
    entries = sma_entries()
    team = AgentTeam()
    opened = team.decide(context_at(entries[14].isoformat(), **REGIME))
    team.record_outcome(opened, entries[15], -6.0)
    other = team.decide(context_at(entries[16].isoformat(), regime=regime))
    # Same rule (0.35) but another regime: below the 0.6 threshold unless trend and
    # volatility both match (0.35 + 0.25 + 0.15 = 0.75).
    same_buckets = (other.setup.trend, other.setup.volatility) == \
        (opened.setup.trend, opened.setup.volatility)
    assert bool(other.lessons) == same_buckets
    assert datetime.fromisoformat(entries[16].isoformat()) == other.time
