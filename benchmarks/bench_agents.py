"""Decision latency of the deterministic agent team, per candidate.

Run: python benchmarks/bench_agents.py [--repeat N] [--rounds R]
Candidates are every entry of `strategies/sma_crossover.strategy` on the four bundled
stocks (bars up to each entry only), with the equal-weight universe as the macro
benchmark and a headline for the news analyst. Prints the median and p99 of one
`AgentTeam.decide` per candidate, the share spent computing the indicator figures, and
the same figures for 0 and 3 debate rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from app.agents.context import make_context
from app.agents.features import measure
from app.agents.macro import equal_weight_benchmark
from app.agents.models import DecisionContext, Headline, PortfolioSnapshot
from app.agents.team import AgentTeam
from app.dsl import format_expr, load_spec
from app.engine.signals import rule_signals
from app.indicators.bars import Bars
from app.market.bundled import bundled_dir
from app.market.loader import load_bars
from app.spec.models import AgentsSpec, Limits

ROOT = Path(__file__).resolve().parents[1]
STOCKS = ["GOOG", "NVDA", "ORCL", "YHOO"]


def candidates() -> list[DecisionContext]:
    spec = load_spec(ROOT / "strategies" / "sma_crossover.strategy")
    frames = load_bars(bundled_dir(), symbols=STOCKS)
    bench = equal_weight_benchmark(frames)
    rule = "long entry: " + format_expr(spec.long_entry)
    out = []
    for symbol, frame in frames.items():
        bars = Bars.from_frame(frame)
        for i in np.flatnonzero(rule_signals(spec, bars).long_entry):
            when = bars.index[i].astype("datetime64[us]").item()
            news = (
                Headline(
                    time=when - timedelta(days=1),
                    symbols=(symbol,),
                    text=f"{symbol} beats estimates as sales surge",
                ),
            )
            out.append(
                make_context(
                    symbol,
                    bars,
                    when,
                    rule=rule,
                    side="long",
                    portfolio=PortfolioSnapshot(equity=100_000.0),
                    benchmark=bench,
                    headlines=news,
                    regime="trending_up",
                    regime_confidence=0.8,
                )
            )
    return out


def latencies(team: AgentTeam, contexts: list[DecisionContext], repeat: int) -> np.ndarray:
    """Seconds per decision: one row per repeat, one column per candidate."""
    times = np.zeros((repeat, len(contexts)))
    for r in range(repeat):
        for i, ctx in enumerate(contexts):
            t0 = time.perf_counter()
            team.decide(ctx)
            times[r, i] = time.perf_counter() - t0
    return times


def p(values: np.ndarray | list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    contexts = candidates()
    limits = Limits(max_drawdown_pct=25, max_exposure_pct=100)
    team = AgentTeam(AgentsSpec(debate_rounds=args.rounds), limits=limits, max_positions=5)
    latencies(team, contexts[:10], 1)  # warm up
    times = latencies(team, contexts, args.repeat)
    feats = []
    for ctx in contexts:
        t0 = time.perf_counter()
        measure(ctx.bars)
        feats.append(time.perf_counter() - t0)
    print(
        f"{len(contexts)} candidates x {args.repeat}: deterministic team, "
        f"{args.rounds} debate round(s)"
    )
    best = times.min(axis=0)  # per candidate, the least disturbed of the repeats
    print(
        f"  decide: median {p(times, 50):.3f} ms   p99 {p(times, 99):.3f} ms   "
        f"max {times.max() * 1e3:.3f} ms   (all runs)"
    )
    print(
        f"  decide: median {p(best, 50):.3f} ms   p99 {p(best, 99):.3f} ms   "
        f"(best of {args.repeat} per candidate: without scheduler noise)"
    )
    print(
        f"  of which indicator figures: median {p(feats, 50):.3f} ms "
        f"({statistics.median(feats) / float(np.median(times)):.0%})"
    )
    for rounds in (0, 3):
        other = AgentTeam(AgentsSpec(debate_rounds=rounds), limits=limits, max_positions=5)
        t = latencies(other, contexts, 1)
        print(f"  {rounds} debate round(s): median {p(t, 50):.3f} ms   p99 {p(t, 99):.3f} ms")
    print(
        json.dumps(
            {
                "median_ms": round(p(times, 50), 4),
                "p99_ms": round(p(times, 99), 4),
                "best_p99_ms": round(p(best, 99), 4),
                "candidates": len(contexts),
            }
        )
    )


if __name__ == "__main__":
    main()
