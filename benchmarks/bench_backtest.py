"""Parley's backtest against backtesting.py 0.6.6 and backtrader 1.9.78, in one process.

Same strategy everywhere: long only, SMA(10) crosses above SMA(30) in (``fast[t-1] <=
slow[t-1] and fast[t] > slow[t]``), crosses below out, 10 shares, market orders filled at
the next bar's open, no costs. Same data: ``app.market.synthetic.synthetic_market`` (seed
7), N symbols x 2,520 daily bars. Timed: the compute only -- imports, data generation and
reshaping the frames into each library's input format happen before the clock starts.

* Parley runs ONE portfolio backtest over all N symbols (its product path: merged
  timeline, portfolio cash, equity curve, metrics), with cash large enough never to bind.
* The peers run one backtest per symbol (backtesting.py is single-asset; backtrader is run
  the same way), cash 1,000,000 each, so no order is refused for cash either.
  backtrader runs with ``stdstats=False`` (no observers), which makes it faster than its
  default: the ratio is, if anything, kind to it.
* ``--peer-sample K`` times a peer on the first K symbols only and extrapolates linearly
  to N, labelled ``extrapolated`` in the output. Symbol i of the synthetic market does not
  depend on N, so the sample is the same stocks the full run would see.

Trades are checked, not just timed: for every symbol a peer ran, the closed trades (count,
entry/exit dates, entry/exit prices to 1e-9) must equal Parley's.

    PYTHONPATH=. python benchmarks/bench_backtest.py [--symbols 100 500] [--peer-sample 100]
        [--repeat 3] [--peers backtesting backtrader] [--memory] [--json FILE]

Whole-process mode (``--whole-process``): what a user runs. The N symbols are written once as
a folder of ``SYMBOL.csv`` files; then each tool runs as its own process on the same files,
interleaved round by round: ``parley backtest SPEC --data FOLDER --json`` (with its CSV cache
off, and again with the cache warm), ``benchmarks/peer_sma.py vectorbt`` on all N (numba's
cache warmed by an untimed run first), and backtesting.py and backtrader on the first K
(``--peer-symbols``) beside Parley on the same K files. Every tool's closed trades must equal
Parley's. Figures: min/median/max wall over the rounds, and the peer/Parley ratio of each
round (min/median/max), with the peak memory of each process.

    PYTHONPATH=. python benchmarks/bench_backtest.py --whole-process [--symbols 500]
        [--peer-symbols 100] [--rounds 3] [--csv-dir DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from app.backtest import run_backtest
from app.dsl import parse_spec
from app.market.synthetic import synthetic_market
from peer_sma import backtesting_runner, backtrader_runner  # the whole-process peers' own

BARS = 2_520
SEED = 7
PEER_CASH = 1_000_000.0

TradeKey = tuple[str, float, str, float]
"""(entry date, entry price, exit date, exit price) of one closed trade."""


def sma_spec(symbols: list[str]) -> Any:
    return parse_spec(
        'strategy "SMA 10/30 bench"\n'
        f"universe {', '.join(symbols)}\n"
        "timeframe 1d\n"
        "long when sma(close, 10) crosses above sma(close, 30)\n"
        "exit when sma(close, 10) crosses below sma(close, 30)\n"
        "size 10 shares\n"
    )


# ----------------------------------------------------------------------------- Parley
def run_parley(
    frames: dict[str, pd.DataFrame], repeat: int
) -> tuple[list[tuple[float, float]], dict[str, list[TradeKey]]]:
    """(wall, cpu) seconds of each run, and the closed trades by symbol."""
    spec = sma_spec(list(frames))
    cash = PEER_CASH * len(frames)
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_backtest(spec, frames, cash=cash)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    assert result is not None
    trades: dict[str, list[TradeKey]] = {s: [] for s in frames}
    for t in result.trades:
        trades[t.symbol].append(
            (_day(t.entry_time_ns), t.entry_price, _day(t.exit_time_ns), t.exit_price)
        )
    return times, trades


def _day(t: Any) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d")


# ----------------------------------------------------------------------------- peers
PEERS: dict[str, tuple[Callable[[], Callable[[Any], list[list[Any]]]], str]] = {
    "backtesting": (backtesting_runner, "capital"),
    "backtrader": (backtrader_runner, "lower"),
}


def peer_input(frames: dict[str, pd.DataFrame], style: str) -> dict[str, pd.DataFrame]:
    """Each library's column convention (prepared before the clock starts)."""
    if style == "capital":
        return {s: f.rename(columns=str.capitalize) for s, f in frames.items()}
    return {s: f.copy() for s, f in frames.items()}


def run_peer(
    name: str, frames: dict[str, pd.DataFrame]
) -> tuple[tuple[float, float], dict[str, list[list[Any]]]]:
    """(wall, cpu) seconds over all the symbols, and the closed trades by symbol."""
    factory, style = PEERS[name]
    runner = factory()
    inputs = peer_input(frames, style)
    trades: dict[str, list[list[Any]]] = {}
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    for symbol, df in inputs.items():
        trades[symbol] = runner(df)
    return (time.perf_counter() - t0, time.process_time() - c0), trades


def agree(ours: list[TradeKey], theirs: list[list[Any]]) -> bool:
    return len(ours) == len(theirs) and all(
        a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) < 1e-9 and abs(a[3] - b[3]) < 1e-9
        for a, b in zip(ours, theirs)
    )


# ----------------------------------------------------------------------------- memory
def memory_profile(symbols: int, lengths: list[int]) -> list[dict[str, float]]:
    """Peak memory traced *during* run_backtest (the input frames exist before)."""
    rows = []
    for n_bars in lengths:
        frames = synthetic_market(symbols, n_bars, seed=SEED)
        spec = sma_spec(list(frames))
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        run_backtest(spec, frames, cash=PEER_CASH * symbols)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        input_bytes = sum(f.memory_usage(deep=True).sum() for f in frames.values())
        rows.append(
            {
                "symbols": symbols,
                "bars": n_bars,
                "peak_mb": peak / 2**20,
                "bytes_per_symbol_bar": peak / (symbols * n_bars),
                "input_mb": input_bytes / 2**20,
            }
        )
    return rows


# ----------------------------------------------------------------------------- main
def bench_parley(n: int, repeat: int) -> tuple[dict[str, Any], dict[str, list[TradeKey]]]:
    frames = synthetic_market(n, BARS, seed=SEED)
    runs, trades = run_parley(frames, repeat)
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return {
        "symbols": n,
        "bars": BARS,
        "parley_s": statistics.median(walls),
        "parley_cpu_s": statistics.median(cpus),
        "parley_best_s": min(walls),
        "parley_runs_s": walls,
        "parley_trades": sum(len(v) for v in trades.values()),
        "load_average": os.getloadavg()[0],
    }, trades


def bench_peers(
    row: dict[str, Any], ours: dict[str, list[TradeKey]], peers: list[str], sample: int
) -> None:
    n = row["symbols"]
    k = min(sample, n) if sample > 0 else n
    part = dict(list(synthetic_market(k, BARS, seed=SEED).items()))
    for name in peers:
        (wall, cpu), theirs = run_peer(name, part)
        ok = sum(agree(ours[s], theirs[s]) for s in part)
        row[name] = {
            "timed_symbols": k,
            "timed_s": wall,
            "time_s": wall * n / k,
            "cpu_s": cpu * n / k,
            "extrapolated": k < n,
            "ratio": wall * n / k / row["parley_s"],
            "cpu_ratio": cpu * n / k / row["parley_cpu_s"],
            "trades_agree": f"{ok}/{k} symbols",
            "peer_trades": sum(len(v) for v in theirs.values()),
            "load_average": os.getloadavg()[0],
        }


def print_row(row: dict[str, Any], peers: list[str]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in row["parley_runs_s"])
    print(
        f"\n{row['symbols']} symbols x {row['bars']} bars: Parley {row['parley_s']:.2f} s "
        f"wall, {row['parley_cpu_s']:.2f} s CPU (medians; wall runs {runs}; load "
        f"{row['load_average']:.1f}), {row['parley_trades']:,} closed trades"
    )
    for name in peers:
        p = row[name]
        label = (
            f"extrapolated from {p['timed_symbols']} symbols ({p['timed_s']:.1f} s)"
            if p["extrapolated"]
            else "measured on all symbols"
        )
        print(
            f"  {name:12} {p['time_s']:7.1f} s wall, {p['cpu_s']:7.1f} s CPU, {label}; "
            f"Parley {p['ratio']:.1f}x faster (CPU {p['cpu_ratio']:.1f}x); trades agree "
            f"on {p['trades_agree']}"
        )


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if "--whole-process" in argv:
        from whole_process import main as whole

        return whole([a for a in argv if a != "--whole-process"])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--symbols", type=int, nargs="+", default=[100, 500])
    ap.add_argument(
        "--peer-sample",
        type=int,
        default=100,
        help="time peers on this many symbols and extrapolate (0: all)",
    )
    ap.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS))
    ap.add_argument("--repeat", type=int, default=3, help="Parley runs per size (median)")
    ap.add_argument("--memory", action="store_true", help="also trace Parley's memory")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args(argv)
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    # Parley first for every size, so its timings never share the process with the
    # peers' leftovers; then the peers, checked against Parley's trades.
    measured = [bench_parley(n, args.repeat) for n in args.symbols]
    rows = []
    for row, ours in measured:
        bench_peers(row, ours, args.peers, args.peer_sample)
        print_row(row, args.peers)
        rows.append(row)
    out: dict[str, Any] = {"sizes": rows}
    if args.memory:
        out["memory"] = memory_profile(100, [1_260, 2_520, 5_040, 10_080])
        print("\nParley memory, 100 symbols (tracemalloc peak during run_backtest):")
        for m in out["memory"]:
            print(
                f"  {m['bars']:>6} bars: peak {m['peak_mb']:6.1f} MB = "
                f"{m['bytes_per_symbol_bar']:.0f} bytes per symbol-bar "
                f"(input frames {m['input_mb']:.1f} MB)"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
