"""Every backend gives the same sweep: in process, a local process pool, and Ray."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.dsl import parse_spec
from app.market.bundled import bundled_path
from app.market.loader import load_bars
from app.execution.costs import ZERO
from app.spec.models import StrategySpec
from app.sweep import Settings, run_sweep
from app.sweep.space import Dimension

TEMPLATE = """strategy "backends"
universe GOOG, NVDA
long when sma(close, {fast}) crosses above sma(close, {slow})
exit when sma(close, {fast}) crosses below sma(close, {slow})
stop loss 3%
size 40% of equity
"""
DIMS = [Dimension("fast", (5.0, 10.0, 15.0), True), Dimension("slow", (40.0, 60.0, 80.0), True)]


def bind(values: dict[str, float]) -> StrategySpec:
    return parse_spec(TEMPLATE.format(fast=int(values["fast"]), slow=int(values["slow"])))


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for s in ("GOOG", "NVDA"):
        out.update(load_bars(bundled_path(s)))
    return out


def _table(result: object) -> list[tuple]:
    return [
        (tuple(v.values.items()), v.in_sample, tuple(v.folds), v.outcome.via)
        for v in result.variants
    ]  # type: ignore[attr-defined]


def _run(frames: dict[str, pd.DataFrame], **kw: object) -> object:
    return run_sweep(
        bind({"fast": 10, "slow": 60}), DIMS, bind, frames, Settings(walk_forward=2, **kw)
    )  # type: ignore[arg-type]


def test_pool_equals_in_process(frames: dict[str, pd.DataFrame]) -> None:
    one = _run(frames, workers=1)
    two = _run(frames, workers=2)
    assert _table(one) == _table(two) and one.chosen == two.chosen  # type: ignore[attr-defined]
    assert len(one.folds) == 2 and one.stitched is not None  # type: ignore[attr-defined]


def test_a_spawned_pool_equals_in_process(frames: dict[str, pd.DataFrame]) -> None:
    """Platforms without fork (Windows) start the pool's processes by spawn, which pickles
    the sweep's context for each: it must pickle with plain pickle (no lambdas)."""
    import pickle

    from app.sweep.evaluate import Context
    from app.sweep.panel import build_panel

    spec = bind({"fast": 10, "slow": 60})
    ctx = Context(
        build_panel(spec, frames, None, None, "x"), frames, 1e4, ZERO, ZERO, None, None, "x"
    )
    again = pickle.loads(pickle.dumps(ctx))
    assert again.panel.symbols == ctx.panel.symbols
    spawned = _run(frames, workers=2, start_method="spawn")
    assert _table(spawned) == _table(_run(frames, workers=1))


def test_ray_equals_local(frames: dict[str, pd.DataFrame]) -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = _run(frames, backend="ray", workers=2)
    finally:
        ray.shutdown()
    local = _run(frames, workers=1)
    assert _table(remote) == _table(local)
    assert remote.chosen == local.chosen  # type: ignore[attr-defined]
    np.testing.assert_array_equal(
        remote.variants[0].outcome.equity,  # type: ignore[attr-defined]
        local.variants[0].outcome.equity,
    )  # type: ignore[attr-defined]


def test_tpe_is_seeded(frames: dict[str, pd.DataFrame]) -> None:
    a = run_sweep(
        bind({"fast": 10, "slow": 60}),
        DIMS,
        bind,
        frames,
        Settings(search="tpe", trials=6, seed=3, workers=1),
    )
    b = run_sweep(
        bind({"fast": 10, "slow": 60}),
        DIMS,
        bind,
        frames,
        Settings(search="tpe", trials=6, seed=3, workers=1),
    )
    assert [v.values for v in a.variants] == [v.values for v in b.variants]
    assert len(a.variants) == 6


def test_tpe_tries_distinct_variants(frames: dict[str, pd.DataFrame]) -> None:
    result = run_sweep(
        bind({"fast": 10, "slow": 60}),
        DIMS,
        bind,
        frames,
        Settings(search="tpe", trials=8, seed=1, workers=1),
    )
    tried = [tuple(v.values.items()) for v in result.variants]
    assert len(tried) == 8 == len(set(tried))


def test_tpe_on_ray_starts_ray_once_and_matches_the_grid(
    frames: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()
    starts: list[dict[str, object]] = []
    real = ray.init

    def init(*args: object, **kwargs: object) -> object:
        starts.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ray, "init", init)
    remote = run_sweep(
        bind({"fast": 10, "slow": 60}),
        DIMS,
        bind,
        frames,
        Settings(search="tpe", trials=5, seed=2, backend="ray", workers=2),
    )
    assert len(starts) == 1 and starts[0]["num_cpus"] == 2 and not ray.is_initialized()
    grid = {
        tuple(v.values.items()): v.in_sample
        for v in run_sweep(
            bind({"fast": 10, "slow": 60}), DIMS, bind, frames, Settings(workers=1)
        ).variants
    }  # type: ignore[attr-defined]
    assert len(remote.variants) == 5  # type: ignore[attr-defined]
    for v in remote.variants:  # type: ignore[attr-defined]
        assert v.in_sample == grid[tuple(v.values.items())]


@pytest.mark.parametrize(("mode", "hinted"), [(None, True), ("token", False)])
def test_an_unreachable_cluster_names_token_auth_when_it_may_be_why(
    monkeypatch: pytest.MonkeyPatch, mode: str | None, hinted: bool
) -> None:
    from app.errors import ParleyError
    from app.sweep import backends

    class Refusing:
        def init(self, **_: object) -> None:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379")

    monkeypatch.setattr(backends, "_check_reachable", lambda _address: None)
    if mode is None:
        monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    else:
        monkeypatch.setenv("RAY_AUTH_MODE", mode)
    with pytest.raises(ParleyError) as err:
        backends._ray_init(Refusing(), "10.0.0.1:6379", None)
    assert "could not start or reach Ray at 10.0.0.1:6379" in err.value.message
    assert ("RAY_AUTH_MODE=token" in str(err.value.hint)) is hinted


def test_tpe_with_walk_forward_never_sees_the_out_of_sample_bars(
    frames: dict[str, pd.DataFrame],
) -> None:
    """The variants TPE tries stay the same when every bar after the first fold's
    in-sample changes (guided by the whole period, they followed the future)."""
    settings = Settings(search="tpe", trials=16, seed=4, workers=1, walk_forward=3)
    start = bind({"fast": 10, "slow": 60})
    dims = [
        Dimension("fast", tuple(float(x) for x in range(4, 22, 2)), True),
        Dimension("slow", tuple(float(x) for x in range(30, 100, 10)), True),
    ]
    first = run_sweep(start, dims, bind, frames, settings)  # TPE guides after 10 trials
    cut = pd.Timestamp(first.folds[0].start).tz_localize(None)  # type: ignore[attr-defined]
    rng = np.random.default_rng(5)
    changed = {}
    for symbol, df in frames.items():
        df = df.copy()
        after = np.asarray(df.index >= cut)
        factor = np.exp(np.cumsum(rng.normal(0.0, 0.02, int(after.sum()))))
        for col in ("open", "high", "low", "close"):
            df.loc[after, col] = df.loc[after, col].to_numpy() * factor
        changed[symbol] = df
    second = run_sweep(start, dims, bind, changed, settings)
    assert [v.values for v in first.variants] == [v.values for v in second.variants]  # type: ignore[attr-defined]
    assert [f.out_sample for f in first.folds] != [f.out_sample for f in second.folds]  # type: ignore[attr-defined]
    assert any("no out-of-sample bar chose" in n for n in first.notes)  # type: ignore[attr-defined]
