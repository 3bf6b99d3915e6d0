"""One comparison in words -> a condition: "RSI(14) drops below 30", "it crosses back above".

The comparison word splits the phrase into two operands. "drops below" / "crosses above"
are events (a cross); "is below" / "closes above" / "under" are states (a comparison).
A side left out ("sell when it crosses below") is taken from the entry rule it mirrors.
"""

from __future__ import annotations

import re

from app.compiler.offline.comparators import directed, find_comparator
from app.compiler.offline.conds import (
    CLOSE,
    CROSS,
    Atom,
    Cond,
    Operand,
    all_of,
    atoms,
)
from app.compiler.offline.lexicon import INDICATORS_SAID, UNSUPPORTED, VAGUE_WORDS
from app.compiler.offline.operands import Context, Missing, parse_operand, tokens
from app.compiler.offline.phrases import Failure, Role, special, vague_question
from app.compiler.offline.shapes import (
    bounce,
    deviation,
    for_bars,
    oscillator_level,
    reach,
    slope,
    state,
    touch,
    within,
)


def parse_piece(piece: str, role: Role, prev_left: Operand | None) -> Cond | Failure:
    """One comparison (no and/or inside) as a condition."""
    piece = directed(piece)
    found = special(piece, role)
    if isinstance(found, str):
        return Failure(question=found)
    if found is not None:
        return found
    held = _PERSIST.search(piece)
    if held and find_comparator(piece[:held.start()]):
        inner = parse_piece(piece[:held.start()], role, prev_left)
        n = int(held.group("n") or held.group("n2"))
        return inner if isinstance(inner, Failure) else for_bars(inner, n)
    match = find_comparator(piece)
    if match is None:
        return _operand_only(piece, role) or _failure(piece)
    m, kind = match
    left = _side(piece[:m.start()], role, prev_left, True)
    if isinstance(left, Failure):
        return Failure(question=unsupported(piece) or left.question, words=left.words)
    result = _compare(left, kind, m, piece[m.end():], role)
    if isinstance(result, Failure) and unsupported(piece):
        return Failure(question=unsupported(piece), words=result.words)
    return result


_PERSIST = re.compile(r"\s+(?:for\s+(?:the\s+(?:last|past)\s+)?(?P<n>\d+)\s+(?:consecutive\s+|"
                      r"straight\s+)?"
                      r"(?:days|bars|sessions|closes|candles)(?:\s+in\s+a\s+row)?|(?P<n2>\d+)\s+"
                      r"(?:consecutive|straight)\s+(?:days|bars|sessions|closes|candles))\s*$")


def _failure(piece: str) -> Failure:
    return Failure(question=unsupported(piece) or vague_question(piece), words=piece.strip())


def unsupported(piece: str) -> str | None:
    """The question for an indicator the language does not have, or None."""
    for pattern, name in UNSUPPORTED.items():
        if re.search(pattern, piece):
            return name if name.endswith(".") else (
                f"Parley doesn't have {name}; its indicators are {INDICATORS_SAID}. Which should "
                "the rule use instead?")
    return None


def _side(phrase: str, role: Role, prev_left: Operand | None, is_left: bool,
          other: Operand | None = None) -> Operand | Failure:
    words = [t for t in tokens(phrase) if t not in ("the", "a", "an", "is", "when", "and")]
    entry = role.mirror(None)
    if words in (["it"], ["them"], ["that"], ["price", "it"]):
        if not role.exit or entry is None:
            return CLOSE if is_left else Failure(words=phrase.strip())
        return entry.left if is_left else entry.right
    parsed = parse_operand(phrase, Context(other=other))
    if parsed is None:
        if is_left:
            return prev_left or (entry.left if role.exit and entry else CLOSE)
        return Failure(question="Compared with what? Name both sides, e.g. 'the 10-day SMA "
                                "crosses below the 30-day SMA'.")
    if isinstance(parsed, Missing):
        average = _entry_average(role) if parsed.question == VAGUE_WORDS["moving_average"] else None
        return average or Failure(question=parsed.question, words=parsed.words)
    return _as_in_entry(parsed, role)


def _entry_average(role: Role) -> Operand | None:
    """An exit's "the average" is the moving average (or band middle) of its entry."""
    if not role.exit:
        return None
    for a in atoms(role.entry):
        for side in (a.left, a.right):
            base = side.text.split(" * ")[0]
            if side.kind in ("sma", "ema", "wma"):
                return Operand(base, side.kind, side.label, params=side.params)
            if side.kind == "bollinger":
                mid = base.rsplit(".", 1)[0] + ".middle"
                return Operand(mid, "bollinger", "middle Bollinger band", params=side.params)
    return None


def _as_in_entry(op: Operand, role: Role) -> Operand:
    """An exit's "RSI" with no period is the entry's RSI(5), not a new RSI(14)."""
    if not role.exit or not op.notes or "not stated" not in op.notes[0]:
        return op
    call, output = _split_output(op.text)
    for a in atoms(role.entry):
        for side in (a.left, a.right):
            base = _split_output(side.text.split(" * ")[0])[0]
            if side.kind == op.kind and base != call:
                return Operand(base + output, op.kind, op.label if output else side.label,
                               params=side.params)
    return op


def _split_output(text: str) -> tuple[str, str]:
    """'macd(close, 12, 26, 9).signal' -> ('macd(close, 12, 26, 9)', '.signal')."""
    m = re.match(r"^(.*\))(\.[a-z]+)?$", text)
    return (m.group(1), m.group(2) or "") if m else (text, "")


def _partner_line(left: Operand) -> Operand:
    """'%K crosses up' crosses %D; 'MACD crosses above' crosses its signal line."""
    call, output = _split_output(left.text)
    other = {".k": ".d", ".d": ".k", ".line": ".signal", ".signal": ".line"}.get(output, ".signal")
    label = {".d": "%D", ".k": "%K", ".signal": "MACD signal", ".line": "MACD"}[other]
    return Operand(call + other, left.kind, label, params=left.params)


def _compare(left: Operand, kind: str, m: re.Match[str], rest: str, role: Role) -> Cond | Failure:
    if kind in ("turn+", "turn-", "pos", "neg", "oversold", "overbought"):
        return state(left, kind, role)
    if kind in ("rise", "fall"):
        return slope(left, kind)
    if kind == "breaks":
        return reach(left, role) or Failure(words=m.group(0))
    if kind == "between":
        return _between(left, rest, role)
    tail = find_comparator(rest)
    right_text, extra = (rest[:tail[0].start()], rest[tail[0].start():]) if tail else (rest, "")
    right = _right(left, right_text, role)
    if isinstance(right, Failure):
        return right
    first = _atom(left, kind, m, right, role)
    if isinstance(first, Failure) or not extra.strip() or tail is None:
        return first
    return _qualifier(first, left, tail, rest[tail[0].end():], role)


def _qualifier(first: Cond, left: Operand, tail: tuple[re.Match[str], str], rest: str,
               role: Role) -> Cond | Failure:
    """'%K crosses above %D below 20': a level on the same left side, and nothing else."""
    level = parse_operand(rest)
    if not isinstance(level, Operand) or level.kind != "num" or tail[1] not in (">", "<"):
        return Failure(words=(tail[0].group(0) + rest).strip())
    return all_of([first, Atom(left, tail[1], level)])


def _right(left: Operand, text: str, role: Role) -> Operand | Failure:
    if not tokens(text) and role.entry is not None:
        entry = role.mirror(left)
        if entry is not None:
            return entry.right
    if not tokens(text) and left.kind in ("stoch", "macd") and "." in left.text:
        return _partner_line(left)
    return _side(text, role, None, False, other=left)


def _atom(left: Operand, kind: str, m: re.Match[str], right: Operand, role: Role) -> Cond | Failure:
    left, right = _bare_averages(left, right, role)
    if left.kind == "num" and right.kind == "num":
        return Failure(words=f"{left.text} {m.group(0).strip()} {right.text}")
    if kind == "offset":
        sign = 1 if m.group("dir") in ("above", "over") else -1
        factor = round(1 + sign * float(m.group("pct")) / 100, 6)
        scaled = Operand(f"{right.text} * {factor:g}", right.kind, right.label, params=right.params,
                         notes=right.notes)
        return Atom(left, ">" if sign > 0 else "<", scaled)
    if kind == "scale":
        k = m.group("k")
        return Atom(left, ">", Operand(f"{right.text} * {k}", right.kind, right.label,
                                       params=right.params, notes=right.notes))
    if kind == "touch":
        return touch(left, right, role)
    if kind == "within":
        return within(left, m, right)
    if kind == "bounce":
        return bounce(left, right, role)
    if kind in ("from-", "from+"):
        factor = 1 + float(m.group("pct")) / 100 * (1 if kind == "from+" else -1)
        return Atom(left, ">=" if kind == "from+" else "<=",
                    Operand(f"{right.text} * {factor:g}", right.kind, right.label,
                            params=right.params, notes=right.notes))
    if kind == "sd":
        return deviation(left, m, right)
    op = _cross_direction(left, m, role) if kind == "cross" else kind
    if op in CROSS and right.kind in ("highest", "lowest"):
        op = ">" if op == "crosses above" else "<"
    return Atom(left, op, right)


def _bare_averages(left: Operand, right: Operand, role: Role) -> tuple[Operand, Operand]:
    """'the 50 crosses the 200': two bare periods are moving averages, said as an assumption.

    In an exit, 'the 8' is the entry's 8-bar average, whatever kind it was.
    """
    known = {int(o.params[0]): o for a in atoms(role.entry) for o in (a.left, a.right)
             if o.kind in ("sma", "ema", "wma") and o.params}
    if left.bare and int(left.value or 0) in known:
        left = known[int(left.value or 0)]
    if right.bare and int(right.value or 0) in known:
        right = known[int(right.value or 0)]
    if left.kind == "num" and right.kind == "num" and left.bare and right.bare:
        a, b = int(left.value or 0), int(right.value or 0)
        note = f"'the {a}' and 'the {b}' read as the {a}- and {b}-day simple moving averages"
        return (Operand(f"sma(close, {a})", "sma", f"SMA({a})", params=(a,), notes=(note,)),
                Operand(f"sma(close, {b})", "sma", f"SMA({b})", params=(b,)))
    if right.kind == "num" and right.bare and left.kind in ("field", "sma", "ema", "wma"):
        b, kind = int(right.value or 0), left.kind if left.kind != "field" else "sma"
        word = {"sma": "simple", "ema": "exponential", "wma": "weighted"}[kind]
        return left, Operand(f"{kind}(close, {b})", kind, f"{kind.upper()}({b})", params=(b,),
                             notes=(f"'the {b}' read as the {b}-day {word} moving average",))
    return left, right


def _cross_direction(left: Operand, m: re.Match[str], role: Role) -> str:
    ud = m.groupdict().get("ud")
    if ud:
        return "crosses above" if ud == "up" else "crosses below"
    entry = role.mirror(left) if role.exit else None
    if entry is not None:
        return "crosses below" if entry.op in (">", ">=", "crosses above") else "crosses above"
    return "crosses above" if role.rising else "crosses below"


def _between(left: Operand, rest: str, role: Role) -> Cond | Failure:
    parts = [p for p in re.split(r"\s*~\s*|\s+and\s+", rest.strip()) if p]
    if len(parts) != 2:
        return Failure(words="between " + rest.strip())
    sides = [_side(p, role, None, False, other=left) for p in parts]
    if any(isinstance(s, Failure) for s in sides):
        return next(s for s in sides if isinstance(s, Failure))
    lo, hi = sides  # type: ignore[misc]
    return all_of([Atom(left, ">=", lo), Atom(left, "<=", hi)])  # type: ignore[arg-type]


def _operand_only(piece: str, role: Role) -> Cond | None:
    parsed = parse_operand(piece)
    if not isinstance(parsed, Operand):
        return None
    return oscillator_level(parsed, piece, role) or reach(parsed, role)


