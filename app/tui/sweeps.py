"""Sweeping a spec's ``param`` lines for the backtest view's Sweep tab: the search and the
overfitting guards ``parley sweep`` reports (deflated Sharpe, PBO, walk-forward), on the
data the backtests use.

Pure Python (no Textual): :func:`run_sweep_of` blocks while every variant runs, so the
screen calls it from a thread worker. It runs in one process (``workers=1``): a pool forked
from a thread of the TUI would copy the whole app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[float, str], None]
WALK_FORWARD = 3
"""Anchored walk-forward folds: the chosen parameters are tested on bars they never saw."""


@dataclass(frozen=True)
class SweepOutcome:
    """A finished sweep and what the Sweep tab shows of it."""

    source: str
    verdict: str
    """One sentence: is the best variant probably luck?"""
    chosen: dict[str, float]
    report: str
    """The whole report as ``parley sweep`` prints it."""
    chosen_text: str = ""
    """The chosen parameters as the spec writes them (``stop=2.5%``)."""

    @property
    def heading(self) -> str:
        values = self.chosen_text or ", ".join(f"{k}={v:g}" for k, v in self.chosen.items())
        return f"Sweep of the spec from {self.source} · chosen: {values}"


def run_sweep_of(
    spec_text: str,
    source: str,
    data: Path | None,
    cash: float,
    walk_forward: int = WALK_FORWARD,
    progress: Progress | None = None,
) -> SweepOutcome:
    """Parse, load the bars, sweep; the same path as ``parley sweep``.

    Raises:
        ParleyError: the spec does not validate or has no ``param`` line (the hint shows
            one), or the data lacks a symbol.
    """
    from app.dsl import parse_spec
    from app.market.data_source import load_for_spec
    from app.sweep import Settings, run_sweep
    from app.sweep import report as sweep_report
    from app.sweep.params import binder, dimensions

    tell = progress or (lambda _f, _what: None)
    spec = parse_spec(spec_text)
    dims = dimensions(spec)
    tell(0.0, "loading the data")
    frames = load_for_spec(spec, data)
    settings = Settings(walk_forward=walk_forward, workers=1, cash=cash)
    result = run_sweep(
        spec,
        dims,
        binder(spec),
        frames,
        settings,
        source,
        progress=lambda done, total: tell(done / max(total, 1), "sweeping"),
    )
    return SweepOutcome(
        source,
        sweep_report.verdict(result),
        dict(result.chosen),
        sweep_report.text(result),
        sweep_report.chosen_text(result),
    )
