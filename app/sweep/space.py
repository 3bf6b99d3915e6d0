"""The parameter space of a spec, and the two ways of searching it.

A grid runs every combination of the parameters' values (``param NAME = D in LO..HI step
S`` lists ``LO, LO+S, ..., HI``). TPE (optuna's Tree-structured Parzen Estimator) runs
``trials`` distinct variants, each chosen from the results so far (one at a time on this
machine, a batch per CPU on Ray); seeded, so a rerun proposes the same variants.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import ParleyError
from app.spec.models import StrategySpec

if TYPE_CHECKING:
    from app.sweep.evaluate import Context, Outcome
    from app.sweep.sweep import Settings

Values = dict[str, float]


@dataclass(frozen=True)
class Dimension:
    """One parameter: its name and the values a sweep may give it."""

    name: str
    values: tuple[float, ...]
    integer: bool
    pct: bool = False
    """Values in percent units, written with ``%`` (``param stop = 2% in 1%..5% step 1%``)."""

    @property
    def low(self) -> float:
        return self.values[0]

    @property
    def high(self) -> float:
        return self.values[-1]

    @property
    def step(self) -> float:
        return self.values[1] - self.values[0] if len(self.values) > 1 else 1.0


def grid_values(dims: list[Dimension]) -> list[Values]:
    """Every combination, the first parameter varying slowest."""
    names = [d.name for d in dims]
    return [dict(zip(names, combo)) for combo in itertools.product(*(d.values for d in dims))]


def grid_size(dims: list[Dimension]) -> int:
    n = 1
    for d in dims:
        n *= len(d.values)
    return n


def suggest(
    dims: list[Dimension],
    bind: Callable[[Values], StrategySpec],
    ctx: Context,
    settings: Settings,
    value_of: Callable[[Outcome], float],
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Values], list[Outcome]]:
    """A TPE search of ``settings.trials`` distinct variants (at most the grid's size);
    returns them in the order tried.

    TPE may propose a variant it has already tried: that proposal is told the known score
    and not run again, so every variant run is a new one and the trial count the deflated
    Sharpe ratio uses is the number of distinct variants. A search that keeps proposing
    known variants stops after ``50 x trials`` proposals with what it has.
    """
    try:
        import optuna
    except ImportError:  # pragma: no cover - optuna is a dependency
        raise ParleyError("the tpe search needs optuna: pip install optuna") from None
    from app.sweep.backends import Runner

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=settings.seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    want = min(settings.trials, grid_size(dims))
    values: list[Values] = []
    outcomes: list[Outcome] = []
    known: dict[tuple[float, ...], float] = {}
    proposals = 0
    with Runner(
        ctx,
        settings.backend,
        settings.workers,
        settings.address,
        settings.start_method,
        settings.symbol_shards,
    ) as runner:
        while len(values) < want and proposals < 50 * want:
            batch: list[tuple[Any, Values]] = []
            again: list[tuple[Any, tuple[float, ...]]] = []
            while len(batch) < min(runner.width, want - len(values)) and proposals < 50 * want:
                trial = study.ask()
                proposals += 1
                v = {d.name: _suggest(trial, d) for d in dims}
                key = tuple(v.values())
                if key in known:
                    study.tell(trial, known[key])
                elif any(key == tuple(b.values()) for _, b in batch):
                    again.append((trial, key))
                else:
                    batch.append((trial, v))
            done = runner.run([bind(v) for _, v in batch])
            for (trial, v), o in zip(batch, done):
                score = value_of(o)
                known[tuple(v.values())] = score if score > float("-inf") else -1e12
                study.tell(trial, known[tuple(v.values())])
                values.append(v)
                outcomes.append(o)
            for trial, key in again:
                study.tell(trial, known[key])
            if progress is not None:
                progress(len(values), want)
    return values, outcomes


def _suggest(trial: Any, d: Dimension) -> float:
    """A value on the parameter's own grid (its step), so every variant is one the grid
    also holds."""
    k = int(trial.suggest_int(d.name, 0, len(d.values) - 1))
    return float(d.values[k])
