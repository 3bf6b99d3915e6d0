"""`parley backtest`: a spec over history, as a readable summary, JSON or an HTML report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from app.cli.text import cash_amount, count, output_path
from app.errors import ParleyError

if TYPE_CHECKING:
    from app.execution.decision import DecisionRecord


def register(commands: Any) -> None:
    p = commands.add_parser(
        "backtest",
        help="backtest a spec on history",
        description="Run a spec over bundled or given data: signals on closed bars, market "
        "orders at the next open, stops and targets within the bar. Prints metrics beside "
        "buy-and-hold and the last trades.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="CSV file or folder (default: bundled data); 'alpaca' (or "
        "alpaca:sip) downloads the spec's symbols with your Alpaca keys into a "
        "local cache",
    )
    p.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="first trading day (with --data alpaca: default 5 years back for "
        "daily bars, less for intraday)",
    )
    p.add_argument("--to", dest="end", metavar="DATE", help="last day of data used")
    p.add_argument("--cash", default="10000", metavar="X", help="starting cash (10000)")
    p.add_argument(
        "--commission",
        metavar="COST",
        help="0.1%% of value, 0.005/share, or 1 (dollars per order); default none",
    )
    p.add_argument("--slippage", metavar="COST", help="same forms as --commission")
    p.add_argument("--json", action="store_true", help="print trades, equity and metrics")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument(
        "--walk-forward",
        type=int,
        metavar="K",
        help="also split the period into K folds, in- and out-of-sample",
    )
    p.add_argument(
        "--agents",
        choices=("offline", "llm", "none"),
        help="the agent team's mode; a spec with an agents section uses offline "
        "unless told otherwise, none runs on the rules alone",
    )
    p.add_argument(
        "--trades",
        type=count,
        default=10,
        metavar="N",
        help="how many of the last trades the summary lists (10)",
    )
    p.set_defaults(handler=cmd_backtest)


def cmd_backtest(args: argparse.Namespace) -> int:
    from app.backtest import run_backtest
    from app.backtest.report_text import summary
    from app.dsl import load_spec
    from app.market.data_source import load_for_spec, source_name

    html = output_path(args.html, "--html")
    spec = load_spec(args.file)
    _say_questions(spec.questions, sys.stderr)
    frames = load_for_spec(spec, args.data, start=args.start, end=args.end)
    _news_for(args.data)
    options: dict[str, Any] = {
        "cash": cash_amount(args.cash),
        "commission": args.commission,
        "slippage": args.slippage,
        "start": args.start,
        "end": args.end,
        "agents": args.agents,
        "source": source_name(args.data),
    }
    result = run_backtest(spec, frames, progress=_progress_bar(sys.stderr), **options)
    _say_degraded(result.decisions, sys.stderr)
    if args.walk_forward is not None:
        from app.backtest.walk_forward import walk_forward

        result.walk_forward = walk_forward(
            spec,
            frames,
            args.walk_forward,
            progress=_progress_bar(sys.stderr, "walk-forward"),
            **options,
        )
    info = sys.stderr if args.json else sys.stdout
    if html is not None:
        _write_html(result, html, info)
    if args.json:
        result.write_json(sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(summary(result, args.trades))
    return 0


def _say_questions(questions: tuple[str, ...], stream: TextIO) -> None:
    """A draft backtests as written, but says what it still asks (``run`` refuses it)."""
    if not questions:
        return
    print(
        f"note: the spec still asks {len(questions)} question(s); the backtest runs it as "
        "written, and `parley run` refuses it until they are answered:",
        file=stream,
    )
    for q in questions:
        print(f"  - {q}", file=stream)


def _news_for(data: str | None) -> None:
    """With ``--data alpaca`` the agent team reads Alpaca's headlines (point in time)."""
    from app.market.alpaca_cache import alpaca_feed

    if alpaca_feed(data) is not None:
        from app.agents.headlines import use_alpaca_news
        from app.config import load_settings

        use_alpaca_news(load_settings())


def _say_degraded(decisions: list[DecisionRecord], stream: TextIO) -> None:
    """Say so when the LLM team fell back to its offline answers (an API it could not use)."""
    from app.agents.models import TeamDecision

    team = [t for t in (d.gate(TeamDecision) for d in decisions) if t is not None]
    failed = [t for t in team if t.mode == "llm" and t.degraded]
    if not failed:
        return
    why = next(
        (w for t in failed for w in t.degraded_why if "call failed" in w),
        (failed[0].degraded_why or ("",))[0],
    )
    print(
        f"warning: the LLM agents fell back to the offline team's answers in {len(failed)} "
        f"of {len(team)} decisions ({why.split(': ', 1)[-1]})",
        file=stream,
    )
    print("check ANTHROPIC_BASE_URL, the key and the network, or use --agents offline", file=stream)


def _write_html(result: Any, path: Path, info: TextIO) -> None:
    from app.backtest.report_html import html_report

    try:
        path.write_text(html_report(result), encoding="utf-8")
    except OSError as err:
        raise ParleyError(f"{path}: cannot write the report ({err.strerror})") from None
    print(f"wrote the HTML report to {path}", file=info)


def _progress_bar(stream: TextIO, label: str = "backtesting") -> Callable[[float], None] | None:
    """A one-line progress bar, only on a terminal (logs and pipes stay clean)."""
    from app.cli.progress import line_bar

    return line_bar(stream, label)
