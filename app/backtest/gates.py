"""The gate chain a spec runs through, wired explicitly: a spec that asks for the regime
filter or the agent team gets it, or does not run. (Backtest and live runner both build
their chain here; the execution layer below only knows the :class:`Gate` protocol.)"""

from __future__ import annotations

from app.errors import ParleyError
from app.execution.gate import Gate, GateChain, RulesOnlyGate
from app.spec.models import StrategySpec

AGENT_MODES: tuple[str, ...] = ("offline", "llm")
NO_AGENTS = "none"
"""The agents mode that runs a spec with an agent section on its rules alone."""
_TEAMS = {"offline": "offline_team_gate", "llm": "llm_team_gate"}
"""The agent team's factory in :mod:`app.agents.gate` by mode (imported only when a spec
asks for the team, as the regime filter's: a rules-only run loads neither)."""


def gates_for_spec(spec: StrategySpec, agents: str | None = None) -> tuple[GateChain, list[str]]:
    """The chain, and notes for the report (the agent team left out on request).

    The regime filter joins when the spec has a ``regime`` section; the agent team when
    ``agents`` names a mode (``offline`` or ``llm``), or in ``offline`` mode when the spec
    has an ``agents`` section and no mode was given; ``agents="none"`` leaves it out.

    Raises:
        ParleyError: an unknown agents mode.
    """
    gates: list[Gate] = []
    notes: list[str] = []
    if spec.regime is not None:
        from app.regime.gate import regime_gate

        gates.append(regime_gate(spec))
    mode = agents or ("offline" if spec.agents is not None else None)
    if mode == NO_AGENTS and spec.agents is not None:
        notes.append("the agent team is off (--agents none): entries run on the rules alone")
    elif mode is not None and mode != NO_AGENTS:
        factory = _TEAMS.get(mode)
        if factory is None:
            raise ParleyError(f"unknown agents mode {mode!r}; use offline, llm or none")
        from app.agents import gate as team

        gates.append(getattr(team, factory)(spec))
    _connect_regime_to_team(gates)
    return GateChain(tuple(gates) or (RulesOnlyGate(),)), notes


def _connect_regime_to_team(gates: list[Gate]) -> None:
    """Let the agent team see the regime filter's verdict at each candidate.

    In a ``raise`` transition the regime gate approves but demands more conviction; only
    the team scores conviction, so it must read the regime gate's view of the bar.
    """
    view = next((getattr(g, "view", None) for g in gates if g.name == "regime"), None)
    for gate in gates:
        if view is not None and hasattr(gate, "regime") and gate.regime is None:
            gate.regime = view
