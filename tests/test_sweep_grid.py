"""The sweep's all-symbols rule evaluation equals the engine's per-symbol one."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.backtest.kernel_run import stack
from app.dsl import parse_spec
from app.engine.evaluate import Evaluator
from app.indicators.bars import Bars
from app.market.synthetic import synthetic_market
from app.sweep.grid_eval import GridEvaluator

SERIES = ["close", "open", "sma(close, 5)", "ema(close, 12)", "rsi(close, 14)", "high",
          "sma(close, 20) * 1.01", "close[1]", "low - 0.5", "-close", "close / open",
          "70", "roc(close, 10)"]
OPS = ["<", "<=", ">", ">=", "==", "!="]


def _condition(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 2 and roll < 0.2:
        joiner = rng.choice([" and ", " or "])
        return "(" + joiner.join(_condition(rng, depth + 1) for _ in range(2)) + ")"
    if depth < 2 and roll < 0.3:
        return f"not ({_condition(rng, depth + 1)})"
    a, b = rng.sample(SERIES, 2)
    if roll < 0.65 and a != "70":
        return f"{a} crosses {rng.choice(['above', 'below'])} {b}"
    return f"{a} {rng.choice(OPS)} {b}"


@pytest.fixture(scope="module")
def bars() -> list[Bars]:
    frames = synthetic_market(5, 300, seed=11)
    # unequal lengths: the grid pads the shorter symbols
    return [Bars.from_frame(f.iloc[k * 25:]) for k, f in enumerate(frames.values())]


@pytest.mark.parametrize("seed", range(30))
def test_grid_conditions_equal_the_evaluator(bars: list[Bars], seed: int) -> None:
    rng = random.Random(seed)
    text = _condition(rng)
    spec = parse_spec(f'strategy "g"\nuniverse GOOG\nlong when {text}\n'
                      "exit when close < sma(close, 3)\n")
    rule = spec.long_entry
    grid = GridEvaluator([Evaluator(b) for b in bars], max(len(b) for b in bars))
    want = stack([Evaluator(b).condition(rule) for b in bars], False)
    got = grid.condition(rule)
    for s, b in enumerate(bars):
        np.testing.assert_array_equal(got[:len(b), s], want[:len(b), s], err_msg=text)
    assert got.any() or not want.any()


def test_the_grid_cache_keeps_to_its_budget(bars: list[Bars]) -> None:
    rows = max(len(b) for b in bars)
    grid = GridEvaluator([Evaluator(b) for b in bars], rows, budget=3 * rows * 5 * 8)
    for n in range(2, 12):
        spec = parse_spec(f'strategy "g"\nuniverse GOOG\nlong when sma(close, {n}) > close\n'
                          "exit when close < sma(close, 3)\n")
        grid.condition(spec.long_entry)
    assert len(grid._grids) == 3 and grid._bytes <= grid.budget
