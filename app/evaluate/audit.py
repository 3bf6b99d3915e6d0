"""The look-ahead audit: the user's spec, as it runs, on their data, cut at K dates.

A decision made at time t may depend only on what was known at t. So the run on the data
cut at a date (every later bar removed) must make exactly the decisions the full run made
before that cut -- the same candidates, verdicts, sizes, convictions and records (regime,
opinions, lessons). Any difference is look-ahead (or nondeterminism), and the audit names
the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from app.backtest import run_backtest
from app.spec.models import StrategySpec


def cut_dates(
    start: pd.Timestamp, end: pd.Timestamp, frames: Mapping[str, pd.DataFrame], k: int
) -> list[pd.Timestamp]:
    """``k`` bar times spread evenly inside (start, end)."""
    times = np.unique(np.concatenate([f.index.to_numpy("datetime64[ns]") for f in frames.values()]))
    times = times[(times > np.datetime64(start)) & (times < np.datetime64(end))]
    if len(times) == 0 or k < 1:
        return []
    picks = np.linspace(0, len(times) - 1, k + 2)[1:-1].round().astype(int)
    return [pd.Timestamp(times[i]) for i in sorted(set(picks))]


def lookahead_audit(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    k: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    cash: float,
    gate: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Cut the run at ``k`` dates; report whether every earlier decision stayed the same.

    ``gate`` builds the gate chain of each run (default: the spec's own, as it runs).
    """

    def run(until: pd.Timestamp) -> list[Any]:
        data = {s: f[f.index <= until] for s, f in frames.items()}
        data = {s: f for s, f in data.items() if len(f)}
        return run_backtest(
            spec,
            data,
            start=start,
            end=until,
            cash=cash,
            allow_missing=True,
            gate=gate() if gate else None,
        ).decisions

    full = run(end)
    cuts = []
    for cut in cut_dates(start, end, frames, k):
        part = run(cut)
        limit = int(cut.value)
        before = [d for d in full if d.time_ns <= limit]
        first = next((i for i, (a, b) in enumerate(zip(before, part)) if a != b), None)
        if first is None and len(before) != len(part):
            first = min(len(before), len(part))
        cuts.append(
            {
                "cut": f"{cut:%Y-%m-%d}",
                "decisions": len(before),
                "same": first is None,
                "first_difference": _describe(before, part, first),
            }
        )
    same = all(c["same"] for c in cuts)
    return {
        "cuts": cuts,
        "clean": same,
        "decisions": len(full),
        "summary": _summary(cuts, same, len(full)),
    }


def _describe(full: list[Any], part: list[Any], i: int | None) -> str | None:
    if i is None:
        return None
    a = full[i] if i < len(full) else None
    b = part[i] if i < len(part) else None
    d = a or b
    assert d is not None  # i indexes the longer of the two
    when = f"{pd.Timestamp(d.time_ns):%Y-%m-%d} {d.symbol}"
    if a is None or b is None:
        return f"{when}: the decision is in only one of the two runs"
    fields = [
        f
        for f in ("approved", "qty", "conviction", "reasons", "record")
        if getattr(a, f) != getattr(b, f)
    ]
    return f"{when}: {', '.join(fields)} differ (full run: approved={a.approved}, qty={a.qty:g})"


def _summary(cuts: list[dict[str, Any]], same: bool, total: int) -> str:
    if not cuts:
        return "no cut fits inside the data: the audit did not run"
    dates = ", ".join(f"{c['cut']} ({c['decisions']} before it)" for c in cuts)
    if same:
        return (
            f"no look-ahead found: the data cut at {dates}, every earlier decision was "
            f"the same as in the full run ({total} decisions)"
        )
    bad = next(c for c in cuts if not c["same"])
    return f"LOOK-AHEAD: cut at {bad['cut']}, {bad['first_difference']}"
