"""`parley evaluate`: does each layer of a spec help, out of sample, beyond chance?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.text import seed as seed_arg
from app.errors import ParleyError


def register(commands: Any) -> None:
    p = commands.add_parser(
        "evaluate",
        help="measure each layer (regime, agents, memory) against rules only "
        "and against a matched random null",
        description="Walk-forward folds over the data; for each layer of the spec (regime "
        "filter, agent team, memory, all together): its Sharpe against rules only (a "
        "bootstrap interval for the difference) and against a matched null (the same share "
        "of entries blocked or resized at random), trades and exposure, and a plain "
        "verdict; then a look-ahead audit of the spec on the data.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="CSV file or folder (default: bundled data); 'alpaca' downloads bars",
    )
    p.add_argument("--from", dest="start", metavar="DATE", help="first day evaluated")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day evaluated")
    p.add_argument("--folds", type=int, default=4, metavar="K", help="walk-forward folds (4)")
    p.add_argument(
        "--draws",
        type=int,
        default=200,
        metavar="N",
        help="null draws per layer (200; fewer gives indicative percentiles)",
    )
    p.add_argument(
        "--seed", type=seed_arg, default=0, help="seed of the null and the bootstrap (0)"
    )
    p.add_argument(
        "--cuts",
        type=int,
        default=3,
        metavar="K",
        help="dates the look-ahead audit cuts the run at (3)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from app.dsl import load_spec
    from app.evaluate.report import summary
    from app.evaluate.run import check_span, evaluate
    from app.market.alpaca_cache import alpaca_feed
    from app.market.data_source import load_for_spec

    for flag, value, least in (
        ("--folds", args.folds, 2),
        ("--draws", args.draws, 1),
        ("--cuts", args.cuts, 0),
    ):
        if value < least:
            raise ParleyError(f"{flag} must be at least {least}, not {value}")
    check_span(args.start, args.end)  # before any data is loaded or downloaded
    spec = load_spec(args.file)
    frames = load_for_spec(spec, args.data, start=args.start, end=args.end)
    if alpaca_feed(args.data) is not None:  # the team reads Alpaca's headlines too
        from app.agents.headlines import use_alpaca_news
        from app.config import load_settings

        use_alpaca_news(load_settings())
    report = evaluate(
        spec,
        frames,
        folds=args.folds,
        draws=args.draws,
        seed=args.seed,
        start=args.start,
        end=args.end,
        cuts=args.cuts,
        progress=_progress(sys.stderr),
    )
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(summary(report))
    return 0


def _progress(stream: Any) -> Any:
    """A one-line progress note, only on a terminal."""
    if not stream.isatty():
        return None

    def show(fraction: float, what: str) -> None:
        stream.write(f"\revaluating {what:<8} {int(100 * fraction):3d}%")
        if fraction >= 1:
            stream.write("\r" + " " * 30 + "\r")
        stream.flush()

    return show
