"""The regime filter's verdict reaches the agent team (which alone scores conviction)."""

from __future__ import annotations

from app.dsl import parse_spec
from app.backtest.gates import gates_for_spec

SPEC = """strategy "wired"
universe GOOG
long when close > sma(close, 20)
regime allow trending_up
agents all
min conviction 60
"""


def test_agent_gate_reads_the_regime_gate() -> None:
    chain, notes = gates_for_spec(parse_spec(SPEC))
    names = [g.name for g in chain.gates]
    assert names == ["regime", "agents"], notes
    regime, team = chain.gates
    assert team.regime == regime.view


def test_rules_only_when_agents_none() -> None:
    chain, _ = gates_for_spec(parse_spec(SPEC), "none")
    assert [g.name for g in chain.gates] == ["regime"]
