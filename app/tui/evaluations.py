"""Evaluating a spec for the backtest view's Evaluate tab: the report ``parley evaluate``
prints (walk-forward folds; each layer against rules only and against a matched random
null; a look-ahead audit), on the data the backtests use.

Pure Python (no Textual): :func:`run_evaluation` blocks for as long as the evaluation takes
(each null draw is a backtest per fold), so the screen calls it from a thread worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Progress = Callable[[float, str], None]
DRAWS = 200
"""Null draws per layer, as ``parley evaluate``: fewer give only indicative percentiles."""
COLUMNS = (
    "Arm",
    "vs",
    "Sharpe",
    "Base",
    "Diff",
    "95% interval",
    "Null pct",
    "Return",
    "Trades",
    "In mkt",
    "Expo",
)


@dataclass(frozen=True)
class EvaluationOutcome:
    """A finished evaluation and what the Evaluate tab shows of it."""

    source: str
    report: dict[str, Any]
    """The figures, as ``parley evaluate --json`` prints them."""

    @property
    def heading(self) -> str:
        from app.evaluate.report import symbols_text

        r = self.report
        folds = ", ".join(f"{f['start']}..{f['end']}" for f in r["folds"])
        symbols = symbols_text(r["symbols"])  # a chat's name often ends with them already
        where = "" if r["strategy"].endswith(f" on {symbols}") else f" on {symbols}"
        return (
            f"Evaluation of {r['strategy']}{where} ({self.source}) · "
            f"{len(r['folds'])} walk-forward folds: {folds} · {r['draws']} null draws "
            f"per layer, seed {r['seed']}"
        )

    def rows(self) -> list[tuple[str, ...]]:
        """One row an arm: rules only first, then each layer against its base."""
        return [
            arm_cells(self.report["rules"], None),
            *(arm_cells(f, f) for f in self.report["layers"]),
        ]

    def verdicts(self) -> list[str]:
        r = self.report
        lines = [f["verdict"] for f in r["layers"]]
        lines += [f"not evaluated: {m}" for m in r.get("missing_layers", ())]
        lines += [f"data caveat: {c}" for c in r.get("caveats", ())]
        if r["draws"] < DRAWS:
            lines.append(
                f"only {r['draws']} null draws: the percentiles are indicative; "
                f"{DRAWS} or more give a verdict"
            )
        return lines

    @property
    def audit(self) -> str:
        return f"Look-ahead audit: {self.report['audit']['summary']}"


def arm_cells(f: dict[str, Any], layer: dict[str, Any] | None) -> tuple[str, ...]:
    """An arm's figures as table cells (see :data:`COLUMNS`); ``layer``: its comparison."""
    if layer is None:
        versus = ("", f"{f['sharpe']:.2f}", "", "", "", "")
    else:
        lo, hi = layer["difference_interval_95"]
        interval = "n/a" if lo is None or hi is None else f"{lo:+.2f}..{hi:+.2f}"
        versus = (
            layer["base"],
            f"{f['sharpe']:.2f}",
            f"{layer['base_sharpe']:.2f}",
            f"{layer['sharpe_difference']:+.2f}",
            interval,
            f"{layer['null_percentile']:.0f}",
        )
    return (
        f["arm"],
        *versus,
        f"{f['return_pct']:+.1f}%",
        str(f["trades"]),
        f"{f['time_in_market_pct']:.0f}%",
        f"{f['avg_exposure_pct']:.0f}%",
    )


def run_evaluation(
    spec_text: str,
    source: str,
    data: Path | None,
    cash: float,
    draws: int = DRAWS,
    progress: Progress | None = None,
) -> EvaluationOutcome:
    """Parse, load the bars, evaluate; the same path as ``parley evaluate``.

    Raises:
        ParleyError: the spec does not validate, the data lacks a symbol, or the data
            cannot make the folds (each says what to do).
    """
    try:
        from app.evaluate.run import evaluate
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("app.evaluate"):
            raise
        from app.errors import ParleyError

        raise ParleyError(
            "evaluation is not available in this build",
            "update Parley: `parley evaluate` comes with it",
        ) from None
    from app.dsl import parse_spec
    from app.market.data_source import load_for_spec

    report = progress or (lambda _f, _what: None)
    spec = parse_spec(spec_text)
    report(0.0, "loading the data")
    frames = load_for_spec(spec, data)
    figures = evaluate(
        spec,
        frames,
        draws=draws,
        cash=cash,
        progress=lambda f, what: report(f, f"evaluating: {what}"),
    )
    return EvaluationOutcome(source, figures)
