"""``evaluate``: does each layer (regime filter, agent team, memory, all) help, out of sample?

The data's evaluated span (from the first bar where the spec's indicators are warm) is cut
into walk-forward folds; every arm runs each fold fresh (its own cash, indicators warmed on
the bars before) through :func:`app.backtest.run_backtest`. A layer is compared with its
base arm (rules only; for memory, the team without memory) and with a matched null: the
base arm with the same share of entries blocked, and the layer's size factors handed out,
at random (for memory: the team with the lessons' points handed out at random), ``draws``
times, seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from app.backtest import BacktestError, run_backtest
from app.backtest.engine import run_date
from app.backtest.metrics import periods_per_year
from app.backtest.prepare import prepare
from app.backtest.walk_forward import fold_bounds
from app.evaluate import stats
from app.evaluate.arms import BASE, RandomGate, Recorder, Tally, TapeRegimeGate, arm_factories
from app.execution.gate import GateChain, RulesOnlyGate
from app.spec.models import StrategySpec
from app.spec.params import runnable

MIN_DRAWS = 200
Progress = Callable[[float, str], None]


@dataclass
class Arm:
    """One arm's runs over the folds."""

    name: str
    curves: list[pd.Series] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    trades: int = 0
    exposure: list[tuple[int, float, float]] = field(default_factory=list)
    """Per fold: bars, time in the market (%), average gross exposure (% of equity)."""

    @property
    def returns(self) -> np.ndarray:
        return stats.fold_returns(self.curves)

    def exposure_pct(self) -> tuple[float, float]:
        bars = sum(n for n, _, _ in self.exposure) or 1
        return (
            sum(n * t for n, t, _ in self.exposure) / bars,
            sum(n * g for n, _, g in self.exposure) / bars,
        )


@dataclass
class Context:
    spec: StrategySpec
    frames: Mapping[str, pd.DataFrame]
    folds: list[tuple[pd.Timestamp, pd.Timestamp]]
    cash: float
    evidence: Any = None
    need: int = 0
    shared: bool = True
    """Runs of one fold share its signals and the team's per-candidate analysis (the
    same figures as computing them afresh each run; ``shared=False`` does that)."""
    _prepared: dict[Any, Any] = field(default_factory=dict)
    _memos: dict[Any, dict[Any, Any]] = field(default_factory=dict)

    def memo(self, a: pd.Timestamp) -> dict[Any, Any] | None:
        """The team memo of the fold starting at ``a`` (None when nothing is shared)."""
        return self._memos.setdefault(a, {}) if self.shared else None

    def frames_at(self, start: pd.Timestamp) -> dict[str, pd.DataFrame]:
        """The symbols warmed up by ``start``: a symbol joins the folds after its warm-up."""
        return {
            s: f for s, f in self.frames.items() if int(f.index.searchsorted(start)) >= self.need
        }

    def backtest(self, a: pd.Timestamp, b: pd.Timestamp, gate: Any) -> Any:
        frames = self.frames_at(a)
        prepared = None
        if self.shared:
            if (a, b) not in self._prepared:
                self._prepared[(a, b)] = prepare(self.spec, frames, a, b, allow_missing=True)
            prepared = self._prepared[(a, b)]
        return run_backtest(
            self.spec,
            frames,
            start=a,
            end=b,
            gate=gate,
            cash=self.cash,
            allow_missing=True,
            prepared=prepared,
        )


def evaluate(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    *,
    folds: int = 4,
    draws: int = MIN_DRAWS,
    seed: int = 0,
    start: Any = None,
    end: Any = None,
    cash: float = 10_000.0,
    cuts: int = 3,
    evidence: Any = None,
    progress: Progress | None = None,
    shared: bool = True,
) -> dict[str, Any]:
    """The evaluation report of ``spec`` on ``frames`` (see :mod:`app.evaluate.report`).

    ``shared=False`` recomputes each run's signals and the team's analysis from scratch
    (the same report, many times slower; the tests compare the two).

    Raises:
        BacktestError: the data cannot make the folds, or a run fails on it.
    """
    if draws < 1:
        raise BacktestError(f"--draws must be at least 1, not {draws}")
    if not 0 <= seed < 2**32 - 2000:  # each layer's null draws from seed + 1000 * i
        raise BacktestError(f"--seed must be a whole number from 0 to 4,294,000,000, not {seed}")
    spec = runnable(spec)  # parameters at their defaults, as every command runs them
    check_span(start, end)
    bounds = fold_bounds(frames, folds, _warm_start(spec, frames, start), run_date(end, "--to"))
    from app.market.data_source import history_bars

    ctx = Context(spec, frames, bounds, cash, evidence, history_bars(spec), shared)
    regime = TapeRegimeGate(spec) if spec.regime is not None else None
    factories = arm_factories(spec, regime, evidence)
    tick = progress or (lambda f, what: None)
    arms = {name: _run_arm(ctx, name, make) for name, make in factories.items()}
    tick(0.1, "arms")
    ppy = periods_per_year(
        pd.DatetimeIndex(np.concatenate([c.index.to_numpy() for c in arms["rules"].curves]))
    )
    layers = [name for name in arms if name != "rules"]
    out = []
    for i, layer in enumerate(layers):
        null = _null(
            ctx,
            arms,
            layer,
            draws,
            seed + 1000 * i,
            lambda f: tick(0.1 + 0.7 * (i + f) / max(1, len(layers)), layer),
        )
        out.append(_layer_figures(arms, layer, null, ppy, seed))
    tick(0.8, "audit")
    from app.evaluate.audit import lookahead_audit

    begin = _all_warm(ctx, bounds)
    audit = lookahead_audit(spec, ctx.frames_at(begin), cuts, begin, bounds[-1][1], cash)
    tick(1.0, "done")
    return {
        "strategy": spec.name,
        "symbols": sorted({s for s in frames}),
        "folds": [
            {"fold": k + 1, "start": f"{a:%Y-%m-%d}", "end": f"{b:%Y-%m-%d}"}
            for k, (a, b) in enumerate(bounds)
        ],
        "draws": draws,
        "seed": seed,
        "rules": _arm_figures(arms["rules"], ppy),
        "layers": out,
        "audit": audit,
        "missing_layers": _missing(spec),
        "caveats": list(getattr(frames, "caveats", [])),
    }


def check_span(start: Any, end: Any) -> None:
    """Raise :class:`BacktestError` when ``--from`` is not a date, ``--to`` is not, or
    ``--from`` comes after ``--to``."""
    a, b = run_date(start, "--from"), run_date(end, "--to")
    if a is not None and b is not None and a > b:
        raise BacktestError(
            f"--from {a:%Y-%m-%d} is after --to {b:%Y-%m-%d}; swap them or drop one"
        )


def _run_arm(ctx: Context, name: str, make: Callable[..., GateChain]) -> Arm:
    arm = Arm(name)
    for a, b in ctx.folds:
        rec = None if name == "rules" else Recorder(make(memo=ctx.memo(a)))
        gate = RulesOnlyGate() if rec is None else GateChain((rec,))
        r = ctx.backtest(a, b, gate)
        arm.curves.append(r.equity)
        arm.tallies.append(rec.tally if rec else Tally())
        arm.trades += len(r.trades)
        arm.exposure.append(
            (
                len(r.equity),
                float(r.metrics.get("exposure_time_pct") or 0.0),
                float(r.metrics.get("avg_exposure_pct") or 0.0),
            )
        )
    return arm


def _null(
    ctx: Context,
    arms: dict[str, Arm],
    layer: str,
    draws: int,
    seed: int,
    tick: Callable[[float], None],
) -> list[np.ndarray]:
    """Pooled fold returns of every null draw for ``layer``."""
    from app.evaluate.arms import RandomPoints, team_gate

    tallies = arms[layer].tallies
    out = []
    for d in range(draws):
        rng = np.random.default_rng([seed, d])
        curves = []
        for (a, b), tally in zip(ctx.folds, tallies):
            if layer == "memory":
                gate = GateChain(
                    (
                        team_gate(
                            ctx.spec,
                            False,
                            ctx.evidence,
                            recall_with=RandomPoints(tally.points, rng),
                            memo=ctx.memo(a),
                        ),
                    )
                )
            else:
                gate = GateChain((RandomGate(tally, rng),))
            curves.append(ctx.backtest(a, b, gate).equity)
        out.append(stats.fold_returns(curves))
        if d % 10 == 9:
            tick((d + 1) / draws)
    return out


def _arm_figures(arm: Arm, ppy: float) -> dict[str, Any]:
    time_in, gross = arm.exposure_pct()
    per_fold = [round(stats.sharpe(stats.fold_returns([c]), ppy), 3) for c in arm.curves]
    total = float(np.prod([c.iloc[-1] / c.iloc[0] for c in arm.curves]) - 1) * 100
    seen = sum(t.seen for t in arm.tallies)
    blocked = sum(t.blocked for t in arm.tallies)
    return {
        "arm": arm.name,
        "sharpe": round(stats.sharpe(arm.returns, ppy), 3),
        "fold_sharpe": per_fold,
        "return_pct": round(total, 2),
        "trades": arm.trades,
        "time_in_market_pct": round(time_in, 1),
        "avg_exposure_pct": round(gross, 1),
        "candidates": seen,
        "blocked": blocked,
    }


def _layer_figures(
    arms: dict[str, Arm], layer: str, null: list[np.ndarray], ppy: float, seed: int
) -> dict[str, Any]:
    from app.evaluate.report import verdict

    arm, base = arms[layer], arms[BASE[layer]]
    figures = _arm_figures(arm, ppy)
    null_sharpes = [stats.sharpe(r, ppy) for r in null]
    raw = stats.sharpe(arm.returns, ppy)
    lo, hi = stats.bootstrap_difference(arm.returns, base.returns, ppy, seed)
    figures.update(
        {
            "layer": layer,
            "base": BASE[layer],
            "base_sharpe": round(stats.sharpe(base.returns, ppy), 3),
            "sharpe_difference": round(figures["sharpe"] - stats.sharpe(base.returns, ppy), 3),
            "difference_interval_95": [_r(lo), _r(hi)],
            "null_percentile": round(stats.percentile(raw, null_sharpes), 1),
            "null_sharpe_median": round(float(np.median(null_sharpes)), 3),
            "null_sharpe_90": [round(float(q), 3) for q in np.quantile(null_sharpes, [0.05, 0.95])],
        }
    )
    figures["changed_nothing"] = bool(
        len(arm.returns) == len(base.returns)
        and np.allclose(arm.returns, base.returns, rtol=0.0, atol=1e-12)
    )
    figures["verdict"] = verdict(figures)
    return figures


def _warm_start(
    spec: StrategySpec, frames: Mapping[str, pd.DataFrame], start: Any
) -> pd.Timestamp | None:
    """The later of ``start`` and the first time some symbol has the spec's warm-up."""
    from app.market.data_source import history_bars

    need = history_bars(spec)
    firsts = [f.index[need] for f in frames.values() if len(f) > need]  # need bars before
    if not firsts:
        longest = max((len(f) for f in frames.values()), default=0)
        raise BacktestError(
            f"the spec needs {need} bars of history before its first decision; "
            f"the longest series here has {longest}"
        )
    warm = pd.Timestamp(min(firsts))
    warm = warm.tz_localize(None) if warm.tzinfo is not None else warm
    given = run_date(start, "--from")
    return warm if given is None or given < warm else given


def _all_warm(ctx: Context, bounds: list[tuple[pd.Timestamp, pd.Timestamp]]) -> pd.Timestamp:
    """The first fold start by which every symbol is warm (the audit runs the spec whole),
    else the last fold's start (the audit then runs on the symbols warm by then)."""
    return next((a for a, _ in bounds if len(ctx.frames_at(a)) == len(ctx.frames)), bounds[-1][0])


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(x, 3)


def _missing(spec: StrategySpec) -> list[str]:
    out = []
    if spec.regime is None:
        out.append("regime: the spec has no regime line")
    if spec.agents is None:
        out.append("agents and memory: the spec has no agents line")
    return out
