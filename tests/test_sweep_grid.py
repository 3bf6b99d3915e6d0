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

SERIES = [
    "close",
    "open",
    "sma(close, 5)",
    "ema(close, 12)",
    "rsi(close, 14)",
    "high",
    "sma(close, 20) * 1.01",
    "close[1]",
    "low - 0.5",
    "-close",
    "close / open",
    "70",
    "roc(close, 10)",
]
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
    return [Bars.from_frame(f.iloc[k * 25 :]) for k, f in enumerate(frames.values())]


@pytest.mark.parametrize("seed", range(30))
def test_grid_conditions_equal_the_evaluator(bars: list[Bars], seed: int) -> None:
    rng = random.Random(seed)
    text = _condition(rng)
    spec = parse_spec(
        f'strategy "g"\nuniverse GOOG\nlong when {text}\nexit when close < sma(close, 3)\n'
    )
    rule = spec.long_entry
    grid = GridEvaluator([Evaluator(b) for b in bars], max(len(b) for b in bars))
    want = stack([Evaluator(b).condition(rule) for b in bars], False)
    got = grid.condition(rule)
    for s, b in enumerate(bars):
        np.testing.assert_array_equal(got[: len(b), s], want[: len(b), s], err_msg=text)
    assert got.any() or not want.any()


def test_the_grid_cache_keeps_to_its_budget(bars: list[Bars]) -> None:
    rows = max(len(b) for b in bars)
    grid = GridEvaluator([Evaluator(b) for b in bars], rows, budget=3 * rows * 5 * 8)
    for n in range(2, 12):
        spec = parse_spec(
            f'strategy "g"\nuniverse GOOG\nlong when sma(close, {n}) > close\n'
            "exit when close < sma(close, 3)\n"
        )
        grid.condition(spec.long_entry)
    assert len(grid._grids) == 3 and grid._bytes <= grid.budget


def _shaped(rng: random.Random, shape: str, ops: list[str]) -> str:
    """A condition of a fixed shape whose series vary: ``shape`` is c (a crossing),
    p (a comparison), or two of them joined by and (&) or or (|); ``ops`` holds each
    leaf's operator or direction, in order (consumed)."""
    if shape in "cp":
        a, b = rng.sample([x for x in SERIES if x != "70"] if shape == "c" else SERIES, 2)
        if shape == "c":
            return f"{a} crosses {ops.pop(0)} {b}"
        return f"{a} {ops.pop(0)} {b}"
    left, joiner, right = shape
    word = " and " if joiner == "&" else " or "
    return "(" + _shaped(rng, left, ops) + word + _shaped(rng, right, ops) + ")"


@pytest.mark.parametrize("seed", range(12))
def test_many_variants_at_once_equal_one_at_a_time(bars: list[Bars], seed: int) -> None:
    """The (variant, bar, symbol) evaluation of rules of one shape equals each rule's own
    grid; a shape with ``not`` is left to one variant at a time, and so are rules of
    different shapes."""
    rng = random.Random(seed)
    shape = rng.choice(["c", "p", "c&p", "p|c", "c&c"])
    ops = [
        rng.choice(["above", "below"]) if leaf == "c" else rng.choice(OPS)
        for leaf in shape
        if leaf in "cp"
    ]
    rows = max(len(b) for b in bars)
    grid = GridEvaluator([Evaluator(b) for b in bars], rows)
    # the same shape with other series: the variants of one sweep
    texts = [_shaped(random.Random(seed * 100 + v), shape, list(ops)) for v in range(6)]
    rules = [_rule(t) for t in texts]
    many = grid.conditions(rules)
    assert many is not None and many.shape == (6, rows, len(bars))
    for v, rule in enumerate(rules):
        np.testing.assert_array_equal(many[v], grid.condition(rule), err_msg=texts[v])
    assert grid.conditions([_rule("not (close > open)")] * 2) is None
    assert grid.conditions([_rule("close > open"), _rule("close < open")]) is None


def _rule(text: str) -> object:
    return parse_spec(
        f'strategy "g"\nuniverse GOOG\nlong when {text}\nexit when close < sma(close, 3)\n'
    ).long_entry


def test_a_batch_of_variants_equals_each_run_alone() -> None:
    from app.execution.costs import ZERO
    from app.sweep.evaluate import Context, evaluate_batch, evaluate_one
    from app.sweep.panel import build_panel

    frames = dict(synthetic_market(4, 400, seed=5))
    head = 'strategy "b"\nuniverse ' + ", ".join(frames) + "\n"
    specs = [
        parse_spec(
            head + f"long when sma(close, {f}) crosses above sma(close, {s}) and "
            f"rsi(close, 14) < {60 + f}\nexit when sma(close, {f}) crosses below "
            f"sma(close, {s})\nsize 10 shares\nstop loss 2 atr(14)\n"
        )
        for f in (3, 5, 8)
        for s in (20, 40)
    ]
    specs.append(
        parse_spec(
            head + "long when not (close > sma(close, 10))\n"
            "exit when close > sma(close, 30)\nsize 10 shares\n"
        )
    )
    panel = build_panel(specs[0], frames, None, None, "t")
    ctx = Context(panel, frames, 1e5, ZERO, ZERO, None, None, "t")
    together = evaluate_batch(ctx, specs)
    for spec, got in zip(specs, together):
        alone = evaluate_one(ctx, spec)
        np.testing.assert_array_equal(got.equity, alone.equity)
        np.testing.assert_array_equal(got.pnl, alone.pnl)
        np.testing.assert_array_equal(got.exit_t, alone.exit_t)
    assert sum(o.pnl.size for o in together) > 20
