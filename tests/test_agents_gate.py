"""The agent team plugged into the execution path as a ``Gate`` (app/execution/gate.py)."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

from app.agents.gate import AgentGate, RegimeView, llm_team_gate, offline_team_gate
from app.agents.models import TeamDecision
from app.agents.team import AgentTeam
from app.backtest.engine import run_backtest
from app.dsl import parse_spec
from app.errors import ParleyError
from app.execution.gate import Candidate, Gate, RulesOnlyGate
from app.backtest.gates import gates_for_spec
from app.indicators.bars import Bars
from app.market.data_source import load_for_spec
from app.spec.models import Limits, StrategySpec
from tests.conftest import STRATEGIES
from tests.test_agents import frames, goog


@cache
def golden() -> StrategySpec:
    # The example ships without its layers (README: Does a layer help?); these tests need them.
    text = (STRATEGIES / "golden_cross.strategy").read_text()
    return parse_spec(
        text + "regime allow trending_up, mean_reverting\nagents all\nmin conviction 60\n"
    )


def candidate(bar: int, bars: Bars | None = None, equity: float = 10_000.0) -> Candidate:
    b = bars or goog()
    return Candidate(
        "GOOG",
        "long",
        "long_entry",
        bar,
        int(b.index[bar].astype("int64")),
        float(b.close[bar]),
        b,
        equity,
    )


def test_the_chain_wires_the_offline_team() -> None:
    chain, _ = gates_for_spec(golden())
    gate = chain.gates[-1]
    assert isinstance(gate, AgentGate) and isinstance(gate, Gate) and gate.name == "agents"
    assert gate.team.mode == "offline" and gate.team.spec.min_conviction == 60


def test_the_llm_gate_needs_a_key() -> None:
    with pytest.raises(ParleyError, match="ANTHROPIC_API_KEY"):
        llm_team_gate(golden())


def test_a_decision_carries_the_team_record() -> None:
    gate = offline_team_gate(golden())
    gate.use_universe(frames())
    d = gate.decide(candidate(800))
    assert isinstance(d.record, TeamDecision)
    record = d.record.model_dump(mode="json")
    assert json.loads(json.dumps(record)) == record
    assert d.approved == record["approved"] and d.conviction == record["conviction"]
    assert d.size_factor == record["size_factor"] <= 1.0
    assert record["rule"].startswith("long entry: sma(close, 50) crosses above sma(close, 200)")
    macro = next(o for o in record["opinions"] if o["agent"] == "macro")
    assert macro["stance"] != "abstain"  # the equal-weight universe is its benchmark
    assert d.reasons == tuple(record["reasons"])


def test_the_gate_reads_no_bar_after_the_candidate() -> None:
    b = goog()
    cut = 900
    scrambled = Bars(
        b.index,
        b.open,
        b.high,
        b.low,
        np.concatenate([b.close[: cut + 1], b.close[cut + 1 :] * 3]),
        b.volume,
    )
    one = offline_team_gate(golden()).decide(candidate(cut))
    two = offline_team_gate(golden()).decide(candidate(cut, scrambled))
    assert one == two


def test_a_regime_provider_raises_the_minimum_in_transition() -> None:
    view = RegimeView("trending_up", 0.55, in_transition=True, conviction_raise=10)
    gate = AgentGate(AgentTeam.for_spec(golden()), golden(), regime=lambda c: view)
    record = gate.decide(candidate(800)).record
    assert isinstance(record, TeamDecision)
    assert record.min_conviction == 70 and record.regime == "trending_up"
    assert record.regime_confidence == 0.55


def test_drawdown_seen_through_candidates_reaches_the_risk_manager() -> None:
    gate = offline_team_gate(golden())  # max drawdown 25%
    gate.decide(candidate(700, equity=10_000))
    d = gate.decide(candidate(800, equity=7_000))
    assert not d.approved and any("30.0% has reached the 25% limit" in r for r in d.reasons)


def test_a_closed_trade_becomes_a_lesson() -> None:
    gate = offline_team_gate(golden())
    spec_min = golden().agents.min_conviction  # type: ignore[union-attr]
    first = gate.decide(candidate(800))
    assert first.approved and first.conviction is not None and first.conviction >= spec_min

    class Closed:
        symbol, pnl_pct = "GOOG", -5.0
        entry_time_ns = int(goog().index[801].astype("int64"))
        exit_time_ns = int(goog().index[850].astype("int64"))

    gate.on_trade_closed(Closed())
    [lesson] = gate.team.lessons.all()
    assert lesson.outcome_pct == -5.0 and lesson.closed == pd.Timestamp(goog().index[850])
    later = gate.decide(candidate(936)).record  # the next bar with a similar setup
    assert isinstance(later, TeamDecision) and later.lessons[0].lesson_id == lesson.id


def test_backtest_with_the_offline_team_against_rules_only() -> None:
    # Without the spec's drawdown stop: on the rules alone it trips (May 2008) and ends
    # the entries early, which would hide what the team filters.
    spec = golden().model_copy(update={"limits": Limits()})
    data = load_for_spec(spec)
    rules = run_backtest(spec, data, gate=RulesOnlyGate())
    gate = offline_team_gate(spec)
    gate.use_universe(data)
    team = run_backtest(spec, data, gate=gate)

    assert len(team.decisions) == len(gate.decisions) > 0
    assert all(isinstance(r.gates.get("agents"), TeamDecision) for r in team.decisions)
    assert sum(r.approved for r in team.decisions) < len(team.decisions)  # it filtered
    assert all(d.size_factor <= 1.0 for d in gate.decisions)
    assert len(team.trades) <= len(rules.trades)
    again = offline_team_gate(spec)
    again.use_universe(data)
    rerun = run_backtest(spec, data, gate=again)
    assert rerun.metrics == team.metrics  # repeatable
