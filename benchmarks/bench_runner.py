"""How many symbols one runner keeps up with on 1-minute replay bars, with the offline
(deterministic) agent team, and the decision latency per bar.

    python benchmarks/bench_runner.py [--symbols 50,100,200,500] [--bars 120]

Synthetic 1-minute bars (``synthetic_market(n, bars, freq="min")``); an SMA crossover
with the agent team (technical, fundamentals, news, macro, one debate round), max speed,
the simulated broker and a real SQLite file. "Per bar" is the wall time from a minute's
bars arriving to their commit, for all symbols together; keeping up with real time means
the p99 stays under 60 s. "CPU per bar" is this thread's CPU time between two bars'
ends: on a shared machine wall time also counts the waits for a core, CPU time does
not. Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.dsl.parser import parse_spec  # noqa: E402
from app.feeds.replay import ReplayFeed  # noqa: E402
from app.market.synthetic import synthetic_market  # noqa: E402
from app.runner import Runner, RunnerOptions  # noqa: E402
from app.store import Store  # noqa: E402

SPEC = """strategy "bench"
universe {universe}
timeframe 1m
long when sma(close, 5) crosses above sma(close, 20)
exit when sma(close, 5) crosses below sma(close, 20)
size {size}% of equity
agents technical, fundamentals, news, macro
debate 1 rounds
min conviction 40
"""


def bench(n_symbols: int, n_bars: int, window: int) -> dict:
    frames = synthetic_market(n_symbols, n_bars, freq="min")
    size = min(1.0, 100.0 / n_symbols)  # every position open stays within the exposure cap
    text = SPEC.format(universe=", ".join(frames), size=f"{size:g}")
    spec = parse_spec(text)
    home = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    store = Store(f"sqlite:///{home / 'parley.db'}")
    run = store.create_run(spec.name, text, cash=1_000_000.0)
    runner = Runner(
        store,
        run.id,
        ReplayFeed(frames),
        None,
        RunnerOptions(window=window, agents="offline", freeze_gc=True),
    )
    decisions = [0]
    cpu: list[float] = []

    def count(e: object) -> None:
        decisions[0] += type(e).__name__ == "DecisionMade"
        if type(e).__name__ == "BarProcessed":
            cpu.append(time.thread_time())

    t0 = time.perf_counter()
    runner.run(spec, count, threading.Event())
    wall = time.perf_counter() - t0
    lat = np.array(runner.latencies[30:])  # after the indicators' warm-up
    per_bar_cpu = np.diff(np.array(cpu))[29:]
    return {
        "symbols": n_symbols,
        "bars": n_bars,
        "decisions": decisions[0],
        "wall_s": round(wall, 2),
        "per_bar_median_ms": round(float(np.median(lat)) * 1e3, 1),
        "per_bar_p99_ms": round(float(np.percentile(lat, 99)) * 1e3, 1),
        "per_bar_max_ms": round(float(lat.max()) * 1e3, 1),
        "cpu_per_bar_median_ms": round(float(np.median(per_bar_cpu)) * 1e3, 1),
        "cpu_per_bar_p99_ms": round(float(np.percentile(per_bar_cpu, 99)) * 1e3, 1),
        "keeps_up_with_1m": bool(np.percentile(lat, 99) < 60.0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbols", default="50,100,200,500")
    parser.add_argument("--bars", type=int, default=120)
    parser.add_argument("--window", type=int, default=300)
    args = parser.parse_args()
    for n in (int(x) for x in args.symbols.split(",")):
        print(json.dumps(bench(n, args.bars, args.window)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
