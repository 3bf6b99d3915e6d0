"""The gate chains ``parley evaluate`` compares, built on the engine's public gate protocol.

An *arm* is one way to run the spec: rules only, rules with one layer, or with all of them.
Every arm's chain is wrapped in a :class:`Recorder`, which counts the candidates the layer
saw, the ones it blocked and the size factors it gave, so a matched null
(:class:`RandomGate`) can block and resize the same share at random.

The regime filter is evaluated through :class:`TapeRegimeGate`: the spec's own
:class:`~app.regime.gate.RegimeGate`, but with each symbol's regime readings computed once
(the tracker fed every bar in order, as the live gate feeds it) and looked up by bar time,
so the many runs of an evaluation do not refit the same models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from app.agents.models import TeamDecision
from app.execution.gate import Candidate, Decision, Gate, GateChain, RulesOnlyGate
from app.spec.models import AgentsSpec, StrategySpec


@dataclass
class Tally:
    """What a layer did to the candidates it saw in one run."""

    seen: int = 0
    blocked: int = 0
    sizes: list[float] = field(default_factory=list)
    """Size factors of the candidates it let through."""
    points: list[float] = field(default_factory=list)
    """Conviction points the team's memory gave each candidate it decided."""


class Recorder:
    """A gate that asks ``chain`` and keeps a :class:`Tally` of its answers."""

    def __init__(self, chain: GateChain, name: str = "layer") -> None:
        self.chain = chain
        self.name = name
        self.tally = Tally()

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self.chain.use_universe(frames)

    def on_trade_closed(self, trade: Any) -> None:
        for hook in self.chain.trade_listeners:
            hook(trade)

    def decide(self, candidate: Candidate) -> Decision:
        d = self.chain.decide(candidate)
        self.tally.seen += 1
        team = d.records.get("agents")
        if isinstance(team, TeamDecision):
            self.tally.points.append(float(team.memory_points))
        if d.approved:
            self.tally.sizes.append(float(d.size_factor))
        else:
            self.tally.blocked += 1
        return d


class RandomGate:
    """The matched null: blocks the same number of candidates as the layer, chosen at
    random, and gives the let-through ones the layer's size factors in random order.

    Past the layer's candidate count (a different path can see more candidates), each
    further one is blocked with the layer's block rate.
    """

    name = "null"

    def __init__(self, tally: Tally, rng: np.random.Generator) -> None:
        n = max(tally.seen, 1)
        self.rate = tally.blocked / n
        self.block = np.zeros(n, dtype=bool)
        self.block[rng.permutation(n)[: tally.blocked]] = True
        self.sizes = rng.permutation(np.asarray(tally.sizes or [1.0], dtype=float))
        self.rng = rng
        self._i = self._j = 0

    def decide(self, candidate: Candidate) -> Decision:
        i, self._i = self._i, self._i + 1
        blocked = bool(self.block[i]) if i < len(self.block) else self.rng.random() < self.rate
        if blocked:
            return Decision(False, 0.0, reasons=("null: blocked at random",))
        size, self._j = float(self.sizes[self._j % len(self.sizes)]), self._j + 1
        return Decision(size > 0, size, reasons=(f"null: size x{size:.2f} at random",))


class RandomPoints:
    """The memory null's recall: no lessons, but the memory's conviction points (as many
    zeros and moves as it gave) handed to the candidates in random order."""

    def __init__(self, points: list[float], rng: np.random.Generator) -> None:
        self.points = rng.permutation(np.asarray(points or [0.0], dtype=float))
        self._i = 0

    def __call__(
        self, store: Any, setup: Any, before: Any, k: int = 5, **_: Any
    ) -> tuple[list[Any], float]:
        value, self._i = float(self.points[self._i % len(self.points)]), self._i + 1
        return [], value


class TapeRegimeGate:
    """The spec's regime gate with every symbol's readings computed once and looked up."""

    def __init__(self, spec: StrategySpec) -> None:
        from app.regime.gate import RegimeGate

        self.inner = RegimeGate(spec)
        self.name = self.inner.name
        self._tapes: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self.inner.reading = self._reading  # type: ignore[method-assign]

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self.inner.use_universe(frames)

    def decide(self, candidate: Candidate) -> Decision:
        decision: Decision = self.inner.decide(candidate)
        return decision

    def view(self, candidate: Candidate) -> Any:
        return self.inner.view(candidate)

    def _reading(self, candidate: Any) -> Any:
        from app.regime.reading import WARMING_UP

        bench = self.inner.benchmark
        key = (bench or candidate.symbol).upper()
        if key not in self._tapes:
            self._tapes[key] = self._tape(key, candidate)
        times, readings = self._tapes[key]
        at = int(np.searchsorted(times, int(candidate.time_ns), side="right")) - 1
        return readings[at] if at >= 0 else WARMING_UP

    def _tape(self, key: str, candidate: Any) -> tuple[np.ndarray, list[Any]]:
        from app.regime.detector import RegimeTracker

        frame = self.inner._universe.get(key)
        if frame is None and self.inner.benchmark is not None:
            return np.zeros(0, dtype="int64"), []
        tracker = RegimeTracker(self.inner.config, self.inner.seed)
        if frame is None:  # no universe given: the candidate's own bars are all we have
            b = candidate.bars
            cols: tuple[np.ndarray, ...] = (b.open, b.high, b.low, b.close, b.volume)
            times = np.asarray(b.index, dtype="datetime64[ns]").view("int64")
        else:
            cols = tuple(frame[c].to_numpy(dtype=float) for c in ("open", "high", "low", "close"))
            vol = (
                frame["volume"].to_numpy(dtype=float)
                if "volume" in frame.columns
                else np.ones(len(frame))
            )
            cols = (*cols, vol)
            times = frame.index.to_numpy(dtype="datetime64[ns]").view("int64")
        return times, tracker.update_many(*cols)


def team_gate(
    spec: StrategySpec,
    memory: bool,
    data: Any = None,
    recall_with: Any = None,
    memo: dict[Any, Any] | None = None,
) -> Gate:
    """The offline agent team for ``spec`` (its agents section, or the default team);
    ``memo`` is shared by the runs of one fold (see :attr:`AgentTeam.memo`)."""
    from app.agents.gate import offline_team_gate
    from app.agents.memory import NullLessonStore

    if spec.agents is None:
        spec = spec.model_copy(update={"agents": AgentsSpec()})
    gate = offline_team_gate(spec)
    gate.team.memo = memo
    if not memory:
        gate.team.lessons = NullLessonStore()
    if recall_with is not None:
        gate.team.recall = recall_with
    if data is not None and hasattr(gate, "use_evidence"):
        gate.use_evidence(data)
    return gate


def arm_factories(
    spec: StrategySpec, regime: TapeRegimeGate | None, evidence: Any = None
) -> dict[str, Callable[..., GateChain]]:
    """Chains by arm name: rules, regime, agents (no memory), memory (agents with it), all;
    each takes the fold's team memo (``memo=``, None: nothing shared)."""

    def chain(*gates: Gate, memo: Any = None) -> GateChain:
        return GateChain(gates or (RulesOnlyGate(),))

    def with_regime(gate: Gate) -> GateChain:
        assert regime is not None
        gate.regime = regime.view  # type: ignore[attr-defined]
        return chain(regime, gate)

    arms: dict[str, Callable[..., GateChain]] = {"rules": chain}
    if regime is not None:
        arms["regime"] = lambda memo=None: chain(regime)
    if spec.agents is not None:
        arms["agents"] = lambda memo=None: chain(team_gate(spec, False, evidence, memo=memo))
        arms["memory"] = lambda memo=None: chain(team_gate(spec, True, evidence, memo=memo))
    if regime is not None and spec.agents is not None:
        arms["all"] = lambda memo=None: with_regime(team_gate(spec, True, evidence, memo=memo))
    return arms


BASE = {"regime": "rules", "agents": "rules", "memory": "agents", "all": "rules"}
"""The arm each layer is measured against (memory: the team without it)."""
