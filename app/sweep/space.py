"""The parameter space of a spec, and the two ways of searching it.

A grid runs every combination of the parameters' values (``param NAME = D in LO..HI step
S`` lists ``LO, LO+S, ..., HI``). TPE (optuna's Tree-structured Parzen Estimator) runs
``trials`` variants, each chosen from the results so far, in batches of one per worker;
seeded, so a rerun proposes the same variants.
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


def suggest(dims: list[Dimension], bind: Callable[[Values], StrategySpec], ctx: Context,
            settings: Settings, value_of: Callable[[Outcome], float],
            progress: Callable[[int, int], None] | None
            ) -> tuple[list[Values], list[Outcome]]:
    """A TPE search of ``settings.trials`` variants; returns them in the order tried."""
    try:
        import optuna
    except ImportError:  # pragma: no cover - optuna is a dependency
        raise ParleyError("the tpe search needs optuna: pip install optuna") from None
    from app.sweep.backends import run_batches

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=settings.seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    batch = max(1, settings.workers or 1)
    values: list[Values] = []
    outcomes: list[Outcome] = []
    while len(values) < settings.trials:
        trials = [study.ask() for _ in range(min(batch, settings.trials - len(values)))]
        asked = [{d.name: _suggest(t, d) for d in dims} for t in trials]
        done = run_batches(ctx, [bind(v) for v in asked], settings.backend, settings.workers,
                           settings.address)
        for trial, v, o in zip(trials, asked, done):
            score = value_of(o)
            study.tell(trial, score if score > float("-inf") else -1e12)
            values.append(v)
            outcomes.append(o)
        if progress is not None:
            progress(len(values), settings.trials)
    return values, outcomes


def _suggest(trial: Any, d: Dimension) -> float:
    """A value on the parameter's own grid (its step), so every variant is one the grid
    also holds."""
    k = int(trial.suggest_int(d.name, 0, len(d.values) - 1))
    return float(d.values[k])
