"""Symbol shards give the whole-universe run's results, exactly: merged where the symbols
did not interact, run again whole (and counted) where cash, a cap or the position limit
bound. In process, on the local pool, and on a local Ray instance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.dsl import parse_spec
from app.market.synthetic import synthetic_market
from app.spec.models import StrategySpec
from app.sweep import Settings, run_sweep
from app.sweep.backends import run_batches, shard_contexts
from app.sweep.evaluate import Context
from app.sweep.panel import build_panel
from app.sweep.shards import decisions, run_shard, timeline
from app.sweep.space import Dimension

SYMBOLS = 6
HEAD = 'strategy "shards"\nuniverse ' + ", ".join(f"SYN{i:03d}" for i in range(SYMBOLS))
RULES = """
long when sma(close, {fast}) crosses above sma(close, {slow})
exit when sma(close, {fast}) crosses below sma(close, {slow})
"""
# cash never binds: 5 shares of a ~$100 stock in each of 6 symbols on $1m
LOOSE = HEAD + RULES + "size 5 shares\nstop loss 4%\n"
# cash binds: $4,000 a position on $10,000, so a third entry while two are held is cut
# to the cash left and a fourth refused
TIGHT = HEAD + RULES + "size $4000\ntake profit 8%\n"
# the exposure cap cuts a second position, the position limit refuses a third
CAPPED = (
    HEAD
    + RULES
    + ("size $3000\nmax positions 2\nmax exposure 50%\ntrailing stop 2 atr(14)\nmax hold 30 bars\n")
)
DIMS = [Dimension("fast", (5.0, 10.0, 20.0), True), Dimension("slow", (30.0, 45.0, 60.0), True)]
N = 9
"""Variants: enough for the local pool (it runs fewer than 8 in process)."""


def binder(template: str):  # type: ignore[no-untyped-def]
    def bind(values: dict[str, float]) -> StrategySpec:
        return parse_spec(template.format(fast=int(values["fast"]), slow=int(values["slow"])))

    return bind


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return dict(synthetic_market(SYMBOLS, 700, seed=11))


def _table(result: object) -> list[tuple]:
    out = []
    for v in result.variants:  # type: ignore[attr-defined]
        o = v.outcome
        out.append(
            (
                tuple(v.values.items()),
                v.in_sample,
                tuple(v.folds),
                o.via,
                o.equity.tobytes(),
                o.exit_t.tobytes(),
                o.pnl.tobytes(),
            )
        )
    return out


def _sweep(frames: dict[str, pd.DataFrame], template: str, **kw: object) -> object:
    bind = binder(template)
    return run_sweep(
        bind({"fast": 10, "slow": 30}),
        DIMS,
        bind,
        frames,
        Settings(walk_forward=2, cash=1e6 if template is LOOSE else 1e4, **kw),
    )  # type: ignore[arg-type]


def _counts(result: object) -> tuple[int, int]:
    shards = [v.outcome.shards for v in result.variants]  # type: ignore[attr-defined]
    return shards.count("merged"), shards.count("fallback")


@pytest.mark.parametrize("template", [LOOSE, TIGHT, CAPPED], ids=["loose", "tight", "capped"])
@pytest.mark.parametrize("shards", [2, 3, SYMBOLS])
def test_shards_equal_the_whole_run_in_process(
    frames: dict[str, pd.DataFrame], template: str, shards: int
) -> None:
    whole = _sweep(frames, template, workers=1)
    split = _sweep(frames, template, workers=1, symbol_shards=shards)
    assert _table(split) == _table(whole)
    assert split.chosen == whole.chosen  # type: ignore[attr-defined]
    merged, fallback = _counts(split)
    assert merged + fallback == len(split.variants)  # type: ignore[attr-defined]
    if template is LOOSE:  # nothing binds: every variant merged, none ran twice
        assert (merged, fallback) == (N, 0)
        assert any(f"{N} variant(s) merged exactly" in n for n in split.notes)  # type: ignore
    else:  # cash or the position limit bound: some variants had to run whole
        assert fallback > 0
        assert any(f"{fallback} ran again over the whole universe" in n for n in split.notes)  # type: ignore[attr-defined]


def test_a_cut_to_the_cash_merges_a_refused_entry_falls_back(
    frames: dict[str, pd.DataFrame],
) -> None:
    """A buy cut to the cash left changes a position's size, not its timeline: the merge
    applies the cut itself. A refused entry changes the timeline: the variant runs whole.
    Either way the outcome is the whole run's."""
    from app.backtest.kernel_run import simulate
    from app.sweep.panel import variant_arrays

    bind = binder(TIGHT)
    specs = [bind({"fast": f, "slow": s}) for f in (5, 10, 20) for s in (30, 45, 60)]
    panel = build_panel(specs[0], frames, None, None, "test")
    ctx = Context(panel, frames, 1e4, *_zero(), None, None, "test")
    got = run_batches(ctx, specs, workers=1, shards=3)
    seen = set()
    for spec, o in zip(specs, got):
        run = simulate(spec, panel.market, variant_arrays(spec, panel), 1e4, *_zero())
        np.testing.assert_array_equal(o.equity, run.equity)
        np.testing.assert_array_equal(o.pnl, run.trades[:, 9])
        seen.add((o.shards, int(run.flags[0]) > 0))
    assert ("merged", True) in seen  # cut, merged
    assert ("fallback", True) in seen  # cut to nothing somewhere: refused


def _zero() -> tuple[object, object]:
    from app.execution.costs import ZERO

    return ZERO, ZERO


def test_the_reduced_rules_are_the_decisions_taken(frames: dict[str, pd.DataFrame]) -> None:
    """A shard's timeline, turned back into signals, holds one entry signal per position
    and one exit signal per exit-rule close."""
    spec = binder(LOOSE)({"fast": 5, "slow": 30})
    panel = build_panel(spec, frames, None, None, "test")
    ctx = Context(panel, frames, 1e6, *_zero(), None, None, "test")
    (shard, cols), *_ = shard_contexts(ctx, 2)
    rows = run_shard(shard, spec, cols).timeline
    assert set(rows[:, 0]) <= set(cols.tolist()) and rows.shape[0] > 5
    entry, exit_ = decisions(rows, panel.shape)
    assert int(entry.sum()) == rows.shape[0]
    assert int(exit_.sum()) == int(((rows[:, 1] == 0) & (rows[:, 4] == 0)).sum())
    again = timeline(np.zeros((0, 14)), np.zeros((0, 12)), cols)
    assert again.shape == (0, 5)


def test_shards_on_the_local_pool(frames: dict[str, pd.DataFrame]) -> None:
    for template in (LOOSE, TIGHT, CAPPED):
        whole = _sweep(frames, template, workers=1)
        pooled = _sweep(frames, template, workers=2, symbol_shards=3)
        assert _table(pooled) == _table(whole)
        assert _counts(pooled) == _counts(_sweep(frames, template, workers=1, symbol_shards=3))


def test_shards_on_ray(frames: dict[str, pd.DataFrame]) -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = {
            t: _sweep(frames, t, backend="ray", workers=2, symbol_shards=3) for t in (LOOSE, TIGHT)
        }
    finally:
        ray.shutdown()
    for template, result in remote.items():
        whole = _sweep(frames, template, workers=1)
        assert _table(result) == _table(whole)
        merged, fallback = _counts(result)
        assert merged + fallback == len(whole.variants)  # type: ignore[attr-defined]
        assert (fallback == 0) == (template is LOOSE)
