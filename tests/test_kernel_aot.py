"""The kernel built ahead of time gives the jitted kernel's answers, and a build that cannot
be made falls back to the jitted kernel."""

from __future__ import annotations

import numpy as np
import pytest

from app import caches, environment
from app.backtest import kernel, kernel_aot
from app.backtest.kernel_codes import FLAGS, STATE_FIELDS, TRADE_FIELDS


def _inputs(
    seed: int,
    levels: np.ndarray,
    sizing: tuple[int, float],
    caps: tuple[int, ...],
    costs: tuple[int, float, int, float],
) -> list:
    rng = np.random.default_rng(seed)
    L, S = 300, 7
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (L, S)), axis=0))
    op = close * np.exp(rng.normal(0, 0.01, (L, S)))
    hi = np.maximum(op, close) * (1 + rng.uniform(0, 0.02, (L, S)))
    lo = np.minimum(op, close) * (1 - rng.uniform(0, 0.02, (L, S)))
    bar_ix = np.tile(np.arange(L, dtype=np.int64)[:, None], (1, S))
    bar_ix[rng.random((L, S)) < 0.05] = -1  # gaps: a symbol without a bar at some times
    first = rng.integers(0, 20, S).astype(np.int64)
    frac = np.array([s % 3 == 0 for s in range(S)])
    le, lx = rng.random((L, S)) < 0.05, rng.random((L, S)) < 0.05
    se, sx = rng.random((L, S)) < 0.03, rng.random((L, S)) < 0.05
    atr = np.abs(rng.normal(2, 0.5, (L, S)))
    max_hold, max_pos, pos_pct, exp_pct = caps
    return [
        op,
        hi,
        lo,
        close,
        bar_ix,
        first,
        frac,
        le,
        lx,
        se,
        sx,
        atr,
        atr * 1.5,
        atr * 0.7,
        levels,
        sizing[0],
        sizing[1],
        max_hold,
        max_pos,
        float(pos_pct),
        float(exp_pct),
        50_000.0,
        *costs,
    ]


def _run(fn, args: list) -> tuple[np.ndarray, ...]:
    trades = np.zeros((400, TRADE_FIELDS))
    equity = np.empty(args[4].shape[0])
    flags = np.zeros(FLAGS)
    state = np.zeros((args[4].shape[1], STATE_FIELDS))
    n = fn(*args, trades, equity, flags, state)
    return trades[:n], equity, flags, state


NAN = np.nan
CASES = [
    (np.full(6, NAN), (3, 10.0), (0, 0, 0, 0), (0, 0.0, 0, 0.0)),
    (np.array([5.0, NAN, 8.0, NAN, NAN, NAN]), (0, 20.0), (12, 3, 30, 100), (2, 0.1, 1, 0.01)),
    (np.array([NAN, 2.0, NAN, 3.0, NAN, 1.5]), (1, 1.0), (0, 4, 0, 150), (3, 1.0, 2, 0.05)),
    (np.array([NAN, NAN, NAN, NAN, 4.0, NAN]), (2, 9_000.0), (5, 0, 25, 0), (1, 0.005, 0, 0.0)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_built_kernel_equals_the_jitted_one(case: int) -> None:
    built = kernel_aot._built()
    if built is None:
        pytest.skip("no C compiler here: the jitted kernel is what runs")
    args = _inputs(case, *CASES[case])
    ours, theirs = _run(kernel_aot._checked(built), args), _run(kernel.simulate, args)
    assert len(ours[0]) > 10
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_input_dtypes_are_converted_for_the_built_kernel() -> None:
    built = kernel_aot._built()
    if built is None:
        pytest.skip("no C compiler here")
    args = _inputs(9, *CASES[1])
    args[4] = args[4].astype(np.int32)  # the jitted kernel would compile another version
    args[7] = args[7].astype(np.int8)
    ours = _run(kernel_aot._checked(built), args)
    theirs = _run(kernel.simulate, _inputs(9, *CASES[1]))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_a_build_that_fails_runs_the_jitted_kernel_and_is_not_retried(
    tmp_path, monkeypatch
) -> None:
    calls = []

    def broken(name, work, folder):
        calls.append(name)
        raise RuntimeError("no compiler")

    monkeypatch.setattr(kernel_aot, "folders", lambda: [tmp_path / "a", tmp_path / "b"])
    monkeypatch.setattr(kernel_aot, "_build", broken)
    monkeypatch.setattr(kernel_aot, "_loaded", {})
    assert kernel_aot.simulate_function() is kernel.simulate
    assert len(calls) == 1 and (tmp_path / "a" / f"{calls[0]}.failed").exists()
    monkeypatch.setattr(kernel_aot, "_loaded", {})
    assert kernel_aot.simulate_function() is kernel.simulate
    assert len(calls) == 1


def test_parley_kernel_jit_skips_the_built_module(monkeypatch) -> None:
    monkeypatch.setenv("PARLEY_KERNEL", "jit")
    caches.use(environment.caches())  # as a face reads it
    monkeypatch.setattr(kernel_aot, "_loaded", {})
    assert kernel_aot.simulate_function() is kernel.simulate
