"""Parts -> a draft: which side each rule is on, what an ellipsis refers to, what a
risk:reward target is worth, and a question for every gap (never a refusal of the rest).
"""

from __future__ import annotations

from typing import Any

from app.compiler.offline import questions as Q
from app.compiler.offline.conds import AnyCross, ItRef, Mirror, OpenCompare, TimeMark
from app.compiler.offline.draft import Draft
from app.compiler.offline.operands import Ask, resolve
from app.compiler.offline.parts import Part
from app.compiler.offline.reader import Read
from app.dsl.printer import format_expr
from app.spec import expr as E
from app.spec.models import TIMEFRAMES, AgentsSpec
from app.spec.readback import DEFAULT_SIZING_PCT

OPPOSITE = {"above": "below", "below": "above"}
ENTRY_SIDES = {"buy", "short", "enter", "sellsignal", "filter", "both", "reverse", "sell"}
"""Sides whose unreadable rule is an entry the reader has asked about ("sell" may be one)."""


def settle(r: Read, gaps: bool = True) -> Draft:
    """The draft the parts make, with questions for what clashes and (``gaps``) for what
    is missing."""
    d = Draft(questions=list(dict.fromkeys(r.questions)), not_understood=list(r.not_understood))
    for note in r.notes:
        d.assume(note)
    _universe(r, d)
    _timeframe(r, d)
    if d.timeframe is None and r.day_periods and not any("timeframe" in q for q in d.questions):
        d.timeframe = "1d"
        d.assume("timeframe: daily (the periods are given in days)")
    if d.timeframe not in (None, "1d") and r.day_periods:
        d.assume(f"lengths given in days are counted in {d.timeframe} bars")
    d.sides_said = set(r.sides)
    d.entry_asked = bool(r.asked_sides & ENTRY_SIDES)
    _rules(r, d)
    _settings(r, d)
    if gaps:
        for key, _how, level in d.changes:
            if level is None:  # nothing to be tighter than: how far, then
                d.ask(f"How far should the {LEVEL_NAMES[key]} be? e.g. '2%' or '2 ATR'.")
        ask_gaps(d)
    return d


LEVEL_NAMES = {
    "stop_loss": "stop loss",
    "take_profit": "take-profit target",
    "trailing_stop": "trailing stop",
}


def _universe(r: Read, d: Draft) -> None:
    d.universe = list(r.symbols)
    if not d.universe and r.condition_symbols:
        d.universe = list(r.condition_symbols)
    elif set(r.condition_symbols) - set(d.universe):
        names = ", ".join(s for s in r.condition_symbols if s not in d.universe)
        d.ask(
            f"A rule reads the traded symbol's own prices, so a condition on {names} can't "
            f"be expressed while trading {', '.join(d.universe)}. Should it trade {names} "
            "itself, or which condition on the traded symbol?"
        )
    if not d.universe and r.examples:
        d.universe = list(dict.fromkeys(r.examples))
        d.assume(f"trading {', '.join(d.universe)}: the example the text gives")
    if not d.universe and r.named:
        names = ", ".join(r.named)
        d.ask(Q.NAMED.format(names=names, symbols=", ".join(dict.fromkeys(r.named.values()))))


def _timeframe(r: Read, d: Draft) -> None:
    valid = [f for f in dict.fromkeys(r.timeframes) if f in TIMEFRAMES]
    if len(valid) > 1:
        d.ask(
            f"The text names several timeframes ({', '.join(valid)}): which one should the "
            "rules run on?"
        )
    elif valid:
        d.timeframe = valid[0]


# ----- rules -------------------------------------------------------------------------------
def _rules(r: Read, d: Draft) -> None:
    buckets: dict[str, list[Any]] = {
        k: [] for k in ("buy", "short", "cover", "sell", "exit", "exitlong", "filter", "sellsignal")
    }
    last: list[Any] | None = None
    sides: set[str] = set()
    headed_last = False
    last_role: str | None = None
    pending: list[tuple[Any, Any]] = []
    both = {_sectioned(p, c) for p, c in r.parts if p.kind == "rule"} >= {"buy", "short"}
    entered: str | None = None
    for part, clause in r.parts:
        side = _sectioned(part, clause)
        if part.side == "enter" and clause.role not in ("short", "entry"):
            d.assume("'enter' with no side said read as a long entry")
        if part.kind == "rule" and side in ("buy", "short"):
            entered = side
        elif part.kind == "rule" and side == "exit" and both and entered:
            side = "exitlong" if entered == "buy" else "cover"  # the exit after its entry
            d.assume(
                f"an exit said after the {'long' if entered == 'buy' else 'short'} entry "
                "read as that side's exit"
            )
        if set(part.about) - set(d.universe):
            sides.add(side)  # a condition on another instrument: asked, never kept
            continue
        same_section = clause.role is not None and clause.role == last_role
        if (
            part.kind == "rule"
            and (part.headed and headed_last or same_section)
            and last is buckets[side]
            and last
            and part.cond is not None
        ):
            last[-1] = (part.join, last[-1], part.cond)  # one list of rules: all of them
            continue
        headed_last, last_role = part.headed, clause.role
        if part.kind == "rule":
            last = buckets[side]
            sides.add(side)
            cond = part.cond
            if part.side in ("buy", "short", "sell", "sellsignal") and not part.headed:
                for earlier, _ in pending:
                    cond = earlier if cond is None else ("and", earlier, cond)
                pending = []
            if cond is not None:
                last.append(cond)
        elif part.kind == "bare" and isinstance(part.cond, Mirror):
            d.not_understood.append(clause.text)  # "SMA cross" on its own: a title, no rule
        elif part.kind == "bare":
            if (
                last is None
                or last is not buckets["buy"]
                and last is not buckets["short"]
                and last is not buckets["filter"]
            ):
                pending.append((part.cond, clause))  # never glued onto an exit
            elif last:
                last[-1] = ("and", last[-1], part.cond)
            else:
                last.append(part.cond)
        elif part.kind == "direction":
            sides.add(str(part.value))
    if pending and _only_exits(r):
        cond = pending[0][0]
        for more, _ in pending[1:]:
            cond = ("and", cond, more)
        buckets["buy"].append(cond)
        d.assume(
            f'"{pending[0][1].text}" read as the long entry: the text says how to exit '
            "but names no entry side"
        )
        pending = []
    for _, clause in pending:
        d.ask(Q.UNPLACED.format(clause=clause.text))
        d.entry_asked = True  # "is it a condition to enter or to exit?"
    _filters(buckets, d)
    _place_sells(buckets, sides, d, r.sides)
    long_exits, short_exits = buckets["exit"], []
    if (buckets["short"] or "short" in sides) and not (buckets["buy"] or "buy" in sides):
        long_exits, short_exits = [], buckets["exit"]
    elif buckets["short"] and buckets["exit"]:
        short_exits = [c for c in buckets["exit"] if c not in buckets["short"]]
        if short_exits:
            d.assume("the exit rule applies to both the long and the short side")
        else:  # "sell below the 20-day low" then "short below the 20-day low": no exit of it
            d.ask(
                "The exit read for the long side is the short side's entry: when should "
                "the short be covered?"
            )
    settled = {
        ("long", "entry"): buckets["buy"],
        ("short", "entry"): buckets["short"],
        ("long", "exit"): long_exits + buckets["exitlong"],
        ("short", "exit"): short_exits + buckets["cover"],
    }
    entries: dict[str, Any] = {}
    for side in ("long", "short"):  # "short when it crosses below": the long's subject
        entries[side] = _fold_all(settled[(side, "entry")], side, "entry", entries.get("long"), d)
    for (side, role), conds in settled.items():
        if role == "entry":
            setattr(d, f"{side}_entry", entries[side])
        else:
            ref = entries[side] if entries[side] is not None else entries[_other(side)]
            setattr(d, f"{side}_exit", _fold_all(conds, side, role, ref, d))
    for side in ("long", "short"):
        other = "short" if side == "long" else "long"
        if (
            getattr(d, f"{side}_exit") is not None
            and getattr(d, f"{side}_entry") is None
            and getattr(d, f"{other}_entry") is not None
        ):
            rule = format_expr(getattr(d, f"{side}_exit"))
            verb = "buy" if side == "long" else "sell short"
            d.ask(
                f'An exit for the {side} side was read ("{rule}"), but no {side} entry: '
                f"when should it {verb}?"
            )
            setattr(d, f"{side}_exit", None)
    if "both" in sides and (d.long_entry is None or d.short_entry is None):
        d.ask(Q.BOTH_SIDES)


def _only_exits(r: Read) -> bool:
    """The text names no entry side anywhere but says how a trade ends (an exit rule, a
    stop, a target or a holding limit)."""
    if r.sides & {"buy", "short", "sell", "sellsignal", "enter", "filter", "both"}:
        return False
    return any(
        p.kind in ("stop", "target", "trail", "hold", "entry_move")
        or p.kind == "rule"
        and p.side in ("exit", "exitlong")
        for p, _ in r.parts
    )


def _sectioned(part: Part, clause: Any) -> str:
    """A rule's side, with "exit" under a "Short" heading closing the short (and under
    "Long" the long)."""
    side = part.side or "buy"
    if side == "enter":  # "enter when ..." takes its side from the heading, else long
        return "short" if clause.role == "short" else "buy"
    if side in ("exit", "sell") and clause.role in ("short", "entry", "cover", "exitlong"):
        return "cover" if clause.role in ("short", "cover") else "exitlong"
    if side == "sell" and clause.role == "exit":
        return "exit"  # "Sell rules: sell the stock after 2 hours"
    if side == "sellsignal" and clause.role in ("exit", "short"):
        return "exit" if clause.role == "exit" else "short"  # the heading says which
    return side


def _filters(buckets: dict[str, list[Any]], d: Draft) -> None:
    """ "Only trade when X": X joins every entry rule."""
    for cond in buckets.pop("filter"):
        entries = [k for k in ("buy", "short") if buckets[k]]
        if not entries:
            d.ask(
                '"Only when ..." filters the entries, but no entry rule was read: when '
                "should it buy?"
            )
        for k in entries:
            buckets[k] = [("and", c, cond) for c in buckets[k]]


def _place_sells(buckets: dict[str, list[Any]], sides: set[str], d: Draft, named: set[str]) -> None:
    """ "sell" exits a long when the text buys; with no buy rule it sells short. A "sell
    signal" is a signal system's other side: it sells short (an exit heading makes it the
    exit)."""
    signals = buckets.pop("sellsignal")
    ends = [c for c in buckets["sell"] if _has_time_mark(c)]
    if ends:  # "sell ... after 10 days": an exit, whatever the sides
        buckets["sell"] = [c for c in buckets["sell"] if c not in ends]
        buckets["exit"] += ends
    if "reverse" in sides and buckets["sell"]:
        buckets["short"] += buckets["sell"]
        buckets["sell"] = []
        sides.add("short")
        d.assume("'sell' read as a short entry: the text reverses the position on each signal")
    if signals:
        buckets["short"] += signals
        sides.add("short")
        d.assume(
            "'sell signal' read as a short entry: the buy and sell signals of a signal "
            "system reverse the position (say 'sell to close' for an exit of the long)"
        )
    if not buckets["sell"] and "sell" not in sides:
        return
    if buckets["buy"] or (sides | named) & {"buy", "long", "exit", "exitlong"}:  # a long
        buckets["exit"] += buckets["sell"]
        if buckets["sell"]:
            d.assume("'sell' read as closing the long position, not as opening a short")
    elif buckets["sell"] or not ends:
        buckets["short"] += buckets["sell"]
        sides.add("short")
        if buckets["sell"]:
            d.assume("'sell' with no buy rule read as selling short")


def _has_time_mark(cond: Any) -> bool:
    if isinstance(cond, TimeMark):
        return True
    return isinstance(cond, tuple) and any(_has_time_mark(c) for c in cond[1:])


def _other(side: str) -> str:
    return "short" if side == "long" else "long"


def _fold_all(conds: list[Any], side: str, role: str, ref: Any, d: Draft) -> Any:
    out = []
    for cond in conds:
        try:
            node = _fold(cond, side, role, ref, d)
        except Ask as ask:
            d.ask(
                ask.question
                or "I couldn't tell what the exit refers to: give its full "
                "condition, e.g. 'sell when the 10-day SMA crosses below the 30-day SMA'."
            )
            continue
        if node is not None:
            out.append(node)
    out = _refined(out, side, role, d)
    if len(out) > 1:
        d.assume(f"the {side} {role} rules said separately are alternatives (any one fires)")
        return _join(E.Or, out)
    return out[0] if out else None


def _atoms(node: Any) -> set[str]:
    items = node.items if isinstance(node, E.And) else (node,)
    return {format_expr(i) for i in items}


def _refined(rules: list[Any], side: str, role: str, d: Draft) -> list[Any]:
    """Rules said separately where one holds every condition of another plus more: the
    longer one refines the shorter ("an inside bar" then "an inside bar closing down"), as
    "A or (A and B)" would make B say nothing."""
    kept = [r for r in rules if not any(_atoms(r) < _atoms(o) for o in rules)]
    if len(kept) < len(rules):
        d.assume(
            f"the {side} {role} rule said again with more conditions is read as the fuller one"
        )
    return kept


def _fold(cond: Any, side: str, role: str, ref: Any, d: Draft) -> Any:
    if isinstance(cond, tuple):
        op, a, b = cond
        items = [_fold(a, side, role, ref, d), _fold(b, side, role, ref, d)]
        if any(i is None for i in items):
            if op == "and" or role != "exit":
                raise Ask(
                    "'after N days' can only end a trade on its own ('exit after 5 "
                    "days' or '... or after 5 days'), not be part of a condition."
                )
            return next((i for i in items if i is not None), None)
        kind = E.And if op == "and" else E.Or
        return _join(kind, items)
    if isinstance(cond, TimeMark):
        if role != "exit":
            raise Ask("'after N days' ends a trade: is it an exit?")
        d.max_hold = cond.bars
        return None
    if isinstance(cond, AnyCross):
        up = (side == "long") == (role == "entry")
        direction = "above" if up else "below"
        d.assume(
            f"'{cond.text}' with no direction read as crossing {direction} for the {side} {role}"
        )
        return E.Cross(direction=direction, left=cond.left, right=cond.right)
    if isinstance(cond, Mirror):
        return _mirror(cond, ref, side, role, d)
    if isinstance(cond, OpenCompare):
        return _open_compare(cond, ref, side, role, d)
    if isinstance(cond, ItRef):
        return _it(cond, ref, d)
    return cond


def _it(cond: ItRef, ref: Any, d: Draft) -> Any:
    """ "sell when it rises above 70" after "buy when RSI(2) < 10": it is RSI(2)."""
    subject = _same_level_subject(ref, cond.right) if cond.price else _first_subject(ref)
    if subject is None and cond.price and _price_scale(cond.right):
        subject = E.FieldRef(name="close")
        d.assume("'it' read as the price (the close)")
    elif subject is None:
        raise Ask("What does 'it' refer to? Name the indicator or price, e.g. 'RSI(14) above 70'.")
    else:
        d.assume(f"'it' read as {format_expr(subject)}, the subject of the entry rule")
    if cond.op in ("above", "below"):
        return E.Cross(direction=cond.op, left=subject, right=cond.right)
    if cond.price and all(
        isinstance(x, E.Indicator) and x.name in ("sma", "ema", "wma")
        for x in (subject, cond.right)
    ):
        direction = "above" if cond.op == ">" else "below"
        d.assume(f"'{cond.text}' (one average over another) read as a cross")
        return E.Cross(direction=direction, left=subject, right=cond.right)
    if cond.text:
        d.assume(f"'{cond.text}' read as a level")
    return E.Compare(op=cond.op, left=subject, right=cond.right)  # type: ignore[arg-type]


def _price_scale(node: Any) -> bool:
    """A level on the price's scale (a price, an average, a band), which the price itself
    can be compared with; an oscillator's line (MACD's signal, RSI) is not."""
    if isinstance(node, E.Lag):
        return _price_scale(node.expr)
    if isinstance(node, E.BinOp):
        return _price_scale(node.left)
    if isinstance(node, E.Indicator):
        return node.name in ("sma", "ema", "wma", "bollinger", "vwap", "highest", "lowest")
    return isinstance(node, E.FieldRef) and node.name != "volume"


def _same_level_subject(node: Any, level: Any) -> Any:
    """The indicator the entry compares with ``level`` ("the fast SMA crosses above the slow
    SMA" then "it crosses below the slow SMA": the fast SMA), or None."""
    if isinstance(node, (E.Compare, E.Cross)):
        return node.left if isinstance(node.left, E.Indicator) and node.right == level else None
    if isinstance(node, (E.And, E.Or)):
        return next(
            (s for s in (_same_level_subject(i, level) for i in node.items) if s is not None), None
        )
    return None


def _first_subject(node: Any) -> Any:
    if isinstance(node, (E.Compare, E.Cross)):
        return node.left if isinstance(node.left, E.Indicator) else None
    if isinstance(node, (E.And, E.Or)):
        return next((s for s in map(_first_subject, node.items) if s is not None), None)
    return None


def _mirror(m: Mirror, ref: Any, side: str, role: str, d: Draft) -> Any:
    """ "sell when it crosses below": the entry's cross, with the direction said (or flipped)."""
    cross = _first_cross(ref)
    if cross is None:
        raise Ask(None)
    left = cross.left
    if m.left is not None and m.left.kind not in ("it",):
        left = resolve(m.left, None, [])
        if left != cross.left:
            raise Ask(None)
    direction = m.direction or OPPOSITE[cross.direction]
    if m.direction is None:
        d.assume(f"the {side} {role} is the entry's cross the other way ({direction})")
    return E.Cross(direction=direction, left=left, right=cross.right)


def _open_compare(c: OpenCompare, ref: Any, side: str, role: str, d: Draft) -> Any:
    """ "close the trade when it is below" after "long when the 50 SMA is above the 200 SMA":
    the entry's comparison with the operator said."""
    first = _first_compare(ref)
    if first is None:
        raise Ask(None)
    rule = E.Compare(op=c.op, left=first.left, right=first.right)  # type: ignore[arg-type]
    d.assume(
        f"the {side} {role} '{c.left.text} is {c.op}' read as {format_expr(rule)}, the "
        "entry's comparison"
    )
    return rule


def _first_compare(node: Any) -> Any:
    if isinstance(node, E.Compare) and isinstance(node.left, (E.Indicator, E.FieldRef)):
        return node
    if isinstance(node, (E.And, E.Or)):
        return next((c for c in map(_first_compare, node.items) if c is not None), None)
    return None


def _first_cross(node: Any) -> Any:
    if isinstance(node, E.Cross):
        return node
    if isinstance(node, (E.And, E.Or)):
        return next((c for c in map(_first_cross, node.items) if c is not None), None)
    return None


def _join(kind: type, items: list[Any]) -> Any:
    """``kind`` (And / Or) of the items, nested ones of the same kind flattened, repeats
    dropped; a single item stands alone."""
    flat = _flat(items, kind)
    return flat[0] if len(flat) == 1 else kind(items=tuple(flat))


def _flat(items: list[Any], kind: type) -> list[Any]:
    out: list[Any] = []
    for item in items:
        for part in item.items if isinstance(item, kind) else [item]:
            if part not in out:  # "A and A" is A
                out.append(part)
    return out


# ----- stops, targets, size ----------------------------------------------------------------
def _settings(r: Read, d: Draft) -> None:
    said: dict[str, Any] = {}
    reward = None
    for part, _clause in r.parts:
        key = {
            "stop": "stop_loss",
            "target": "take_profit",
            "trail": "trailing_stop",
            "hold": "max_hold",
            "size": "sizing",
        }.get(part.kind)
        if part.kind == "rule" and part.value is not None:
            key = "sizing"
        if part.kind == "target_rr":
            reward = float(part.value)
        if part.kind == "agents":
            d.kept["agents"] = AgentsSpec()
            continue
        if part.kind == "clear":  # "no stop loss": none (a follow-up removes the spec's)
            d.cleared.append(str(part.value))
            continue
        if part.kind == "change":  # "a tighter stop (of 3%)": the level when it is given
            d.changes.append(part.value)
            key, _how, level = part.value
            if level is None:
                continue
            part = Part(key, value=level)
        if part.kind == "entry_move":
            key = _entry_move(part, d)
            moved = part.value[1]
            part = Part("level", value=moved if isinstance(moved, tuple) else ("pct", moved))
        if key is None:
            continue
        if key in said and said[key] != part.value:
            d.ask(
                f"The text gives two values for the {key.replace('_', ' ')} "
                f"({_show(said[key])} and {_show(part.value)}): which one?"
            )
            continue
        said[key] = part.value
        if key == "max_hold" and d.max_hold not in (None, part.value):
            d.ask(
                f"The text gives two holding limits ({d.max_hold} and {part.value} bars): "
                "which one?"
            )
        setattr(d, key, part.value)
    if reward is not None:
        _reward(reward, d)
    if d.sizing is not None and d.sizing[0] == "risk_pct" and d.stop_loss is None:
        d.ask(Q.RISK_NEEDS_STOP.format(pct=d.sizing[1]))


def _entry_move(part: Part, d: Draft) -> str:
    """ "falls 3% below entry" is a long's stop and a short's target (and the mirror)."""
    where, _pct = part.value
    if part.side in ("stop", "target"):  # under a "Stop loss:" heading it is the stop
        return "stop_loss" if part.side == "stop" else "take_profit"
    short = (
        part.side in ("short", "cover")
        or part.side == "exit"
        and d.long_entry is None
        and d.short_entry is not None
    )
    losing = (where == "below") != short
    return "stop_loss" if losing else "take_profit"


def _reward(reward: float, d: Draft) -> None:
    if d.stop_loss is None:
        d.ask(Q.RR_NEEDS_STOP.format(r=reward))
        return
    stop = d.stop_loss
    d.take_profit = (stop[0], round(stop[1] * reward, 10), *stop[2:])
    shown = f"{d.take_profit[1]:g}%" if stop[0] == "pct" else f"{d.take_profit[1]:g} ATR"
    d.assume(f"the target is {reward:g} times the stop's distance: {shown}")


def _show(value: Any) -> str:
    if isinstance(value, tuple) and value and value[0] == "pct":
        return f"{value[1]:g}%"
    if isinstance(value, tuple) and value and value[0] == "atr":
        return f"{value[1]:g} ATR"
    if isinstance(value, tuple):
        return f"{value[1]:g}"
    return str(value)


def ask_gaps(d: Draft) -> None:
    """Questions for what a run cannot do without; stated defaults for the rest."""
    if not d.universe and not any(q.startswith(Q.NAMED[:20]) for q in d.questions):
        d.ask(Q.UNIVERSE)
    if d.long_entry is None and d.short_entry is None and not d.entry_asked:
        syms = f" {', '.join(d.universe)}" if d.universe else ""
        d.ask(Q.ENTRY.format(syms=syms))
    elif not d.has_exit() and not (
        d.long_entry is not None and d.short_entry is not None and "reverse" in d.sides_said
    ):  # each entry closes the other
        d.ask(Q.EXIT.format(verb="sell" if d.long_entry is not None else "buy to cover"))
    if d.timeframe is None:
        d.assume("timeframe: daily (not stated)")
    if d.sizing is None:
        d.ask(Q.SIZE.format(default=DEFAULT_SIZING_PCT))
