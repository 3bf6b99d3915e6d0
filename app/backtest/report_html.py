"""A self-contained HTML report: inline SVG charts and tables, no scripts, no downloads,
so it opens anywhere and can be mailed or archived as one file."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from app.backtest.report_text import _ROWS, _day, fmt, limits_lines, walk_forward_table
from app.backtest.result import BacktestResult

_W, _H, _DD_H, _PAD = 900, 300, 120, 50
_MAX_POINTS = 900
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:960px}
table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;
text-align:right}th:first-child,td:first-child{text-align:left}.note{color:#885500}
svg{background:#fafafa;border:1px solid #ddd}pre{background:#f4f4f4;padding:8px}"""


def html_report(result: BacktestResult) -> str:
    r = result
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(r.name)} - Parley backtest</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(r.name)}</h1>",
        (
            f"<p>{escape(', '.join(r.symbols[:20]))}{' ...' if len(r.symbols) > 20 else ''}: "
            f"{_day(r.start)} to {_day(r.end)}, {len(r.equity):,} bars, starting cash "
            f"{r.cash:,.2f}. Commission {escape(str(r.settings.get('commission')))}, slippage "
            f"{escape(str(r.settings.get('slippage')))}.</p>"
        ),
        "<h2>Equity</h2>",
        equity_svg(r.equity, r.buy_and_hold),
        "<h2>Drawdown</h2>",
        drawdown_svg(r.drawdown_pct),
        "<h2>Metrics</h2>",
        _metrics_table(r),
        "<h2>Trades</h2>",
        _trades_table(r),
    ]
    if r.walk_forward:
        parts += [
            "<h2>Walk-forward</h2>",
            f"<pre>{escape(chr(10).join(walk_forward_table(r.walk_forward)))}</pre>",
        ]
    if r.limits or r.limit_events:
        lines = limits_lines(r)[1:]
        parts += ["<h2>Limits</h2>", f"<pre>{escape(chr(10).join(lines))}</pre>"]
    if r.notes:
        parts += (
            ["<h2>Notes</h2><ul>"]
            + [f"<li class='note'>{escape(n)}</li>" for n in r.notes]
            + ["</ul>"]
        )
    for title, items in (("Data caveats", r.caveats), ("Data warnings", r.data_warnings)):
        if items:
            parts += (
                [f"<h2>{title}</h2><ul>"]
                + [f"<li class='data'>{escape(i)}</li>" for i in items]
                + ["</ul>"]
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def _thin(series: pd.Series) -> pd.Series:
    if len(series) <= _MAX_POINTS:
        return series
    idx = np.unique(np.linspace(0, len(series) - 1, _MAX_POINTS).round().astype(int))
    return series.iloc[idx]


def _path(values: np.ndarray, lo: float, hi: float, height: int) -> str:
    n = max(len(values) - 1, 1)
    span = hi - lo if hi > lo else 1.0
    xs = _PAD + (_W - 2 * _PAD) * np.arange(len(values)) / n
    ys = 10 + (height - 30) * (1 - (values - lo) / span)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))


def equity_svg(equity: pd.Series, bench: pd.Series) -> str:
    e, b = _thin(equity), _thin(bench)
    lo = float(min(e.min(), b.min()))
    hi = float(max(e.max(), b.max()))
    return (
        f"<svg width='{_W}' height='{_H}' viewBox='0 0 {_W} {_H}' "
        "xmlns='http://www.w3.org/2000/svg' role='img' aria-label='equity curve'>"
        f"<polyline fill='none' stroke='#999' stroke-width='1' "
        f"points='{_path(b.to_numpy(float), lo, hi, _H)}'/>"
        f"<polyline fill='none' stroke='#1f6feb' stroke-width='1.5' "
        f"points='{_path(e.to_numpy(float), lo, hi, _H)}'/>"
        f"{_axis_labels(e.index, lo, hi, _H)}"
        f"<text x='{_W - _PAD}' y='14' text-anchor='end' font-size='11' fill='#1f6feb'>"
        f"strategy</text><text x='{_W - _PAD}' y='28' text-anchor='end' font-size='11' "
        "fill='#777'>buy &amp; hold</text></svg>"
    )


def drawdown_svg(dd_pct: pd.Series) -> str:
    d = _thin(dd_pct)
    lo = float(min(d.min(), -1e-9))
    points = _path(d.to_numpy(float), lo, 0.0, _DD_H)
    first_x, last_x = _PAD, _W - _PAD
    return (
        f"<svg width='{_W}' height='{_DD_H}' viewBox='0 0 {_W} {_DD_H}' "
        "xmlns='http://www.w3.org/2000/svg' role='img' aria-label='drawdown'>"
        f"<polygon fill='#f4b4b4' stroke='#c33' stroke-width='1' "
        f"points='{first_x},10 {points} {last_x},10'/>"
        f"{_axis_labels(d.index, lo, 0.0, _DD_H, pct=True)}</svg>"
    )


def _axis_labels(index: pd.Index, lo: float, hi: float, height: int, pct: bool = False) -> str:
    top = f"{hi:,.1f}%" if pct else f"{hi:,.0f}"
    bottom = f"{lo:,.1f}%" if pct else f"{lo:,.0f}"
    y_bottom = height - 20
    return (
        f"<text x='4' y='14' font-size='10'>{top}</text>"
        f"<text x='4' y='{y_bottom}' font-size='10'>{bottom}</text>"
        f"<text x='{_PAD}' y='{height - 4}' font-size='10'>{_day(index[0])}</text>"
        f"<text x='{_W - _PAD}' y='{height - 4}' font-size='10' text-anchor='end'>"
        f"{_day(index[-1])}</text>"
    )


def _metrics_table(r: BacktestResult) -> str:
    rows = "".join(
        f"<tr><td>{label}</td><td>{fmt(r.metrics.get(key), kind)}</td>"
        f"<td>{fmt(r.buy_and_hold_metrics.get(key), kind)}</td></tr>"
        for label, key, kind in _ROWS
    )
    m = r.metrics
    extra = "".join(
        f"<tr><td>{label}</td><td>{value}</td><td></td></tr>"
        for label, value in (
            ("Closed trades", f"{m['trades']:,}"),
            ("Open at the end", m.get("open_trades", 0)),
            ("Win rate", fmt(m["win_rate_pct"], "pct_plain")),
            ("Profit factor", fmt(m["profit_factor"], "ratio")),
            ("Exposure (bars in market)", fmt(m["exposure_time_pct"], "pct_plain")),
            ("Turnover (x equity a year)", fmt(m["turnover_per_year"], "ratio")),
        )
    )
    return f"<table><tr><th></th><th>Strategy</th><th>Buy &amp; hold</th></tr>{rows}{extra}</table>"


def _trades_table(r: BacktestResult, limit: int = 500) -> str:
    shown = r.trades[-limit:]
    head = (
        "<tr><th>symbol</th><th>side</th><th>entry</th><th>price</th><th>exit</th>"
        "<th>price</th><th>qty</th><th>P&amp;L</th><th>P&amp;L %</th><th>bars</th>"
        "<th>reason</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(t.symbol)}</td><td>{t.side}</td><td>{_day(t.entry_time_ns)}</td>"
        f"<td>{t.entry_price:,.2f}</td><td>{_day(t.exit_time_ns)}</td>"
        f"<td>{t.exit_price:,.2f}</td><td>{t.qty:,.6g}</td><td>{t.pnl:,.2f}</td>"
        f"<td>{t.pnl_pct:+.2f}%</td><td>{t.bars_held}</td><td>{t.exit_reason}</td></tr>"
        for t in shown
    )
    more = (
        f"<p>Showing the last {len(shown):,} of {len(r.trades):,} trades.</p>"
        if len(r.trades) > limit
        else ""
    )
    return f"{more}<table>{head}{rows}</table>"
