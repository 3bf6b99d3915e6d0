"""Follow-ups that revise the previous spec: "tighter stop", "add NVDA", "risk 2% instead".

The previous spec becomes a draft; the follow-up's changes are applied to it (relative
ones like "tighter" say exactly what they did), and the result goes through the same
``parse_spec`` gate as a new spec.
"""

from __future__ import annotations

import re

from app.compiler.offline import pipeline
from app.compiler.offline.conds import Atom, Cond, Operand, all_of, any_of, number
from app.compiler.offline.draft import Draft, from_spec, level_text
from app.compiler.offline.extract import hold_bars
from app.compiler.offline.levels import LEVEL, level_of
from app.compiler.offline.normalize import lower, normalize
from app.compiler.offline.phrases import Role
from app.compiler.offline.revise_ops import (
    apply_universe,
    clear_parts,
    param_change,
    relative,
    rename,
)
from app.compiler.offline.rules import TRIGGER, parse_condition, read_rules
from app.compiler.offline.scanner import Scanner
from app.compiler.offline.symbols import read_symbols
from app.compiler.result import CompileResult
from app.dsl import format_spec
from app.dsl.printer import format_expr, format_sizing
from app.spec import expr as E
from app.spec.models import StrategySpec
from app.spec.readback import DEFAULT_SIZING_PCT

ALSO = re.compile(r"\b(?:also|add(?:\s+a)?(?:\s+(?:filter|condition))?|additionally|only|require|"
                  r"as\s+long\s+as|filter)\b")
ONLY_WHEN = re.compile(r"\b(?:(?:but|and)\s+)?(?:also\s+)?(?:only\s+(?:buy\s+|enter\s+|"
                       r"trade\s+)?(?:when|if)|"
                       r"requires?|add\s+(?:a\s+|an\s+)?(?:filter|condition)(?:\s+(?:that|of|on))?|"
                       r"filter\s+(?:on|for|by)|as\s+long\s+as|"
                       r"provided(?:\s+that)?)\b\s*:?(?P<c>[^.;]+)")
BARE_LEVEL = re.compile(rf"^\s*(?:at\s+|of\s+|make\s+it\s+)?(?:an?\s+)?{LEVEL}\s*\.?\s*$")
BARE_WHEN = re.compile(r"^\s*(?:when(?:ever)?|if|once|on|at)\b(?P<c>[^.;]+)[.;]?\s*$")
_FIELDS = ("timeframe", "stop_loss", "take_profit", "trailing_stop", "sizing", "max_positions",
           "regime_allow", "regime_transition", "regime_benchmark", "agents_team",
           "debate_rounds", "min_conviction")


def revise(previous: StrategySpec, text: str) -> CompileResult:
    """Apply a follow-up to ``previous``; the result's spec is the revised spec."""
    cased = normalize(text)
    s = Scanner(lower(cased))
    d = from_spec(previous)
    changes: list[str] = []
    _answer_stop(s, d, changes)
    relative(s, d, changes)
    clear_parts(s, d, changes)
    rename(s, d, cased, changes)
    param_change(s, d, changes)
    new = Draft()
    pipeline.read_facts(s, new)
    apply_universe(s, d, read_symbols(s, cased), changes)
    _merge_facts(d, new, changes)
    _merge_rules(d, s, previous, text, changes)
    unknown = s.leftovers()
    if not changes:
        return _unchanged(previous, unknown, d.questions[len(previous.questions):])
    if not d.universe:
        return pipeline.no_spec([pipeline.UNIVERSE_QUESTION], unknown,
                                "That leaves no symbols to trade. " + pipeline.UNIVERSE_QUESTION)
    _keep_open_questions(d)
    _fill(d, changes)
    for line in new.assumptions:
        d.assume(line)
    return pipeline.build(d, unknown, "Changed: " + "; ".join(changes) + ".")


def _unchanged(previous: StrategySpec, unknown: list[str], asked: list[str]) -> CompileResult:
    said = f" (not understood: {', '.join(unknown)})" if unknown else ""
    message = f"I didn't find a change to make in that{said}; the strategy is unchanged."
    if asked:
        message += " " + " ".join(asked)
    return CompileResult(spec=previous, text=format_spec(previous),
                         questions=tuple(dict.fromkeys([*previous.questions, *asked])),
                         not_understood=tuple(unknown), message=message)


def _merge_facts(d: Draft, new: Draft, changes: list[str]) -> None:
    for name in _FIELDS:
        value = getattr(new, name)
        if value is not None and value != getattr(d, name):
            note = (" (indicator periods count bars, so they now span "
                    f"{value} bars)") if name == "timeframe" else ""
            said = f"{_say(getattr(d, name))} -> {_say(value)}"
            changes.append(f"{name.replace('_', ' ')}: {said}{note}")
            setattr(d, name, value)
    for key in new.cleared:
        _clear(d, key, changes)
    for key, value in new.limits.items():
        if d.limits.get(key) != value:
            changes.append(f"{key.replace('_', ' ')} limit: {_say(value)}")
            d.limits[key] = value
    if new.hold_span is not None:
        d.hold_span, d.max_hold = new.hold_span, None
        changes.append(f"max hold: {new.hold_span[0]} {new.hold_span[1]}s")
    for q in new.questions:
        d.ask(q)


def _clear(d: Draft, key: str, changes: list[str]) -> None:
    if key == "stop_loss" and d.stop_loss is not None:
        d.stop_loss = None
        changes.append("stop loss removed")
    elif key == "regime" and d.regime_allow is not None:
        d.regime_allow = d.regime_transition = d.regime_benchmark = None
        changes.append("regime filter removed")
    elif key == "agents" and d.agents_team is not None:
        d.agents_team = d.debate_rounds = d.min_conviction = None
        changes.append("agent team removed")


def _say(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple) and value and value[0] in ("pct", "atr"):
        return level_text(value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], float):
        return format_sizing(*value)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _merge_rules(d: Draft, s: Scanner, previous: StrategySpec, text: str,
                 changes: list[str]) -> None:
    base = {k: _from_expr(getattr(previous, k)) for k in ("long_entry", "short_entry")}
    base = {k: v for k, v in base.items() if v is not None}
    only = ONLY_WHEN.search(s.work)
    if only and not TRIGGER.search(s.work):
        _add_filter(d, s, only, changes)
        return
    if _answer_exit(d, s, base, changes):
        return
    rules = read_rules(s, base)
    also = bool(ALSO.search(lower(normalize(text))))
    for key in ("long_entry", "short_entry", "long_exit", "short_exit"):
        cond = getattr(rules, key)
        if cond is None:
            continue
        old = getattr(d, key)
        joined = also and key.endswith("entry") and old is not None
        new = f"({old}) and ({cond.text()})" if joined else cond.text()
        if new != old:
            setattr(d, key, new)
            changes.append(f"{key.replace('_', ' ')}: {'added ' if joined else ''}{cond.text()}")
    for q in rules.questions:
        d.ask(q)
    for key, texts in rules.failed.items():
        if not rules.questions:
            d.ask(f"I couldn't read the new {key.replace('_', ' ')} rule '{texts[0]}': describe it "
                  "with an indicator and a level, e.g. 'RSI(14) above 70'.")


def _answer_stop(s: Scanner, d: Draft, changes: list[str]) -> None:
    """A bare level ("2%", "1.5 ATR") answers an open question about the stop loss."""
    m = BARE_LEVEL.match(s.work)
    if m and d.stop_loss is None and any("stop" in q for q in d.questions):
        s.blank(m.start(), m.end())
        d.stop_loss = level_of(m, d)
        changes.append(f"stop loss: {level_text(d.stop_loss)}")


def _answer_exit(d: Draft, s: Scanner, base: dict[str, Cond], changes: list[str]) -> bool:
    """A bare 'when RSI > 70' is the exit rule the strategy lacks (the answer to 'When should
    it sell?'); with an exit rule already there it is left unread rather than guessed."""
    side = "long" if d.long_entry is not None else "short"
    m = BARE_WHEN.match(s.work)
    if getattr(d, f"{side}_exit") is not None or not m or TRIGGER.search(s.work):
        return False
    cond = parse_condition(m.group("c"), Role(side, True, base.get(f"{side}_entry")),
                           d.questions, s)
    s.blank(m.start(), m.end())
    if cond is not None:
        setattr(d, f"{side}_exit", cond.text())
        changes.append(f"{side} exit: {cond.text()}")
    return True


def _add_filter(d: Draft, s: Scanner, m: re.Match[str], changes: list[str]) -> None:
    """'only when RSI is below 70': a condition added to the entry rule(s)."""
    s.blank(m.start(), m.end())
    for side in ("long", "short"):
        old = getattr(d, f"{side}_entry")
        if old is None:
            continue
        cond = parse_condition(m.group("c"), Role(side), d.questions, s)
        if cond is not None:
            setattr(d, f"{side}_entry", f"({old}) and ({cond.text()})")
            changes.append(f"{side} entry: added {cond.text()}")


def _from_expr(node: object) -> Cond | None:
    """A previous spec's rule in the reader's terms, so 'exit when it crosses back' can use it."""
    if isinstance(node, (E.Compare, E.Cross)):
        op = node.op if isinstance(node, E.Compare) else f"crosses {node.direction}"
        return Atom(_operand(node.left), op, _operand(node.right))
    if isinstance(node, (E.And, E.Or)):
        items = [c for c in (_from_expr(i) for i in node.items) if c is not None]
        if not items:
            return None
        return all_of(items) if isinstance(node, E.And) else any_of(items)
    return None


def _operand(node: object) -> Operand:
    text = format_expr(node)
    if isinstance(node, E.Num):
        return number(node.value)
    if isinstance(node, E.FieldRef):
        return Operand(node.name, "field", node.name)
    inner = node.expr if isinstance(node, E.Lag) else node
    if isinstance(inner, E.Indicator):
        return Operand(text, inner.name, text, params=inner.params)
    return Operand(text, "expr", text)


_ANSWERED = [
    (re.compile(r"stop loss be|stop be"), lambda d: d.stop_loss is not None),
    (re.compile(r"Which symbols"), lambda d: bool(d.universe)),
    (re.compile(r"When should it (?:sell|buy to cover)"), lambda d: bool(
        d.long_exit or d.short_exit or d.stop_loss or d.take_profit or d.trailing_stop
        or d.max_hold or d.hold_span)),
    (re.compile(r"exit rule '"), lambda d: bool(d.long_exit or d.short_exit)),
    (re.compile(r"profits be taken"), lambda d: d.take_profit is not None),
]


def _keep_open_questions(d: Draft) -> None:
    """Drop the previous questions this follow-up answered."""
    d.questions = [q for q in d.questions
                   if not any(p.search(q) and answered(d) for p, answered in _ANSWERED)]


def _fill(d: Draft, changes: list[str]) -> None:
    hold_bars(d, any("/" in s for s in d.universe))
    if d.sizing is not None and d.sizing[0] == "risk_pct" and d.stop_loss is None:
        d.ask(f"Risking {d.sizing[1]:g}% per trade needs a stop loss to size against: how far "
              "should the stop be (e.g. 2% or 2 ATR)?")
        changes.append(f"risk sizing removed (it needs a stop), so the default "
                       f"{DEFAULT_SIZING_PCT:g}% of equity applies")
        d.sizing = None
