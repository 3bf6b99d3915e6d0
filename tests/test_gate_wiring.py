"""Gate wiring: the regime filter's verdict reaches the agent team (which alone scores
conviction), and a spec whose gate cannot be loaded does not run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.backtest.gates import GateUnavailable, gates_for_spec
from app.cli import main
from app.dsl import parse_spec
from app.errors import ParleyError
from tests.conftest import DATA

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


RULES_ONLY = """strategy "plain"
universe GOOG
long when close > sma(close, 20)
"""


def _unloadable(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """As a broken install: importing ``module`` fails (None in sys.modules)."""
    monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize(
    ("module", "gate", "agents"),
    [
        ("app.regime.gate", "regime filter", "none"),
        ("app.agents.gate", "agent team", None),
        ("app.agents.gate", "agent team", "llm"),
    ],
)
def test_a_gate_that_cannot_load_stops_the_spec(
    monkeypatch: pytest.MonkeyPatch, module: str, gate: str, agents: str | None
) -> None:
    _unloadable(monkeypatch, module)
    with pytest.raises(GateUnavailable) as caught:
        gates_for_spec(parse_spec(SPEC), agents)
    assert caught.value.gate == gate
    assert f"asks for the {gate}, which cannot be loaded" in caught.value.message
    assert caught.value.hint and "reinstall Parley" in caught.value.hint


def test_agents_none_needs_no_agent_code(monkeypatch: pytest.MonkeyPatch) -> None:
    _unloadable(monkeypatch, "app.agents.gate")
    chain, notes = gates_for_spec(parse_spec(SPEC), "none")
    assert [g.name for g in chain.gates] == ["regime"] and notes


def test_a_rules_only_spec_needs_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    _unloadable(monkeypatch, "app.regime.gate")
    _unloadable(monkeypatch, "app.agents.gate")
    chain, _ = gates_for_spec(parse_spec(RULES_ONLY))
    assert chain.trivial


def test_unknown_agents_mode_is_refused() -> None:
    with pytest.raises(ParleyError, match="unknown agents mode 'gpt'"):
        gates_for_spec(parse_spec(RULES_ONLY), "gpt")


def test_backtest_of_a_regime_spec_refuses_rather_than_trade_unfiltered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "wired.strategy"
    spec.write_text(SPEC.replace("agents all\nmin conviction 60\n", ""), encoding="utf-8")
    _unloadable(monkeypatch, "app.regime.gate")
    code = main(["backtest", str(spec), "--data", str(DATA / "GOOG.csv"), "--json"])
    out = capsys.readouterr()
    assert code != 0 and out.out == ""  # no report, so no trades
    assert "regime filter, which cannot be loaded" in out.err and "Traceback" not in out.err
