"""The regime filter of the execution path: rules -> **regime filter** -> agents -> risk gate.

:class:`RegimeFilter` is pure: it holds a spec's :class:`~app.spec.models.RegimeSpec` and
answers, for one candidate entry, whether the current regime lets it through and how much
conviction the agent team must then reach. It reads no data and keeps no state, so the
backtester, the paper runner and the live runner call it the same way.

The execution engine's gate registry finds :func:`regime_gate` (a :class:`RegimeGate`, the
``Gate`` protocol of :mod:`app.execution.gate`) for every spec with a ``regime`` section.
Done by hand, the same path reads::

    regime_filter = RegimeFilter(spec.regime)
    tracker = RegimeTracker()                      # one per symbol, or one for the
                                                   # benchmark when spec.regime.benchmark
    reading = tracker.update(bar)                  # at each closed bar
    verdict = regime_filter.check(reading.regime, reading.confidence,
                                  spec.agents.min_conviction)
    if not verdict.allowed:
        record(decision, skipped=verdict.reason)   # no agents run, no order
    else:
        ...agents vote; enter only if conviction >= verdict.min_conviction_needed

In a backtest, ``detect_regimes(frame)`` gives the whole column at once with the same
labels. Record ``reading.regime``, ``reading.confidence`` and ``verdict.reason`` with every
decision. The filter gates **entries only**: exits, stops and risk-reducing orders must
never wait for a regime.

A raised minimum conviction (``transition raise N``) can only bite where a conviction is
scored, i.e. in the agent team: build the agent gate with ``regime=gate.view`` (the
:class:`RegimeAtBar` it returns has the fields the team's ``RegimeView`` reads). A spec
without an agent team trades through a ``raise`` transition on its rules alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from app.errors import ParleyError
from app.regime.config import LABELS, TRANSITION, RegimeConfig
from app.regime.detector import RegimeTracker
from app.regime.reading import WARMING_UP, RegimeReading
from app.spec.models import RegimeSpec, StrategySpec

_NAMES = {
    "trending_up": "trending up",
    "trending_down": "trending down",
    "mean_reverting": "mean reverting",
    "high_volatility": "high volatility",
    TRANSITION: "in transition",
}


class RegimeRecord(BaseModel):
    """What the regime filter said at a decision's bar, as the decision log keeps it."""

    model_config = ConfigDict(frozen=True)

    regime: str
    confidence: float | None = None
    most_likely: str | None = None
    min_conviction_needed: int | None = None
    reason: str = ""


class RegimeVerdict(NamedTuple):
    """The filter's answer for one candidate entry."""

    allowed: bool
    """May the entry go on to the agent team?"""
    min_conviction_needed: int
    """Conviction (0-100) the team must reach for the entry to proceed."""
    reason: str
    """One sentence for the decision record."""


class RegimeFilter:
    """A spec's regime rules, applied to one bar's regime reading."""

    def __init__(self, spec: RegimeSpec | None = None) -> None:
        self.spec = spec if spec is not None else RegimeSpec()

    def check(self, regime: str, confidence: float, min_conviction: int) -> RegimeVerdict:
        """Whether an entry may proceed in ``regime`` and the conviction it then needs.

        Args:
            regime: A label from :data:`app.regime.LABELS` (``transition`` also covers the
                detector's warm-up).
            confidence: The detector's confidence in that label (0-1), for the record.
            min_conviction: The spec's minimum conviction (0-100) before this filter.

        Raises:
            ValueError: ``regime`` is not a known label.
        """
        if regime not in LABELS:
            raise ValueError(f"unknown regime {regime!r}; expected one of {', '.join(LABELS)}")
        spec = self.spec
        seen = f"market {_NAMES[regime]} (confidence {confidence:.0%})"
        if regime == TRANSITION:
            if spec.transition == "block":
                return RegimeVerdict(
                    False, min_conviction, f"{seen}: the spec opens nothing in a transition"
                )
            if spec.transition == "raise":
                needed = min(100, min_conviction + spec.transition_raise)
                return RegimeVerdict(
                    True,
                    needed,
                    f"{seen}: minimum conviction raised by {spec.transition_raise} to {needed}",
                )
            return RegimeVerdict(
                True, min_conviction, f"{seen}: the spec trades through transitions"
            )
        if regime in spec.allow:
            return RegimeVerdict(True, min_conviction, f"{seen}: allowed by the spec")
        allowed = ", ".join(_NAMES[r] for r in spec.allow) or "none"
        return RegimeVerdict(False, min_conviction, f"{seen}: the spec only enters when {allowed}")


# --------------------------------------------------------------------------- engine adapter


@dataclass(frozen=True)
class RegimeAtBar:
    """The regime at a candidate's bar, in the shape the agent team's gate reads
    (``label``, ``confidence``, ``in_transition``, ``conviction_raise``)."""

    label: str
    confidence: float
    in_transition: bool
    conviction_raise: int
    most_likely: str | None


class RegimeGate:
    """:class:`RegimeFilter` as a gate of the execution path (``app.execution.gate.Gate``).

    Each symbol (or the spec's benchmark) gets a :class:`~app.regime.RegimeTracker` fed
    with the candidate's bars up to the decision bar and never beyond, so the regime at a
    candidate is exactly ``detect_regimes`` of the bars so far. Vetoes entries the spec's
    regime rules turn away; otherwise approves and records the regime, its confidence and
    the minimum conviction the agent team must reach. :meth:`view` is the regime provider
    the agent gate takes (``AgentGate(..., regime=gate.view)``).
    """

    name = "regime"

    def __init__(
        self, spec: StrategySpec, config: RegimeConfig | None = None, seed: int = 0
    ) -> None:
        self.filter = RegimeFilter(spec.regime)
        self.benchmark = spec.regime.benchmark if spec.regime is not None else None
        self.min_conviction = spec.agents.min_conviction if spec.agents is not None else 0
        self.config = config if config is not None else RegimeConfig()
        self.seed = seed
        self._trackers: dict[str, tuple[RegimeTracker, int]] = {}
        self._universe: dict[str, pd.DataFrame] = {}

    def use_universe(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Keep the run's frames: the benchmark's bars come from here.

        Raises:
            ParleyError: the spec names a benchmark that is not one of the run's symbols
                (its regime would never be read: every bar would say "transition").
        """
        self._universe = {str(k).upper(): v for k, v in frames.items()}
        refuse_missing_benchmark(self.benchmark, list(self._universe))

    def reading(self, candidate: Any) -> RegimeReading:
        """The regime at the candidate's bar (of its symbol, or of the spec's benchmark)."""
        if self.benchmark is None:
            return self._advance(
                candidate.symbol,
                candidate.bars.index,
                candidate.bars.open,
                candidate.bars.high,
                candidate.bars.low,
                candidate.bars.close,
                candidate.bars.volume,
                None,
            )
        frame = self._universe.get(self.benchmark.upper())
        if frame is None:
            return WARMING_UP
        index = frame.index.to_numpy(dtype="datetime64[ns]")
        cols = [frame[c].to_numpy(dtype=float) for c in ("open", "high", "low", "close")]
        volume = (
            frame["volume"].to_numpy(dtype=float)
            if "volume" in frame.columns
            else np.ones(len(frame))
        )
        open_, high, low, close = cols
        return self._advance(
            self.benchmark.upper(), index, open_, high, low, close, volume, int(candidate.time_ns)
        )

    def view(self, candidate: Any) -> RegimeAtBar:
        r = self.reading(candidate)
        raise_by = (
            self.filter.spec.transition_raise
            if (r.regime == TRANSITION and self.filter.spec.transition == "raise")
            else 0
        )
        return RegimeAtBar(r.regime, r.confidence, r.regime == TRANSITION, raise_by, r.most_likely)

    def decide(self, candidate: Any) -> Any:
        from app.execution.gate import Decision

        r = self.reading(candidate)
        verdict = self.filter.check(r.regime, r.confidence, self.min_conviction)
        record = RegimeRecord(
            regime=r.regime,
            confidence=round(r.confidence, 4),
            most_likely=r.most_likely,
            min_conviction_needed=verdict.min_conviction_needed,
            reason=verdict.reason,
        )
        return Decision(
            approved=verdict.allowed,
            size_factor=1.0 if verdict.allowed else 0.0,
            reasons=(f"regime: {verdict.reason}",),
            record=record,
        )

    def _advance(
        self,
        key: str,
        index: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
        until_ns: int | None,
    ) -> RegimeReading:
        tracker, fed = self._trackers.get(key) or (RegimeTracker(self.config, self.seed), -1)
        times = np.asarray(index, dtype="datetime64[ns]").view("int64")
        start = int(np.searchsorted(times, fed, side="right"))
        stop = (
            len(times) if until_ns is None else int(np.searchsorted(times, until_ns, side="right"))
        )
        if stop > start:
            tracker.update_many(
                open_[start:stop],
                high[start:stop],
                low[start:stop],
                close[start:stop],
                volume[start:stop],
            )
            fed = int(times[stop - 1])
        self._trackers[key] = (tracker, fed)
        return tracker.last


def regime_gate(spec: StrategySpec) -> RegimeGate:
    """The factory the execution engine's gate registry finds (``app.regime.gate``)."""
    return RegimeGate(spec)


def refuse_missing_benchmark(benchmark: str | None, symbols: list[str]) -> None:
    """A ``regime benchmark`` must be one of the run's symbols: its regime is read from them.

    Raises:
        ParleyError: it is not (every bar would read "transition").
    """
    if benchmark is not None and benchmark.upper() not in {s.upper() for s in symbols}:
        raise _benchmark_missing(benchmark, symbols)


def _benchmark_missing(benchmark: str, symbols: list[str]) -> ParleyError:
    shown = ", ".join(symbols[:8]) + (f" and {len(symbols) - 8} more" if len(symbols) > 8 else "")
    return ParleyError(
        f"regime benchmark {benchmark}: the regime filter reads {benchmark}'s bars from the "
        f"run's own symbols, and {benchmark} is not one of them ({shown})",
        f"add {benchmark} to the universe (and the data), or drop `benchmark {benchmark}` to "
        "read each symbol's own regime",
    )
