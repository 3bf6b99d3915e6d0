"""A sweep's report: the variants table, the chosen parameters, a heat map of two
parameters, and the overfitting guard with a plain verdict -- as text, JSON or HTML."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from app.sweep.objectives import Score, rank_key
from app.sweep.sweep import SweepResult, Variant

_SHADES = "\u00b7.:-=+*#%@"


def verdict(r: SweepResult) -> str:
    """One sentence: is the best variant probably luck?"""
    dsr, p = r.deflated_sharpe, r.pbo.probability
    oos = r.stitched.sharpe if r.stitched is not None else None
    parts = []
    if math.isfinite(dsr):
        parts.append(f"deflated Sharpe {dsr:.2f}")
    if math.isfinite(p):
        parts.append(f"PBO {p:.0%}")
    figures = ", ".join(parts) or "no guard could be computed"
    luck = (
        (math.isfinite(dsr) and dsr < 0.95)
        or (math.isfinite(p) and p > 0.5)
        or (oos is not None and not oos > 0)
    )
    if luck:
        return (
            f"The best variant is probably luck ({figures}"
            + (f", out-of-sample Sharpe {oos:.2f}" if oos is not None else "")
            + "): do not expect its in-sample figures to hold."
        )
    return (
        f"The best variant survives the overfitting checks ({figures}"
        + (f", out-of-sample Sharpe {oos:.2f}" if oos is not None else "")
        + "), which lowers the odds it is luck but does not prove an edge."
    )


def chosen_text(r: SweepResult) -> str:
    """The chosen parameters as the spec writes them: ``fast=20, stop=2.5%``."""
    return _values(r.chosen, r)


def to_dict(r: SweepResult) -> dict[str, Any]:
    s = r.settings
    out: dict[str, Any] = _clean(
        {
            "strategy": r.name,
            "period": [str(r.period[0].date()), str(r.period[1].date())],
            "parameters": [{"name": d.name, "values": list(d.values)} for d in r.dimensions],
            "objective": s.objective,
            "min_trades": s.min_trades,
            "search": s.search,
            "backend": s.backend,
            "walk_forward": s.walk_forward,
            "chosen": r.chosen,
            "best_in_sample": r.variants[r.best].values,
            "variants": [
                {
                    "values": v.values,
                    "in_sample": _score(v.in_sample),
                    "out_of_sample": [_score(f) for f in v.folds],
                    "via": v.outcome.via,
                    "skipped": v.outcome.skipped,
                }
                for v in r.variants
            ],
            "folds": [
                {
                    "start": str(f.start.date()),
                    "end": str(f.end.date()),
                    "chosen": f.chosen,
                    "in_sample": _score(f.in_sample),
                    "out_of_sample": _score(f.out_sample),
                }
                for f in r.folds
            ],
            "stitched_out_of_sample": None if r.stitched is None else _score(r.stitched),
            "overfitting": {
                "deflated_sharpe": r.deflated_sharpe,
                "trials": len(r.variants),
                "pbo": r.pbo.probability,
                "pbo_splits": r.pbo.splits,
                "pbo_blocks": r.pbo.blocks,
                "cscv_sharpe_in_sample": _annual(r, r.pbo.in_sample),
                "cscv_sharpe_out_of_sample": _annual(r, r.pbo.out_sample),
            },
            "verdict": verdict(r),
            "seconds": r.seconds,
            "notes": r.notes,
        }
    )
    if s.symbol_shards > 1:
        shards = [v.outcome.shards for v in r.variants]
        out["symbol_shards"] = {
            "groups": s.symbol_shards,
            "merged": shards.count("merged"),
            "whole_again": shards.count("fallback"),
        }
    return out


def text(r: SweepResult, rows: int = 15) -> str:
    s = r.settings
    out = [
        f"sweep of {r.name!r}: {len(r.variants)} variants ({s.search}), objective "
        f"{s.objective} (min {s.min_trades} trades), {r.period[0]:%Y-%m-%d} to "
        f"{r.period[1]:%Y-%m-%d}, {r.seconds:.1f} s on {s.backend}",
        "",
    ]
    out += _table(r, rows)
    out += ["", "chosen: " + chosen_text(r)]
    if r.folds:
        out += [
            "",
            f"walk-forward, {len(r.folds)} anchored folds (optimise on all bars "
            "before, test on the fold):",
        ]
        for f in r.folds:
            out.append(
                f"  {f.start:%Y-%m-%d}..{f.end:%Y-%m-%d}  {_values(f.chosen, r):28} "
                f"in {_short(f.in_sample)}  out {_short(f.out_sample)}"
            )
        assert r.stitched is not None
        best_in = r.variants[r.best].in_sample
        out.append(
            f"  stitched out-of-sample: {_short(r.stitched)}   (best in-sample over "
            f"the whole period: Sharpe {_num(best_in.sharpe)})"
        )
    if len(r.dimensions) >= 2:
        out += ["", *heatmap(r)]
    out += [
        "",
        "overfitting guard:",
        f"  deflated Sharpe ratio over {len(r.variants)} trials: "
        f"{_num(r.deflated_sharpe, 3)} (probability the best Sharpe is above zero)",
        f"  probability of backtest overfitting (CSCV, {r.pbo.blocks} blocks, "
        f"{r.pbo.splits} splits): {_pct(r.pbo.probability)}",
        f"  in-sample winner's Sharpe, in sample {_num(_annual(r, r.pbo.in_sample))} -> out "
        f"of sample {_num(_annual(r, r.pbo.out_sample))} (CSCV mean)",
        "",
        verdict(r),
    ]
    out += [f"note: {n}" for n in r.notes]
    return "\n".join(out) + "\n"


def heatmap(r: SweepResult, objective: str | None = None) -> list[str]:
    """The objective over the first two parameters (the best over any others)."""
    a, b, grid = heat_grid(r, objective)
    finite = grid[np.isfinite(grid)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    obj = objective or r.settings.objective
    lines = [
        f"{obj} by {a.name} (rows) and {b.name} (columns); darker is better, "
        f"{_num(lo)} to {_num(hi)}:",
        "        " + "".join(f"{_label(v, b.pct):>6}" for v in b.values),
    ]
    for i, av in enumerate(a.values):
        cells = "".join(f"{_shade(grid[i, j], lo, hi) * 3:>6}" for j in range(len(b.values)))
        lines.append(f"{_label(av, a.pct):>7} {cells}")
    return lines


def heat_grid(r: SweepResult, objective: str | None = None) -> tuple[Any, Any, np.ndarray]:
    a, b = r.dimensions[0], r.dimensions[1]
    grid = np.full((len(a.values), len(b.values)), np.nan)
    ia = {v: i for i, v in enumerate(a.values)}
    ib = {v: j for j, v in enumerate(b.values)}
    obj = objective or r.settings.objective
    for v in r.variants:
        val = v.in_sample.value(obj) if v.in_sample.trades >= r.settings.min_trades else np.nan
        i, j = ia.get(v.values[a.name]), ib.get(v.values[b.name])
        if i is None or j is None or not np.isfinite(val):
            continue
        grid[i, j] = val if np.isnan(grid[i, j]) else max(grid[i, j], val)
    return a, b, grid


def html_section(r: SweepResult) -> str:
    """A self-contained HTML page of the report (table, heat map, guard)."""
    oos = "".join(f"<th>fold {i + 1} Sharpe</th>" for i in range(len(r.folds)))
    rows = "".join(
        f"<tr><td>{html.escape(_values(v.values, r))}</td>{_cells(v.in_sample)}"
        + "".join(f"<td>{_num(f.sharpe)}</td>" for f in v.folds)
        + f"<td>{html.escape(v.outcome.via)}</td></tr>"
        for v in _ranked(r)[:50]
    )
    heat = ""
    if len(r.dimensions) >= 2:
        a, b, grid = heat_grid(r)
        finite = grid[np.isfinite(grid)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        head = "".join(f"<th>{_label(v, b.pct)}</th>" for v in b.values)
        body = "".join(
            f"<tr><th>{_label(av, a.pct)}</th>"
            + "".join(_heat_td(grid[i, j], lo, hi) for j in range(len(b.values)))
            + "</tr>"
            for i, av in enumerate(a.values)
        )
        heat = (
            f"<h2>{html.escape(r.settings.objective)} by {html.escape(a.name)} (rows) and "
            f"{html.escape(b.name)}</h2><table class=heat><tr><th></th>{head}</tr>{body}"
            "</table>"
        )
    return (
        "<!doctype html><meta charset=utf-8><title>Parley sweep</title><style>"
        "body{font-family:sans-serif;margin:2em}td,th{padding:2px 6px;text-align:right}"
        ".heat td{width:3em}</style>"
        f"<h1>Sweep of {html.escape(r.name)}</h1><p>{html.escape(verdict(r))}</p>"
        f"<p>Chosen: {html.escape(chosen_text(r))}</p>"
        "<h2>Variants (best first; in sample over the whole period"
        + (", then out of sample on each walk-forward fold" if r.folds else "")
        + ")</h2>"
        "<table><tr><th>parameters</th><th>Sharpe</th><th>return %</th><th>max DD %</th>"
        f"<th>profit factor</th><th>trades</th>{oos}<th>run</th></tr>{rows}</table>{heat}"
        f"<pre>{html.escape(text(r))}</pre>"
    )


def _ranked(r: SweepResult) -> list[Variant]:
    key = rank_key(r.settings.objective, r.settings.min_trades)
    return sorted(r.variants, key=lambda v: key(v.in_sample), reverse=True)


def _table(r: SweepResult, rows: int) -> list[str]:
    head = (
        f"  {'parameters':28} {'Sharpe':>7} {'return%':>8} {'maxDD%':>7} {'PF':>5} "
        f"{'trades':>6}" + ("  out-of-sample Sharpe by fold" if r.folds else "")
    )
    out = [head]
    for v in _ranked(r)[:rows]:
        s = v.in_sample
        line = (
            f"  {_values(v.values, r):28} {_num(s.sharpe):>7} "
            f"{_num(s.total_return_pct, 1):>8} {_num(s.max_drawdown_pct, 1):>7} "
            f"{_num(s.profit_factor):>5} {s.trades:>6}"
        )
        if v.folds:
            line += "  " + " ".join(_num(f.sharpe) for f in v.folds)
        out.append(line + (f"  ({v.outcome.skipped})" if v.outcome.skipped else ""))
    if len(r.variants) > rows:
        out.append(f"  ... {len(r.variants) - rows} more (--json lists them all)")
    return out


def _short(s: Score) -> str:
    return (
        f"Sharpe {_num(s.sharpe)}, return {_num(s.total_return_pct, 1)}%, "
        f"max DD {_num(s.max_drawdown_pct, 1)}%, {s.trades} trades"
    )


def _annual(r: SweepResult, per_bar: float) -> float:
    return per_bar * math.sqrt(r.periods_per_year) if math.isfinite(per_bar) else math.nan


def _cells(s: Score) -> str:
    return "".join(
        f"<td>{x}</td>"
        for x in (
            _num(s.sharpe),
            _num(s.total_return_pct, 1),
            _num(s.max_drawdown_pct, 1),
            _num(s.profit_factor),
            s.trades,
        )
    )


def _heat_td(value: float, lo: float, hi: float) -> str:
    if not np.isfinite(value):
        return "<td></td>"
    x = 0.0 if hi == lo else (value - lo) / (hi - lo)
    return f"<td style='background:rgba(0,110,220,{0.1 + 0.8 * x:.2f})'>{_num(value)}</td>"


def _shade(value: float, lo: float, hi: float) -> str:
    if not np.isfinite(value):
        return " "
    x = 0.0 if hi == lo else (value - lo) / (hi - lo)
    return _SHADES[min(int(x * (len(_SHADES) - 1) + 0.5), len(_SHADES) - 1)]


def _values(values: dict[str, float], r: SweepResult) -> str:
    pct = {d.name for d in r.dimensions if d.pct}
    return ", ".join(f"{k}={_label(v, k in pct)}" for k, v in values.items())


def _label(v: float, pct: bool = False) -> str:
    """A parameter's value as the spec writes it (``2.5%`` for a percent parameter)."""
    return f"{v:g}%" if pct else f"{v:g}"


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return "-" if x is None or math.isnan(x) else ("inf" if x > 0 else "-inf")
    return f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.0%}"


def _score(s: Score) -> dict[str, Any]:
    return {
        "sharpe": s.sharpe,
        "total_return_pct": s.total_return_pct,
        "max_drawdown_pct": s.max_drawdown_pct,
        "profit_factor": s.profit_factor,
        "trades": s.trades,
    }


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
