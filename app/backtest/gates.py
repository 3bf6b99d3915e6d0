"""The gate chain a spec runs through, wired explicitly: a spec that asks for the regime
filter or the agent team gets it, or does not run. (Backtest and live runner both build
their chain here; the execution layer below only knows the :class:`Gate` protocol.)

The regime and agent modules are imported only when a spec asks for them, so a rules-only
run loads neither; one that cannot be imported (a broken install, a missing dependency)
stops the run with :class:`GateUnavailable`, never a run on the rules alone.
"""

from __future__ import annotations

from app.errors import ParleyError
from app.execution.gate import Gate, GateChain, RulesOnlyGate
from app.spec.models import StrategySpec

AGENT_MODES: tuple[str, ...] = ("offline", "llm")
NO_AGENTS = "none"
"""The agents mode that runs a spec with an agent section on its rules alone."""


class GateUnavailable(ParleyError):
    """The spec asks for a gate whose code cannot be loaded: the run does not start."""

    def __init__(self, gate: str, section: str, cause: ImportError) -> None:
        super().__init__(
            f"this spec asks for the {gate}, which cannot be loaded ({cause}); it does not "
            "run without it",
            f"reinstall Parley with its dependencies, or remove the spec's {section} to run "
            "on the rules alone",
        )
        self.gate = gate


def gates_for_spec(spec: StrategySpec, agents: str | None = None) -> tuple[GateChain, list[str]]:
    """The chain, and notes for the report (the agent team left out on request).

    The regime filter joins when the spec has a ``regime`` section; the agent team when
    ``agents`` names a mode (``offline`` or ``llm``), or in ``offline`` mode when the spec
    has an ``agents`` section and no mode was given; ``agents="none"`` leaves it out.

    Raises:
        ParleyError: an unknown agents mode.
        GateUnavailable: a gate the spec asks for cannot be loaded.
    """
    gates: list[Gate] = []
    notes: list[str] = []
    mode = agents or ("offline" if spec.agents is not None else None)
    if mode is not None and mode != NO_AGENTS and mode not in AGENT_MODES:
        raise ParleyError(f"unknown agents mode {mode!r}; use offline, llm or none")
    if spec.regime is not None:
        gates.append(_regime_gate(spec))
    if mode == NO_AGENTS and spec.agents is not None:
        notes.append("the agent team is off (--agents none): entries run on the rules alone")
    elif mode in AGENT_MODES:
        gates.append(_team_gate(spec, mode))
    _connect_regime_to_team(gates)
    return GateChain(tuple(gates) or (RulesOnlyGate(),)), notes


def _regime_gate(spec: StrategySpec) -> Gate:
    try:
        from app.regime.gate import regime_gate
    except ImportError as exc:
        raise GateUnavailable("regime filter", "regime section", exc) from exc
    return regime_gate(spec)


def _team_gate(spec: StrategySpec, mode: str) -> Gate:
    try:
        from app.agents.gate import llm_team_gate, offline_team_gate
    except ImportError as exc:
        raise GateUnavailable(
            "agent team", "agents section (or run with --agents none)", exc
        ) from exc
    return llm_team_gate(spec) if mode == "llm" else offline_team_gate(spec)


def _connect_regime_to_team(gates: list[Gate]) -> None:
    """Let the agent team see the regime filter's verdict at each candidate.

    In a ``raise`` transition the regime gate approves but demands more conviction; only
    the team scores conviction, so it must read the regime gate's view of the bar.
    """
    view = next((getattr(g, "view", None) for g in gates if g.name == "regime"), None)
    for gate in gates:
        if view is not None and hasattr(gate, "regime") and gate.regime is None:
            gate.regime = view
