"""Symbol shards: a variant's universe cut into groups of symbols that run apart, then
merged into exactly the whole-universe run, or run again whole where they cannot be.

**The shard run.** Each shard runs the variant's rules and exits on its own symbols as if
nothing else were held: one share an entry, no position or exposure cap, no limit on
positions, cash that never binds. Nothing ties its symbols together, so each symbol's
*timeline* -- the bars where its entries were decided, where its positions closed and
why, what was open or pending at the end -- is the one it would have alone (:func:`run_shard`).

**The merge.** :func:`merge` runs the whole universe through the compiled kernel with the
spec's real sizing, cash, caps, position limit and costs, but with the rules reduced to the
shards' decisions: an entry signal only on the bars where a shard entered, an exit signal
only where a shard's exit rule closed (stops, targets, trails and the holding limit the
kernel decides itself). Then it compares that run's timeline with the shards'.

**Why equal timelines make the merge exact.** The kernel reads a symbol's entry rule only
while it is flat and its exit rule only while it holds and is not already closing. If the
merged run's timeline is the shards', it was flat, held and closing on the same bars as
they were, and on those bars the shard saw the full rules and acted on every signal (no
entry of a shard is ever refused): so the reduced rules equal the full ones on every bar
the kernel reads them, and the merged run, step by step, is the whole-universe run --
sizing, cash cuts and caps included, since it applies them itself.

**The fallback.** Where the timelines differ -- an entry refused for cash, by a cap, by
the position limit or for a zero size, or a fill that moved with the order's size (a
fixed slippage per order) and so moved a stop -- shared constraints bound and the symbols
did interact: the variant runs again over the whole universe (:func:`evaluate_one`), and
the sweep counts it. The cost of a shard is one more kernel pass per variant (the merge);
what shards save is each worker holding and evaluating only its symbols' indicators.
Specs the compiled path does not cover (screens and ranking, regimes, agents, account
limits, shorts) always run whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.backtest.kernel_codes import EXIT_RULE
from app.backtest.kernel_run import Market, Signals, constant, simulate
from app.spec.models import Limits, Sizing, StrategySpec
from app.sweep.evaluate import Context, Outcome, _engine, evaluate_one
from app.sweep.fast import fast_eligible, pdt_free
from app.sweep.panel import Panel, _atr_grid, _constant, too_short, variant_arrays

_FREE_CASH = 1e300
"""A shard's cash: one share of anything never comes near it."""


@dataclass
class ShardRun:
    """One variant on one shard: its symbols' timeline (see :func:`timeline`), by their
    indices in the whole universe."""

    timeline: np.ndarray


def split(n_symbols: int, shards: int) -> list[np.ndarray]:
    """The universe's symbol indices in ``shards`` contiguous groups (fewer when there
    are fewer symbols), as even as they can be."""
    k = max(1, min(shards, n_symbols))
    return [part.astype(np.int64) for part in np.array_split(np.arange(n_symbols), k)]


def sub_panel(panel: Panel, cols: np.ndarray) -> Panel:
    """The panel of some of its symbols, on the same union timeline (so a shard's bar
    and time indices are the whole universe's)."""
    m = panel.market
    grids = [_columns(getattr(m, name), cols) for name in ("open", "high", "low", "close")]
    market = Market(
        tuple(m.symbols[int(c)] for c in cols),
        m.union,
        np.ascontiguousarray(m.bar_ix[:, cols]),
        m.first[cols].copy(),
        m.fractional[cols].copy(),
        m.lengths[cols].copy(),
        *grids,
    )
    return Panel(market, [panel.evaluators[int(c)] for c in cols])


def _columns(grid: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if grid.strides == (0, 0):  # one value everywhere (kernel_run.constant)
        return constant(float(grid[0, 0]), (grid.shape[0], cols.size))
    return np.ascontiguousarray(grid[:, cols])


def shardable(spec: StrategySpec, panel: Panel) -> bool:
    """Whether the variant runs on the compiled path at all (else it runs whole)."""
    return fast_eligible(spec) is None and too_short(spec, panel) is None


def free(spec: StrategySpec) -> StrategySpec:
    """The variant as a shard runs it: one share an entry, no caps, no position limit."""
    return spec.model_copy(
        update={
            "sizing": Sizing(kind="fixed_shares", value=1.0),
            "max_positions": None,
            "limits": Limits(),
        }
    )


def run_shard(
    ctx: Context, spec: StrategySpec, cols: np.ndarray, signals: Signals | None = None
) -> ShardRun:
    """The variant on the shard's symbols (``ctx.panel`` holds them, ``cols`` are their
    indices in the universe); ``shardable(spec, whole panel)`` must hold."""
    panel = ctx.panel
    sig = variant_arrays(spec, panel) if signals is None else signals
    run = simulate(free(spec), panel.market, sig, _FREE_CASH, ctx.commission, ctx.slippage)
    return ShardRun(timeline(run.trades, run.state, cols))


def timeline(trades: np.ndarray, state: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Rows ``(symbol, kind, bar, bar, reason)``, sorted: kind 0 a closed trade (entry
    fill bar, exit fill bar, exit reason), 1 a position open at the end (entry fill bar,
    and the bar and reason of an exit decided but not filled, else -1), 2 an entry
    decided but not filled (its bar). Bars are the symbol's own; symbols are ``cols``."""
    closed = np.empty((trades.shape[0], 5), np.int64)
    closed[:, 0] = cols[trades[:, 0].astype(np.int64)]
    closed[:, 1] = 0
    closed[:, 2] = trades[:, 10]
    closed[:, 3] = trades[:, 11]
    closed[:, 4] = trades[:, 7]
    held = np.flatnonzero(state[:, 0] != 0)
    closing = state[held, 6] != 0
    still = np.empty((held.size, 5), np.int64)
    still[:, 0] = cols[held]
    still[:, 1] = 1
    still[:, 2] = state[held, 3]
    still[:, 3] = np.where(closing, state[held, 8], -1)
    still[:, 4] = np.where(closing, state[held, 7], -1)
    waiting = np.flatnonzero(state[:, 9] != 0)
    pend = np.empty((waiting.size, 5), np.int64)
    pend[:, 0] = cols[waiting]
    pend[:, 1] = 2
    pend[:, 2] = state[waiting, 11]
    pend[:, 3:] = -1
    rows = np.concatenate([closed, still, pend])
    return rows[np.lexsort(rows.T[::-1])]


def decisions(rows: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (own bar, symbol) grids of the entry and exit-rule signals a timeline acted on:
    an entry fills on the bar after its decision, an exit rule's order likewise."""
    entry = np.zeros(shape, np.bool_)
    exit_ = np.zeros(shape, np.bool_)
    kind, sym = rows[:, 1], rows[:, 0]
    filled = kind < 2
    entry[rows[filled, 2] - 1, sym[filled]] = True
    entry[rows[kind == 2, 2], sym[kind == 2]] = True
    ruled = (kind == 0) & (rows[:, 4] == EXIT_RULE)
    exit_[rows[ruled, 3] - 1, sym[ruled]] = True
    pending = (kind == 1) & (rows[:, 4] == EXIT_RULE)
    exit_[rows[pending, 3], sym[pending]] = True
    return entry, exit_


def merge(ctx: Context, spec: StrategySpec, runs: list[ShardRun]) -> Outcome | None:
    """The whole-universe outcome from the variant's shards, or None where the shards'
    symbols interacted (then only a whole run is exact)."""
    panel = ctx.panel
    expected = np.concatenate([r.timeline for r in runs])
    expected = expected[np.lexsort(expected.T[::-1])]
    le, lx = decisions(expected, panel.shape)
    never = _constant(panel, "never", np.bool_, False)
    stop, target, trail = (
        _atr_grid(panel, level) for level in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
    )
    run = simulate(
        spec,
        panel.market,
        Signals(le, lx, never, never, stop, target, trail),
        ctx.cash,
        ctx.commission,
        ctx.slippage,
    )
    got = timeline(run.trades, run.state, np.arange(len(panel.symbols), dtype=np.int64))
    if got.shape != expected.shape or not np.array_equal(got, expected):
        return None
    rows = run.trades
    if not pdt_free(rows, panel.union, panel.symbols, run.flags[2]):
        out = _engine(ctx, spec)
    else:
        out = Outcome(run.equity, rows[:, 4].astype(np.int64), rows[:, 9].copy(), "compiled")
    out.shards = "merged"
    return out


def merge_or_run(ctx: Context, spec: StrategySpec, runs: list[ShardRun] | None) -> Outcome:
    """The merged outcome; the whole run where there are no shards or they interacted."""
    if runs:
        out = merge(ctx, spec, runs)
        if out is not None:
            return out
    out = evaluate_one(ctx, spec)
    if runs:
        out.shards = "fallback"
    return out
