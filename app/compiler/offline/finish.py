"""A draft -> a result: checked spec when nothing is open, else the draft and its questions."""

from __future__ import annotations

from dataclasses import replace

from app.compiler.offline.draft import KEPT, Draft, render
from app.compiler.offline.reader import Read, read
from app.compiler.offline.settle import ask_gaps, settle
from app.compiler.offline.vocab import INJECTION_HINTS
from app.compiler.result import CompileResult
from app.dsl import SpecError, format_spec, parse_spec
from app.spec.models import StrategySpec

NOT_A_STRATEGY = ("That doesn't describe a trading strategy, so nothing was compiled. Describe "
                  "one, e.g. 'buy GOOG when the 50-day SMA crosses above the 200-day SMA, 2% "
                  "stop, risk 1% per trade'.")
NOT_FOLLOWED = (" Parley's compiler only reads strategy descriptions; instructions addressed to "
                "it are not followed.")


def finish(r: Read, text: str) -> CompileResult:
    """The result of a new description."""
    if not r.parts and not r.symbols and not r.questions and not r.examples:
        message = NOT_A_STRATEGY
        if any(h in text.lower() for h in INJECTION_HINTS):
            message += NOT_FOLLOWED
        return CompileResult(spec=None, text=None, not_understood=tuple(r.not_understood),
                             message=message)
    return result_of(settle(r))


def result_of(d: Draft) -> CompileResult:
    """Spec when the draft is complete and checks out; else the draft with its questions."""
    draft = render(d)
    common = dict(assumptions=tuple(d.assumptions), not_understood=tuple(d.not_understood),
                  draft=draft)
    if d.questions:
        return CompileResult(spec=None, text=None, questions=tuple(d.questions),
                             message="Not complete yet: answer the questions.", **common)
    try:
        spec = parse_spec(draft)
    except SpecError as err:
        problems = [diag.message for diag in err.diagnostics]
        return CompileResult(spec=None, text=None, questions=tuple(
            f"The strategy as read doesn't check out: {p}. What should it be?" for p in problems),
            message="The strategy as read doesn't check out.", **common)
    return CompileResult(spec=spec, text=format_spec(spec), **common)


def revise(previous: StrategySpec, text: str) -> CompileResult:
    """A follow-up: what it says replaces the same fields of ``previous``; the rest stays."""
    r = read(text)
    new = settle(r, gaps=False)
    base = from_spec(previous)
    named = bool(r.symbols or r.condition_symbols)
    if new.long_entry is not None or new.short_entry is not None:
        for key in ("long_entry", "long_exit", "short_entry", "short_exit"):
            setattr(base, key, getattr(new, key))
    else:
        for key in ("long_exit", "short_exit"):
            if getattr(new, key) is not None:
                setattr(base, key, getattr(new, key))
    for key in ("timeframe", "stop_loss", "take_profit", "trailing_stop", "max_hold", "sizing"):
        if getattr(new, key) is not None:
            setattr(base, key, getattr(new, key))
    if named and r.universe_op == "add":
        base.universe = list(dict.fromkeys([*base.universe, *new.universe]))
    elif named and r.universe_op == "remove":
        base.universe = [s for s in base.universe if s not in new.universe]
    elif named:
        base.universe = list(new.universe)
    base.questions = list(new.questions)
    base.assumptions = list(new.assumptions)
    base.not_understood = list(new.not_understood)
    if base.universe != list(previous.universe):
        base.kept["universe_name"] = None  # "sp500" plus or minus a symbol is a plain list
    base.name = r.new_name or previous.name
    ask_gaps(base)
    base.assumptions = [a for a in base.assumptions if not a.startswith("timeframe:")]
    if not r.parts and not named and not r.questions and r.new_name is None:
        return replace(result_of(base), message=NOT_A_STRATEGY.replace(
            "nothing was compiled", "the strategy is unchanged"))
    return result_of(base)


def from_spec(spec: StrategySpec) -> Draft:
    """A draft holding the rules and settings of ``spec``."""
    d = Draft(name=spec.name, universe=list(spec.universe), timeframe=spec.timeframe,
              long_entry=spec.long_entry, long_exit=spec.long_exit,
              short_entry=spec.short_entry, short_exit=spec.short_exit,
              max_hold=spec.max_hold_bars, kept={k: getattr(spec, k) for k in KEPT})
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        level = getattr(spec, key)
        if level is not None:
            setattr(d, key, ("pct", level.pct) if hasattr(level, "pct")
                    else ("atr", level.atr, level.period))
    if spec.sizing is not None:
        d.sizing = (spec.sizing.kind, spec.sizing.value)
    return d

