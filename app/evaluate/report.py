"""The evaluation in words: a table of the arms and one plain verdict per layer."""

from __future__ import annotations

import math
from typing import Any

from app.evaluate.stats import ordinal

NAMES = {
    "regime": "the regime filter",
    "agents": "the agent team (without memory)",
    "memory": "memory",
    "all": "all layers together",
}
NULLS = {
    "regime": "random blocking",
    "agents": "random blocking and resizing",
    "memory": "random lesson points",
    "all": "random blocking and resizing",
}
BASES = {"rules": "rules only", "agents": "the team without memory"}
LEVEL = 5.0
"""A layer beats (or trails) its null when its Sharpe is above the 95th (below the 5th)
percentile of the null draws."""


def verdict(f: dict[str, Any]) -> str:
    """One sentence on a layer's figures (see :func:`app.evaluate.run.evaluate`)."""
    name, null, base = NAMES[f["layer"]], NULLS[f["layer"]], BASES[f["base"]]
    if f.get("changed_nothing"):
        return (
            f"{name} changed nothing here: the same trades and equity as {base} "
            f"({f['blocked']} of {f['candidates']} entries blocked)."
        )
    p = f["null_percentile"]
    where = f"({ordinal(p)} percentile)" if math.isfinite(p) else "(no null)"
    if p >= 100 - LEVEL:
        head = f"{name} beat {null} here {where}"
    elif p <= LEVEL:
        head = f"{name} did worse than {null} here {where}"
    else:
        head = f"{name} did not beat {null} here {where}"
    lo, hi = f["difference_interval_95"]
    diff = f["sharpe_difference"]
    if lo is None or hi is None:
        tail = f"Sharpe {diff:+.2f} against {base} (too few bars for an interval)"
    else:
        span = f"Sharpe {diff:+.2f}, 95% interval {lo:+.2f} to {hi:+.2f}"
        tail = (
            f"it beat {base} ({span})"
            if lo > 0
            else f"it did worse than {base} ({span})"
            if hi < 0
            else f"against {base} the difference is within noise ({span})"
        )
    return f"{head}; {tail}."


def table(report: dict[str, Any]) -> list[str]:
    """The arms side by side."""
    head = (
        f"{'arm':<8} {'vs':<7} {'Sharpe':>6} {'base':>6} {'diff':>6} "
        f"{'95% interval':>15} {'null pct':>8} {'return':>8} {'trades':>6} "
        f"{'in mkt':>6} {'expo':>5}"
    )
    rows = [head, "-" * len(head), _row(report["rules"], None)]
    rows += [_row(f, f) for f in report["layers"]]
    return rows


def _row(f: dict[str, Any], layer: dict[str, Any] | None) -> str:
    if layer is None:
        mid = f"{'':<7} {f['sharpe']:>6.2f} {'':>6} {'':>6} {'':>15} {'':>8}"
    else:
        lo, hi = layer["difference_interval_95"]
        ci = "n/a" if lo is None else f"{lo:+.2f}..{hi:+.2f}"
        mid = (
            f"{layer['base']:<7} {f['sharpe']:>6.2f} {layer['base_sharpe']:>6.2f} "
            f"{layer['sharpe_difference']:>+6.2f} {ci:>15} {layer['null_percentile']:>8.0f}"
        )
    return (
        f"{f['arm']:<8} {mid} {f['return_pct']:>+7.1f}% {f['trades']:>6} "
        f"{f['time_in_market_pct']:>5.0f}% {f['avg_exposure_pct']:>4.0f}%"
    )


def symbols_text(symbols: list[str], shown: int = 5) -> str:
    """The symbols, or for a long list its count, its first few and its last (``--json``
    keeps them all)."""
    if len(symbols) <= 2 * shown:
        return ", ".join(symbols)
    return f"{len(symbols)} symbols ({', '.join(symbols[:shown])}, ..., {symbols[-1]})"


def summary(report: dict[str, Any]) -> str:
    """The whole report as text."""
    folds = ", ".join(f"{f['start']}..{f['end']}" for f in report["folds"])
    out = [
        f"Evaluation of {report['strategy']} on {symbols_text(report['symbols'])}",
        f"{len(report['folds'])} walk-forward folds: {folds}",
        f"null: {report['draws']} seeded draws per layer (seed {report['seed']}); "
        "Sharpe of the folds' returns pooled, annualised",
        "",
    ]
    out += table(report) + [""]
    out += [f"- {f['verdict']}" for f in report["layers"]]
    out += [f"- not evaluated: {m}" for m in report["missing_layers"]]
    if report["draws"] < 200:
        out.append(
            f"- only {report['draws']} null draws: the percentiles are indicative; "
            "use --draws 200 or more for a verdict"
        )
    out += ["", f"look-ahead audit: {report['audit']['summary']}"]
    out += [f"data caveat: {c}" for c in report.get("caveats", ())]
    return "\n".join(out) + "\n"
