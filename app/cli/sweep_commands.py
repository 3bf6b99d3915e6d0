"""`parley sweep`: search a spec's parameters, with the overfitting guards in the report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from app.cli.text import cash_amount, output_path, seed as seed_arg
from app.errors import ParleyError


def register(commands: Any) -> None:
    p = commands.add_parser(
        "sweep",
        help="search a spec's parameters (grid or TPE), with walk-forward",
        description="Run every variant of the spec's `param` lines (or a TPE search of "
        "--trials of them) on bundled or given data, rank them, and report the deflated "
        "Sharpe ratio, the probability of backtest overfitting and, with --walk-forward, "
        "the stitched out-of-sample result.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--data", metavar="PATH", help="CSV file or folder (default: bundled)")
    p.add_argument("--from", dest="start", metavar="DATE", help="first trading day")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day of data used")
    p.add_argument(
        "--objective",
        default="sharpe",
        choices=("sharpe", "return", "return_over_dd", "profit_factor"),
    )
    p.add_argument(
        "--min-trades",
        type=int,
        default=1,
        metavar="N",
        help="variants with fewer closed trades rank last (1)",
    )
    p.add_argument(
        "--walk-forward",
        type=int,
        default=0,
        metavar="K",
        help="K anchored folds: optimise before each fold, test on it",
    )
    p.add_argument(
        "--search",
        choices=("grid", "tpe"),
        default=None,
        help="grid (every combination, the default) or tpe (optuna's guided "
        "search; --trials implies it)",
    )
    p.add_argument(
        "--trials",
        type=int,
        default=None,
        metavar="N",
        help="run a TPE search of N distinct variants (100 with --search tpe)",
    )
    p.add_argument("--seed", type=seed_arg, default=0, help="TPE seed (0)")
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME",
        help="sweep only this parameter (repeat); the others keep defaults",
    )
    p.add_argument("--backend", choices=("local", "ray"), default="local")
    p.add_argument(
        "--ray",
        dest="address",
        metavar="ADDRESS",
        help="a Ray cluster's address (implies --backend ray)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes (default: every core); with Ray, CPUs of a local Ray",
    )
    p.add_argument(
        "--symbol-shards",
        type=int,
        default=0,
        metavar="N",
        help="also split the universe into N groups of symbols per task, merged "
        "exactly (variants whose symbols compete for cash run whole again)",
    )
    p.add_argument("--cash", default="10000", metavar="X", help="starting cash (10000)")
    p.add_argument("--commission", metavar="COST", help="0.1%%, 0.005/share or 1 (per order)")
    p.add_argument("--slippage", metavar="COST", help="same forms as --commission")
    p.add_argument("--rows", type=int, default=15, metavar="N", help="variants listed (15)")
    p.add_argument("--json", action="store_true", help="print the whole sweep as JSON")
    p.add_argument("--html", metavar="FILE", help="also write an HTML report")
    p.set_defaults(handler=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from app.cli.progress import progress
    from app.dsl import load_spec
    from app.execution.costs import parse_cost
    from app.market.data_source import load_for_spec, source_name
    from app.sweep import Settings, run_sweep
    from app.sweep import report
    from app.sweep.params import binder, dimensions
    from app.sweep.space import grid_size

    _check_counts(args)
    html = output_path(args.html, "--html")  # before the sweep: a typo must not cost its result
    search, trials = _search(args)
    spec = load_spec(args.file)
    dims = dimensions(spec, args.param)
    frames = load_for_spec(spec, args.data, start=args.start, end=args.end)
    settings = Settings(
        objective=args.objective,
        min_trades=args.min_trades,
        walk_forward=args.walk_forward,
        search=search,
        trials=trials,
        seed=args.seed,
        backend="ray" if args.address else args.backend,
        workers=args.workers,
        address=args.address,
        cash=cash_amount(args.cash),
        symbol_shards=args.symbol_shards,
        commission=parse_cost(args.commission, "commission"),
        slippage=parse_cost(args.slippage, "slippage"),
        start=_date(args.start, "--from"),
        end=_date(args.end, "--to"),
    )
    total = grid_size(dims) if search == "grid" else min(trials, grid_size(dims))
    try:
        with progress("sweep", total, unit="variants") as tick:
            result = run_sweep(
                spec,
                dims,
                binder(spec),
                frames,
                settings,
                source_name(args.data),
                lambda done, _total: tick(done),
            )
    except ValueError as err:  # folds that do not fit the data, and the like
        raise ParleyError(str(err)) from None
    info = sys.stderr if args.json else sys.stdout
    if html is not None:
        _write(html, report.html_section(result), info)
    if args.json:
        json.dump(report.to_dict(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.text(result, args.rows))
    return 0


def _search(args: argparse.Namespace) -> tuple[str, int]:
    """The search and its trial count: ``--trials N`` alone asks for TPE."""
    if args.search == "grid" and args.trials is not None:
        raise ParleyError(
            "--trials sets the number of TPE trials; a grid runs every combination",
            "drop --search grid, or drop --trials",
        )
    search = args.search or ("tpe" if args.trials is not None else "grid")
    return search, 100 if args.trials is None else args.trials


def _check_counts(args: argparse.Namespace) -> None:
    for flag, value, low in (
        ("--trials", args.trials, 1),
        ("--walk-forward", args.walk_forward, 0),
        ("--min-trades", args.min_trades, 0),
        ("--symbol-shards", args.symbol_shards, 0),
    ):
        if value is not None and value < low:
            raise ParleyError(f"{flag} must be at least {low}, not {value}")
    if args.workers is not None and args.workers < 1:
        raise ParleyError(f"--workers must be at least 1, not {args.workers}")


def _date(value: str | None, flag: str) -> Any:
    from app.backtest.engine import run_date as parse

    return parse(value, flag)


def _write(path: Path, content: str, info: TextIO) -> None:
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as err:
        raise ParleyError(f"{path}: cannot write the report ({err.strerror})") from None
    print(f"wrote the HTML report to {path}", file=info)
