"""A draft -> a result: checked spec when nothing is open, else the draft and its questions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.compiler.offline.draft import KEPT, Draft, render
from app.compiler.offline.reader import Read, read
from app.compiler.offline.settle import LEVEL_NAMES, ask_gaps, settle
from app.compiler.offline.vocab import INJECTION_HINTS
from app.compiler.result import CompileResult
from app.dsl import SpecError, format_spec, parse_spec
from app.spec.models import StrategySpec

NOT_A_STRATEGY = (
    "That doesn't describe a trading strategy, so nothing was compiled. Describe "
    "one, e.g. 'buy GOOG when the 50-day SMA crosses above the 200-day SMA, 2% "
    "stop, risk 1% per trade'."
)
NOT_FOLLOWED = (
    " Parley's compiler only reads strategy descriptions; instructions addressed to "
    "it are not followed."
)


def finish(r: Read, text: str) -> CompileResult:
    """The result of a new description."""
    if not r.parts and not r.symbols and not r.questions and not r.examples:
        message = NOT_A_STRATEGY
        if any(h in text.lower() for h in INJECTION_HINTS):
            message += NOT_FOLLOWED
        return CompileResult(
            spec=None, text=None, not_understood=tuple(r.not_understood), message=message
        )
    return result_of(settle(r))


def result_of(d: Draft) -> CompileResult:
    """Spec when the draft is complete and checks out; else the draft with its questions."""
    draft = render(d)
    common: dict[str, Any] = dict(
        assumptions=tuple(d.assumptions), not_understood=tuple(d.not_understood), draft=draft
    )
    if d.questions:
        return CompileResult(
            spec=None,
            text=None,
            questions=tuple(d.questions),
            message="Not complete yet: answer the questions.",
            **common,
        )
    try:
        spec = parse_spec(draft)
    except SpecError as err:
        problems = [diag.message for diag in err.diagnostics]
        return CompileResult(
            spec=None,
            text=None,
            questions=tuple(
                f"The strategy as read doesn't check out: {p}. What should it be?" for p in problems
            ),
            message="The strategy as read doesn't check out.",
            **common,
        )
    return CompileResult(spec=spec, text=format_spec(spec), **common)


def revise(previous: StrategySpec, text: str) -> CompileResult:
    """A follow-up: what it says replaces the same fields of ``previous``; the rest stays."""
    r = read(text)
    if previous.long_entry is not None and previous.short_entry is None:
        r.sides.add("buy")  # "sell when ... instead" of a long: its exit, not a short
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
    changes = _changes(new, base)
    for key in ("timeframe", "stop_loss", "take_profit", "trailing_stop", "max_hold", "sizing"):
        if getattr(new, key) is not None:
            setattr(base, key, getattr(new, key))
    flipped = _flip(r, new, base)
    for key in new.cleared:
        if getattr(base, key) is not None:
            setattr(base, key, None)
            flipped.append(f"the {LEVEL_NAMES.get(key, 'holding limit')} is removed")
    if named and r.universe_op == "add":
        base.universe = list(dict.fromkeys([*base.universe, *new.universe]))
    elif named and r.universe_op == "remove":
        base.universe = [s for s in base.universe if s not in new.universe]
    elif named:
        base.universe = list(new.universe)
    base.questions = list(new.questions) + changes
    base.assumptions = list(new.assumptions) + flipped
    base.not_understood = list(new.not_understood)
    if base.universe != list(previous.universe):
        base.kept["universe_name"] = None  # "sp500" plus or minus a symbol is a plain list
    base.name = r.new_name or previous.name
    ask_gaps(base)
    base.assumptions = [a for a in base.assumptions if not a.startswith("timeframe:")]
    if (
        not r.parts
        and not named
        and not r.questions
        and r.new_name is None
        and not flipped
        and not r.timeframes
    ):
        return replace(
            result_of(base),
            message=NOT_A_STRATEGY.replace("nothing was compiled", "the strategy is unchanged"),
        )
    return result_of(base)


def _changes(new: Draft, base: Draft) -> list[str]:
    """Questions for "a tighter stop" with no level, or with one that is not tighter."""
    out = []
    for key, how, level in new.changes:
        name = LEVEL_NAMES[key]
        now = getattr(base, key)
        if now is None:
            if level is None:
                out.append(f"There is no {name} yet: how far should it be? e.g. '2%' or '2 ATR'.")
            continue
        shown = _level_text(now)
        if level is None:
            example = _example(now, how)
            out.append(
                f"How much {how} should the {name} be? It is {shown} now"
                f"{f', e.g. {example!r}' if example else ''}."
            )
        elif level[0] == now[0] and (level[1] > now[1] if how == "tighter" else level[1] < now[1]):
            out.append(
                f"A {how} {name} of {_level_text(level)} is not {how} than the "
                f"{shown} it is now: which do you want?"
            )
    return out


def _level_text(level: tuple[Any, ...]) -> str:
    return f"{level[1]:g}%" if level[0] == "pct" else f"{level[1]:g} ATR({level[2]})"


def _example(level: tuple[Any, ...], how: str) -> str:
    """A value on the side the change asks for ("tighter" than 5%: 4%), as an example."""
    step = 1.0 if level[1] > 1.5 else 0.5
    value = level[1] - step if how == "tighter" else level[1] + step
    if value <= 0:
        return ""
    return f"{value:g}%" if level[0] == "pct" else f"{value:g} ATR"


def _flip(r: Read, new: Draft, base: Draft) -> list[str]:
    """ "make it a short": the rules of the one side the spec trades move to the other side
    (the same conditions open and close it), said in the assumptions."""
    said = {s.removeprefix("only_") for s in r.sides if s.startswith("only_")}
    if len(said) != 1 or new.long_entry is not None or new.short_entry is not None:
        return []
    to = said.pop()
    other = "long" if to == "short" else "short"
    if getattr(base, f"{to}_entry") is not None or getattr(base, f"{other}_entry") is None:
        return []
    for role in ("entry", "exit"):
        setattr(base, f"{to}_{role}", getattr(base, f"{other}_{role}"))
        setattr(base, f"{other}_{role}", None)
    verb, close = ("sells short", "covers") if to == "short" else ("buys", "sells")
    return [
        f"now a {to} strategy: the entry rule {verb} and the exit rule {close}, both "
        f"unchanged (say the {to} side's own rules if you meant their mirror image)"
    ]


def from_spec(spec: StrategySpec) -> Draft:
    """A draft holding the rules and settings of ``spec``."""
    d = Draft(
        name=spec.name,
        universe=list(spec.universe),
        timeframe=spec.timeframe,
        long_entry=spec.long_entry,
        long_exit=spec.long_exit,
        short_entry=spec.short_entry,
        short_exit=spec.short_exit,
        max_hold=spec.max_hold_bars,
        kept={k: getattr(spec, k) for k in KEPT},
    )
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        level = getattr(spec, key)
        if level is not None:
            setattr(
                d,
                key,
                ("pct", level.pct) if hasattr(level, "pct") else ("atr", level.atr, level.period),
            )
    if spec.sizing is not None:
        d.sizing = (spec.sizing.kind, spec.sizing.value)
    return d
