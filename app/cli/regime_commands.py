"""`parley regime`: causal market regimes per bar, and a demo of the regime filter."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from app.cli.text import date_text, seed as seed_arg
from app.errors import ParleyError


def register(commands: Any) -> None:
    regime = commands.add_parser(
        "regime",
        help="market regime of every bar (causal Markov-switching filter)",
        description="Label every bar trending_up, trending_down, mean_reverting, "
        "high_volatility or transition from past bars only (a four-regime Markov-switching "
        "filter on closes; --model fitted: the walk-forward Gaussian HMM), and show a "
        "timeline. --demo backtests a breakout spec with and without the regime filter on a "
        "synthetic market with known regimes.",
    )
    regime.add_argument(
        "--data",
        metavar="PATH",
        help="CSV file or folder of SYMBOL.csv files (default: bundled data)",
    )
    regime.add_argument(
        "--symbol",
        action="append",
        metavar="S",
        help="only this symbol (repeat for several; default: all in the data); "
        "without --data any bundled symbol, the sp500 universe's too",
    )
    regime.add_argument(
        "--model",
        choices=("switching", "fitted"),
        default="switching",
        help="switching (default) or fitted (walk-forward Gaussian HMM)",
    )
    regime.add_argument(
        "--json",
        action="store_true",
        help='print [{"date", "symbol", "regime", "confidence"}, ...]',
    )
    regime.add_argument(
        "--demo",
        action="store_true",
        help="breakout rule with vs without the regime filter, synthetic market",
    )
    regime.add_argument(
        "--seed",
        type=seed_arg,
        default=7,
        metavar="N",
        help="seed of the --demo synthetic market (default 7)",
    )
    regime.add_argument(
        "--seeds", type=int, metavar="N", help="with --demo, also show the mean over seeds 1..N"
    )
    regime.add_argument(
        "--width",
        type=int,
        default=72,
        metavar="N",
        help="timeline width in characters (default 72)",
    )
    regime.add_argument(
        "--last", type=int, default=5, metavar="N", help="show the last N bars' labels (default 5)"
    )
    regime.add_argument("--no-color", action="store_true", help="plain text timeline")
    regime.set_defaults(handler=cmd_regime)


def cmd_regime(args: argparse.Namespace) -> int:
    if args.demo:
        if args.data or args.symbol or args.json or args.model != "switching":
            raise ParleyError(
                "--demo runs on its own synthetic market with the default "
                "model; drop --data, --symbol, --json and --model."
            )
        return _demo(args.seed, args.seeds)
    if args.seeds is not None:
        raise ParleyError("--seeds goes with --demo.")

    from app.cli.progress import line_bar
    from app.market.bundled import bundled_dir
    from app.market.data_source import bundled_bars
    from app.market.loader import load_bars
    from app.regime import RegimeConfig, detect_regimes
    from app.regime.timeline import render_timeline

    if args.width < 1 or args.last < 0:
        raise ParleyError("--width must be at least 1 and --last at least 0.")
    config = RegimeConfig(model=args.model)
    if args.data or not args.symbol:
        frames = load_bars(args.data if args.data else bundled_dir(), symbols=args.symbol)
    else:  # the bundled CSV files, then the sp500 universe, as backtest reads them
        frames = bundled_bars(args.symbol)
    colour = not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rows: list[dict[str, Any]] = []
    bar = line_bar(sys.stderr, "regimes") if len(frames) > 1 else None
    for i, (symbol, frame) in enumerate(frames.items()):
        if bar is not None:
            bar(i / len(frames))
        if len(frame) < config.warmup:
            if bar is not None:
                bar.clear()
            print(
                f"note: {symbol} has {len(frame)} bars; the detector needs {config.warmup} "
                "before its first label, so every bar is 'transition'.",
                file=sys.stderr,
            )
        regimes = detect_regimes(frame, config=config)
        if bar is not None and args.json:
            bar((i + 1) / len(frames))  # 100% wipes it
        elif bar is not None:
            bar.clear()  # before the timeline is printed
        if args.json:
            rows.extend(
                {
                    "date": date_text(when),
                    "symbol": symbol,
                    "regime": regime,
                    "confidence": round(float(conf), 4),
                }
                for when, regime, conf in zip(
                    regimes.index, regimes["regime"], regimes["confidence"], strict=True
                )
            )
            continue
        if i:
            print()
        print(
            render_timeline(regimes, title=symbol, width=args.width, last=args.last, colour=colour),
            flush=True,
        )
    if args.json:
        print(json.dumps(rows))
    return 0


def _demo(seed: int, seeds: int | None) -> int:
    from app.cli.regime_demo import format_demo, format_means, run_demo

    if seeds is not None and seeds < 1:
        raise ParleyError("--seeds must be at least 1.")
    result = run_demo(seed=seed)
    print(format_demo(result), flush=True)
    if seeds is not None:
        means = [result if s == seed else run_demo(seed=s) for s in range(1, seeds + 1)]
        print("\n" + format_means(means))
    return 0
