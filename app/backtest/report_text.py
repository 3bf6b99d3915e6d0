"""The readable summary ``parley backtest`` prints: metrics beside buy-and-hold, the trade
statistics, the last trades, open positions, the limits that tripped and every note the run
produced."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.instruments.clock import zone_of
from app.backtest.result import BacktestResult

_ROWS = (
    ("Total return", "total_return_pct", "pct"),
    ("Annual return", "annual_return_pct", "pct"),
    ("Volatility (annual)", "volatility_pct", "pct_plain"),
    ("Sharpe", "sharpe", "ratio"),
    ("Sortino", "sortino", "ratio"),
    ("Max drawdown", "max_drawdown_pct", "pct_plain"),
    ("Calmar", "calmar", "ratio"),
    ("Final equity", "final_equity", "money"),
)


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "pct":
        return f"{value:+,.2f}%"
    if kind == "pct_plain":
        return f"{value:,.2f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    return f"{value:,.2f}"


def summary(result: BacktestResult, last_trades: int = 10) -> str:
    """The whole text report."""
    out = [_headline(result), ""]
    out += _metrics_table(result) + [""]
    out += _trade_stats(result) + [""]
    out += _last_trades(result, last_trades)
    out += _open_positions(result)
    out += limits_lines(result)
    if result.walk_forward:
        out += [""] + walk_forward_table(result.walk_forward)
    if result.notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in result.notes]
    out += data_lines(result)
    return "\n".join(out).rstrip() + "\n"


def data_lines(r: BacktestResult, shown: int = 8) -> list[str]:
    """The data's caveats in full, and its warnings (the first ``shown``, then a count)."""
    out = []
    if r.caveats:
        out += ["", "Data caveats:"] + [f"  - {c}" for c in r.caveats]
    if r.data_warnings:
        out += ["", f"Data warnings ({len(r.data_warnings)} bars fixed, left out or flagged):"]
        out += [f"  - {w}" for w in r.data_warnings[:shown]]
        if len(r.data_warnings) > shown:
            out.append(
                f"  - ... and {len(r.data_warnings) - shown} more (all in --json and --html)"
            )
    return out


def _day(t: Any) -> str:
    ts = pd.Timestamp(t)
    text: str = ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    return text


def _headline(r: BacktestResult) -> str:
    symbols = ", ".join(r.symbols[:8]) + (
        f" and {len(r.symbols) - 8} more" if len(r.symbols) > 8 else ""
    )
    s = r.settings
    return (
        f'"{r.name}" on {symbols}: {_day(r.start)} to {_day(r.end)} '
        f"({len(r.equity):,} bars), starting cash {r.cash:,.2f}\n"
        f"Costs: commission {s.get('commission', 'none')}, slippage "
        f"{s.get('slippage', 'none')}. Gates: {', '.join(s.get('gates', ['rules']))}."
        + (
            "\nTimes: UTC (the symbols trade in different time zones)."
            if len({zone_of(x) for x in r.symbols}) > 1
            else ""
        )
    )


def _metrics_table(r: BacktestResult) -> list[str]:
    cells = [
        (label, fmt(r.metrics.get(key), kind), fmt(r.buy_and_hold_metrics.get(key), kind))
        for label, key, kind in _ROWS
    ]
    w = max([16] + [len(c) + 2 for _, *pair in cells for c in pair])  # large cash stays apart
    return [f"{'':22}{'Strategy':>{w}}{'Buy & hold':>{w}}"] + [
        f"{label:22}{ours:>{w}}{theirs:>{w}}" for label, ours, theirs in cells
    ]


def _trade_stats(r: BacktestResult) -> list[str]:
    m = r.metrics
    trades = f"Trades: {m['trades']:,} closed, {m.get('open_trades', 0)} open"
    if m["trades"]:
        trades += (
            f"; win rate {fmt(m['win_rate_pct'], 'pct_plain')}; profit factor "
            f"{fmt(m['profit_factor'], 'ratio')}; average trade "
            f"{fmt(m['avg_trade_pct'], 'pct')} over {fmt(m['avg_bars_held'], 'ratio')} "
            "bars"
        )
    return [
        trades,
        (
            f"In the market {fmt(m['exposure_time_pct'], 'pct_plain')} of bars, on average "
            f"{fmt(m['avg_exposure_pct'], 'pct_plain')} of equity; turnover "
            f"{fmt(m['turnover_per_year'], 'ratio')}x equity a year"
        ),
    ]


def _last_trades(r: BacktestResult, n: int) -> list[str]:
    if not r.trades:
        return ["No closed trades."]
    shown = r.trades[-n:]
    head = (
        f"{'symbol':<10}{'side':<6}{'entry':<12}{'price':>11}{'exit':>12}{'price':>11}"
        f"{'qty':>9}{'P&L':>12}{'P&L %':>9}{'bars':>6}  reason"
    )
    lines = [f"Last {len(shown)} of {len(r.trades):,} closed trades:", head]
    for t in shown:
        lines.append(
            f"{t.symbol:<10}{t.side:<6}{_day(t.entry_time_ns):<12}{t.entry_price:>11,.2f}"
            f"{_day(t.exit_time_ns):>12}{t.exit_price:>11,.2f}{t.qty:>9,.6g}{t.pnl:>12,.2f}"
            f"{t.pnl_pct:>+8.2f}%{t.bars_held:>6}  {t.exit_reason}"
        )
    return lines


def _open_positions(r: BacktestResult) -> list[str]:
    if not r.open_positions:
        return []
    lines = ["", f"Open at the end ({len(r.open_positions)}), marked at the last close:"]
    for p in r.open_positions[:10]:
        mark = r.marks.get(p.symbol, p.entry_price)
        pnl = p.side * p.qty * (mark - p.entry_price)
        lines.append(
            f"  {p.symbol} {'long' if p.side > 0 else 'short'} {p.qty:,.6g} from "
            f"{_day(p.entry_time_ns)} at {p.entry_price:,.2f}, now {mark:,.2f} "
            f"({pnl:+,.2f})"
        )
    if len(r.open_positions) > 10:
        lines.append(f"  ... and {len(r.open_positions) - 10} more")
    return lines


def limits_lines(r: BacktestResult, shown: int = 10) -> list[str]:
    """The limits watched and each trip, with what it did to the entries after it."""
    watched = r.limits
    if not r.limit_events:
        return ["", f"Limits ({', '.join(watched)}): none tripped."] if watched else []
    lines = ["", f"Limits tripped ({len(r.limit_events)}):"]
    for e in r.limit_events[:shown]:
        lines.append(f"  {_day(e.time_ns)}  {e.message}: {e.effect}")
    if len(r.limit_events) > shown:
        lines.append(f"  ... and {len(r.limit_events) - shown} more")
    return lines


def walk_forward_table(folds: list[dict[str, Any]]) -> list[str]:
    """In-sample (history before the fold) beside out-of-sample (the fold)."""
    lines = [
        (
            "Walk-forward (in-sample = all history before the fold; out-of-sample = the "
            "fold, run fresh):"
        ),
        (
            f"{'fold':<5}{'period':<25}{'return IS':>11}{'return OOS':>12}{'Sharpe IS':>11}"
            f"{'Sharpe OOS':>12}{'maxDD IS':>10}{'maxDD OOS':>11}{'trades OOS':>12}"
        ),
    ]
    for f in folds:
        ins, oos = f["in_sample"] or {}, f["out_of_sample"]
        lines.append(
            f"{f['fold']:<5}{f['start'] + ' to ' + f['end']:<25}"
            f"{fmt(ins.get('total_return_pct'), 'pct'):>11}"
            f"{fmt(oos['total_return_pct'], 'pct'):>12}{fmt(ins.get('sharpe'), 'ratio'):>11}"
            f"{fmt(oos['sharpe'], 'ratio'):>12}{fmt(ins.get('max_drawdown_pct'), 'pct'):>10}"
            f"{fmt(oos['max_drawdown_pct'], 'pct'):>11}{oos['trades']:>12}"
        )
    return lines
