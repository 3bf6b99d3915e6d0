"""Advice on a spec that is valid but probably not what its author meant.

A warning never stops a spec: ``parley check`` still says ok, and prints each warning
beside it; the read-back says the same thing in its own words.
"""

from __future__ import annotations

from app.spec.models import StrategySpec


def never_closed(spec: StrategySpec) -> list[str]:
    """The sides the spec opens but that nothing ever closes: no exit rule, stop loss,
    take profit, trailing stop or holding limit. Such a position is held until the run
    ends (buy and hold), or until a loss limit flattens it."""
    shared = (spec.stop_loss, spec.take_profit, spec.trailing_stop, spec.max_hold_bars)
    if any(x is not None for x in shared):
        return []
    return [
        side
        for side in ("long", "short")
        if getattr(spec, f"{side}_entry") is not None and getattr(spec, f"{side}_exit") is None
    ]


def warnings_of(spec: StrategySpec) -> list[str]:
    """Each warning as a sentence that says what to do."""
    return [
        f"nothing ever closes a {side} position (no {side} exit rule, stop, target, "
        "trailing stop or max hold): it is held until the run ends; add a line like "
        f"`exit{' short' if side == 'short' else ''} when ...` or a stop, unless you "
        "mean to buy and hold"
        for side in never_closed(spec)
    ]
