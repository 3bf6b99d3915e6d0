"""Reading a description into a draft, and turning a draft into a checked result.

``read`` runs the readers in an order that keeps their phrases apart (risk limits before
the timeframe, stops before sizing, everything before the rules); ``finish`` decides
whether there is enough for a spec, fills the stated defaults, and parses the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.compiler.offline import extract, levels, settings
from app.compiler.offline.conds import contradiction, notes
from app.compiler.offline.draft import Draft, render
from app.compiler.offline.lexicon import INJECTION_HINTS
from app.compiler.offline.naming import strategy_name
from app.compiler.offline.normalize import lower, normalize
from app.compiler.offline.rules import Rules, read_rules
from app.compiler.offline.scanner import Scanner
from app.compiler.offline.symbols import Universe, read_symbols
from app.compiler.result import CompileResult
from app.dsl import SpecError, format_spec, parse_spec
from app.spec.readback import DEFAULT_SIZING_PCT

UNIVERSE_QUESTION = "Which symbols should this trade? (e.g. GOOG, NVDA or BTC/USD)"
_EXAMPLE = ("e.g. 'buy GOOG when the 50-day SMA crosses above the 200-day SMA, 2% stop, "
            "risk 1% per trade'")


@dataclass
class Reading:
    """Everything read from one text."""

    draft: Draft
    rules: Rules
    unknown: list[str]
    direction: str | None
    text: str
    other_symbols: list[str] = field(default_factory=list)


def read(text: str) -> Reading:
    """Read a description into a draft and rules, keeping what was not understood."""
    cased = normalize(text)
    s = Scanner(lower(cased))
    d = Draft()
    read_facts(s, d)
    direction = extract.read_direction(s)
    universe = read_symbols(s, cased)
    d.universe, d.assumptions = universe.symbols, d.assumptions + universe.assumptions
    rules = read_rules(s)
    reading = Reading(d, rules, s.leftovers(), direction, s.work)
    reading.other_symbols = _symbols_in_conditions(universe, rules)
    d.universe = [x for x in d.universe if x not in reading.other_symbols]
    return reading


def _symbols_in_conditions(universe: Universe, rules: Rules) -> list[str]:
    """Symbols named only inside a condition while others are traded ("buy SPY when VIX > 30").

    A rule reads the traded symbol's own bars, so such a condition can't be expressed; a
    symbol named inside its own condition ("when the RSI on JPM falls") is the traded one.
    """
    inside = {sym for sym, at in universe.spans
              if any(a <= at < b for a, b in rules.condition_spans)}
    outside = {sym for sym, at in universe.spans} - inside
    return sorted(inside) if outside else []


def read_facts(s: Scanner, d: Draft) -> None:
    """Everything but symbols and rules, in an order that keeps phrases apart."""
    settings.read_benchmark(s, d)
    extract.read_limits(s, d)
    extract.read_hold(s, d)
    extract.read_positions(s, d)
    extract.read_timeframe(s, d)
    levels.read_levels(s, d)
    levels.read_sizing(s, d)
    settings.read_regime(s, d)
    settings.read_agents(s, d)


def finish(r: Reading, original: str) -> CompileResult:
    """A result for a new strategy: a spec if enough was said, else questions."""
    d, rules = r.draft, r.rules
    if _nothing(r):
        return _not_trading(original, r.unknown)
    blocking = ([] if d.universe else [UNIVERSE_QUESTION]) + _entry_questions(r)
    if r.other_symbols:
        names = ", ".join(r.other_symbols)
        traded = ", ".join(d.universe)
        blocking.insert(0, f"A rule reads the traded symbol's own prices, so a condition on "
                           f"{names} can't be expressed while trading {traded}. Should it "
                           f"trade {names} itself, or which condition on {traded}?")
    for q in rules.questions:
        d.ask(q)
    clash = _contradiction(rules)
    if clash:
        return no_spec([clash, *d.questions], r.unknown, f"{clash}")
    if blocking or (rules.long_entry is None and rules.short_entry is None):
        return no_spec(blocking + d.questions, r.unknown)
    set_rules(d, rules)
    fill_defaults(d, r)
    entry = rules.long_entry or rules.short_entry
    d.name = strategy_name(entry, d.universe, rules.long_entry is None)
    return build(d, r.unknown)


def _nothing(r: Reading) -> bool:
    rules = r.rules
    return not (r.draft.universe or r.draft.said() or r.draft.questions or r.draft.cleared
                or rules.questions or rules.failed or rules.bare_entries
                or any(getattr(rules, k) for k in ("long_entry", "short_entry", "long_exit",
                                                   "short_exit")))


def _not_trading(original: str, unknown: list[str]) -> CompileResult:
    message = ("That doesn't describe a trading strategy, so nothing was compiled. Describe one, "
               + _EXAMPLE + ".")
    if not original.strip():
        message = "Nothing to compile: describe a strategy, " + _EXAMPLE + "."
    elif any(h in original.lower() for h in INJECTION_HINTS):
        message += (" Parley's compiler only reads strategy descriptions; instructions addressed "
                    "to it are not followed.")
    return CompileResult(spec=None, text=None, not_understood=tuple(unknown), message=message)


def _entry_questions(r: Reading) -> list[str]:
    rules, syms = r.rules, ", ".join(r.draft.universe)
    if rules.long_entry is not None or rules.short_entry is not None:
        return []
    exit_ = rules.long_exit or rules.short_exit
    if exit_ is not None and rules.exits_without_side:
        return [f"Should it sell{' ' + syms if syms else ''} short when {exit_.text()}, or is that "
                "the exit of a long position (and then when should it buy)?"]
    if rules.questions:
        return []
    failed = rules.failed.get("long_entry") or rules.failed.get("short_entry")
    if failed:
        return [f"I couldn't read the entry rule '{failed[0]}': describe it with an indicator "
                "and a level, e.g. 'RSI(14) below 30' or 'close above the 20-day high'."]
    return [f"When should it buy{' ' + syms if syms else ''}? Give a condition, e.g. 'when the "
            "50-day SMA crosses above the 200-day SMA' or 'when RSI(14) drops below 30'."]


def _contradiction(rules: Rules) -> str | None:
    for key in ("long_entry", "short_entry", "long_exit", "short_exit"):
        cond = getattr(rules, key)
        why = contradiction(cond) if cond is not None else None
        if why:
            rule = key.replace("_", " ")
            return f"The {rule} rule contradicts itself: {why}. Which one did you mean?"
    return None


def no_spec(questions: list[str], unknown: list[str], message: str = "") -> CompileResult:
    questions = list(dict.fromkeys(questions))
    text = message or "Not enough to build a strategy yet: " + " ".join(questions)
    return CompileResult(spec=None, text=None, questions=tuple(questions),
                         not_understood=tuple(unknown), message=text)


def set_rules(d: Draft, rules: Rules) -> None:
    """Rule texts into the draft, with the defaults the rules chose as assumptions."""
    for key in ("long_entry", "long_exit", "short_entry", "short_exit"):
        cond = getattr(rules, key)
        if cond is not None:
            setattr(d, key, cond.text())
            for line in notes(cond):
                d.assume(line)
    for key, texts in rules.failed.items():
        if key.endswith("exit") and not rules.questions:
            d.ask(f"I couldn't read the exit rule '{texts[0]}': when should it sell, e.g. "
                  "'when RSI(14) rises above 70'?")


def fill_defaults(d: Draft, r: Reading) -> None:
    """State every default the spec relies on, and ask what a run cannot do without."""
    if d.timeframe is None:
        d.timeframe = "1d"
        d.assume("timeframe: daily (not stated)")
    elif d.timeframe != "1d" and re.search(r"\d+[- ]?(?:day|week|month)", r.text + " ".join(
            d.assumptions)):
        d.assume(f"periods said in days are counted in {d.timeframe} bars")
    extract.hold_bars(d, any("/" in s or re.fullmatch(r"[A-Z]{6}", s) for s in d.universe))
    if d.sizing is not None and d.sizing[0] == "risk_pct" and d.stop_loss is None:
        d.ask(f"Risking {d.sizing[1]:g}% per trade needs a stop loss to size against: how far "
              "should the stop be (e.g. 2% or 2 ATR)?")
        d.sizing = None
    if d.sizing is None:
        d.assume(f"size: not stated, so the engine default of {DEFAULT_SIZING_PCT:g}% of equity "
                 "per position applies")
    if r.direction == "both" and (d.long_entry is None or d.short_entry is None):
        d.ask("You said long and short, but gave rules for one side: what should trigger the "
              "other side?")
    _ask_for_exit(d)


def _ask_for_exit(d: Draft) -> None:
    has_exit = d.long_exit or d.short_exit or d.stop_loss or d.take_profit or d.trailing_stop \
        or d.max_hold
    if not has_exit and not any("exit rule" in q for q in d.questions):
        verb = "sell" if d.long_entry else "buy to cover"
        d.ask(f"When should it {verb}? There is no exit rule, stop, target or holding limit, so "
              "a position would never close.")


def build(d: Draft, unknown: list[str], message: str = "") -> CompileResult:
    """Render, parse and check the draft: the same gate every spec goes through."""
    text = render(d)
    try:
        spec = parse_spec(text)
    except SpecError as err:
        problems = "; ".join(diag.message for diag in err.diagnostics)
        return CompileResult(spec=None, text=None, questions=tuple(d.questions),
                             assumptions=tuple(d.assumptions), not_understood=tuple(unknown),
                             message=f"The strategy as described doesn't check out: {problems}")
    return CompileResult(spec=spec, text=format_spec(spec), questions=spec.questions,
                         assumptions=tuple(d.assumptions), not_understood=tuple(unknown),
                         message=message)
