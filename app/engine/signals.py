"""Where a spec's entry and exit rules fire, symbol by symbol (rules only: no regime,
agents or sizing). The backtest engine reads the same arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.engine.evaluate import Evaluator
from app.indicators.bars import Bars
from app.spec.models import StrategySpec
from app.spec.params import runnable


@dataclass(frozen=True)
class RuleSignals:
    """Boolean arrays, one per rule, aligned with the symbol's bars (False where unset)."""

    long_entry: np.ndarray
    long_exit: np.ndarray
    short_entry: np.ndarray
    short_exit: np.ndarray


def rule_signals(spec: StrategySpec, bars: Bars, evaluator: Evaluator | None = None) -> RuleSignals:
    """Evaluate the four rules of a spec over one symbol's bars."""
    ev = evaluator or Evaluator(bars)
    none = np.zeros(len(bars), dtype=bool)
    return RuleSignals(
        *(
            ev.condition(rule) if rule is not None else none
            for rule in (spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit)
        )
    )


def signals_table(spec: StrategySpec, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows ``date, symbol, entry, exit`` for the bars where any rule fires.

    For a one-sided spec ``entry``/``exit`` are 1 or 0; for a spec that trades both sides
    they name the side that fired (``long``, ``short`` or ``long+short``), or are empty.
    """
    spec = runnable(spec)  # parameters at their defaults
    rows = []
    both = spec.direction == "both"
    for symbol, frame in frames.items():
        sig = rule_signals(spec, Bars.from_frame(frame))
        entry = _combine(sig.long_entry, sig.short_entry, both, spec.direction)
        exit_ = _combine(sig.long_exit, sig.short_exit, both, spec.direction)
        fired = (entry != "") if both else (entry.astype(bool) | exit_.astype(bool))
        if both:
            fired = fired | (exit_ != "")
        idx = np.flatnonzero(fired)
        rows.append(
            pd.DataFrame(
                {
                    "date": frame.index[idx],
                    "symbol": symbol,
                    "entry": entry[idx],
                    "exit": exit_[idx],
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["date", "symbol", "entry", "exit"])
    table = pd.concat(rows, ignore_index=True)
    return table.sort_values(["date", "symbol"], kind="stable").reset_index(drop=True)


def _combine(long_: np.ndarray, short: np.ndarray, both: bool, direction: str) -> np.ndarray:
    if not both:
        return (long_ if direction == "long" else short).astype(np.int8)
    out = np.where(
        long_ & short, "long+short", np.where(long_, "long", np.where(short, "short", ""))
    )
    return out.astype(object)
