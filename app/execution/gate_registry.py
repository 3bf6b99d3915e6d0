"""Gate factories by name, so later parts (regime filter, agent team) plug in without the
backtest or the runner knowing them.

A part registers itself with :func:`register_gate`, or is found lazily through
``_PLUGINS`` (``module:function`` taking the spec and returning a gate). When a named part
is not built or not importable, :func:`gates_for_spec` runs without it and says so in its
notes, instead of failing: the rules still run, and the user is told what did not.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from app.errors import ParleyError
from app.execution.gate import Gate, GateChain, RulesOnlyGate
from app.spec.models import StrategySpec

GateFactory = Callable[[StrategySpec], Gate]

_FACTORIES: dict[str, GateFactory] = {"rules": lambda spec: RulesOnlyGate()}
_PLUGINS: dict[str, str] = {
    "regime": "app.regime.gate:regime_gate",
    "offline": "app.agents.gate:offline_team_gate",
    "llm": "app.agents.gate:llm_team_gate",
}
"""Where the regime filter and the agent team are expected to provide their factories."""
AGENT_MODES: tuple[str, ...] = ("offline", "llm")
NO_AGENTS = "none"
"""The agents mode that runs a spec with an agent section on its rules alone."""


class GateUnavailable(ParleyError):
    """A named gate is not built (or its module cannot be imported)."""


def register_gate(name: str, factory: GateFactory) -> None:
    """Make a gate available by name (overrides a lazy plugin of the same name)."""
    _FACTORIES[name] = factory


def make_gate(name: str, spec: StrategySpec) -> Gate:
    """A gate by name, importing its plugin module the first time.

    Raises:
        GateUnavailable: no such gate, or its part is not built yet.
    """
    factory = _FACTORIES.get(name) or _load_plugin(name)
    return factory(spec)


def _load_plugin(name: str) -> GateFactory:
    target = _PLUGINS.get(name)
    if target is None:
        raise GateUnavailable(f"no gate called {name!r}; known: "
                              f"{', '.join(sorted({*_FACTORIES, *_PLUGINS}))}")
    module_name, attr = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if not err.name or not module_name.startswith(err.name):
            raise  # the part exists but something it needs is missing: a real error
        raise GateUnavailable(f"the {name} gate is not built yet") from None
    factory = getattr(module, attr, None)
    if factory is None:
        raise GateUnavailable(f"the {name} gate is not built yet ({target} is missing)")
    _FACTORIES[name] = factory
    return factory


def gates_for_spec(spec: StrategySpec, agents: str | None = None) -> tuple[GateChain, list[str]]:
    """The gate chain a spec runs through, and notes on any part that had to be left out.

    The regime filter joins when the spec has a ``regime`` section; the agent team when
    ``agents`` names a mode (``offline`` or ``llm``), or in ``offline`` mode when the spec
    has an ``agents`` section and no mode was given; ``agents="none"`` leaves it out.
    """
    gates: list[Gate] = []
    notes: list[str] = []
    if spec.regime is not None:
        _try_add(gates, notes, "regime", spec,
                 "the regime filter is not built yet: entries are not filtered by regime")
    mode = agents or ("offline" if spec.agents is not None else None)
    if mode is not None and mode != NO_AGENTS:
        if mode not in AGENT_MODES:
            raise ParleyError(f"unknown agents mode {mode!r}; use offline, llm or none")
        _try_add(gates, notes, mode, spec,
                 f"the agent team ({mode}) is not built yet: running on the rules alone")
    _connect_regime_to_team(gates)
    return GateChain(tuple(gates) or (RulesOnlyGate(),)), notes


def _connect_regime_to_team(gates: list[Gate]) -> None:
    """Let the agent team see the regime filter's verdict at each candidate.

    In a ``raise`` transition the regime gate approves but demands more conviction; only
    the team scores conviction, so it must read the regime gate's view of the bar.
    """
    view = next((getattr(g, "view", None) for g in gates if g.name == "regime"), None)
    for gate in gates:
        if view is not None and hasattr(gate, "regime") and getattr(gate, "regime") is None:
            gate.regime = view  # type: ignore[attr-defined]


def _try_add(gates: list[Gate], notes: list[str], name: str, spec: StrategySpec,
             note: str) -> None:
    try:
        gates.append(make_gate(name, spec))
    except GateUnavailable:
        notes.append(note)
