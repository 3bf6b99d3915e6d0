"""Conditions from the grammar's atoms: comparisons, crosses, touches, slopes, moves, shapes.

Each method is named after an alias in ``phrases.lark``. A reading that is not literal
("rises above" taken as a cross, "the 20-day high" as the bars before this one) adds a
note, which the reader lists in the assumptions. What needs the rest of the description
(a cross with no right-hand side, a cross with no direction, "after 5 days") is returned
as a pending item the reader settles once every clause is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.compiler.offline.lexer import Tok
from app.compiler.offline.operands import Ask, Opnd, indicator, is_lower, period_bars, resolve
from app.spec import expr as E

OPS = {"gt": ">", "lt": "<", "ge": ">=", "le": "<="}


def format_node(node: Any) -> str:
    from app.dsl.printer import format_expr

    return format_expr(node)


@dataclass
class Mirror:
    """ "sell when it crosses below": the entry's cross, the other way (or as said)."""

    left: Opnd | None
    direction: str | None


@dataclass
class OpenCompare:
    """ "close the trade when it is below": the entry's comparison, the other way."""

    left: Opnd
    op: str


@dataclass
class AnyCross:
    """A cross with no direction ("20 EMA crosses 50 EMA"): the side's rule decides."""

    left: Any
    right: Any
    text: str


@dataclass
class TimeMark:
    """ "after N days" inside an exit: a holding limit."""

    bars: int


@dataclass
class ItRef:
    """ "it" (or nothing) against a bare number: the indicator the rule before names."""

    op: str
    """A comparison operator, or "above"/"below" for a cross."""
    right: Any
    price: bool = False
    text: str = ""
    """The verb, for the note on how it was read ("drops below": a level)."""
    """"it crosses below the slow average": the entry's subject against the same level, or
    else the price."""


def _bare_it(left: Opnd, right: Opnd) -> bool:
    """ "it" said against a level that is not a number ("it crosses below the 50 SMA")."""
    return left.kind == "it" and left.text.lower() in ("it", "it's") and right.kind != "num"


def _anaphora(left: Opnd, right: Opnd) -> bool:
    """True for "it crosses above 70" (or "crosses above 70"): "it" is not the price."""
    return left.kind == "it" and left.text.lower() in ("", "it", "it's") and right.kind == "num"


PERCENT_SCALE = ("roc", "rsi", "stoch")
"""Indicators whose values are percents, so "above 5%" is the level 5."""
OSCILLATORS = ("rsi", "stoch", "macd", "roc", "adx", "atr", "stddev", "avg_volume")
PRICE_LEVELS = ("sma", "ema", "wma", "ma", "bollinger", "donchian", "vwap")


RANK = {"low": 0, "open": 1, "close": 1, "high": 2}


def _impossible(a: Any, op: str, b: Any) -> bool:
    """A comparison of one bar's prices that can never hold (close > high, low > high)."""
    if (
        not (isinstance(a, E.FieldRef) and isinstance(b, E.FieldRef))
        or op not in "<>"
        or a.name not in RANK
        or b.name not in RANK
        or RANK[a.name] == RANK[b.name]
    ):
        return False
    return RANK[a.name] > RANK[b.name] if op == "<" else RANK[a.name] < RANK[b.name]


def _oscillator(op: Opnd) -> bool:
    """An operand not on the price's scale (RSI, MACD, IBS...)."""
    return op.kind == "ind" and op.name in OSCILLATORS or op.kind == "expr"


def _price_level(op: Opnd) -> bool:
    """An operand on the price's scale (an average, a band, an N-day high, a price)."""
    return (
        op.kind in ("channel", "period")
        or op.kind == "field"
        and op.source != "volume"
        or op.kind == "ind"
        and op.name in PRICE_LEVELS
        or op.kind == "out"
        and op.output in ("upper", "lower", "middle")
    )


@lru_cache(maxsize=64)
def template(cond: str) -> Any:
    """A condition written in the strategy language (the lexicon's PATTERNS)."""
    from app.dsl import parse_spec

    return parse_spec(f'strategy "t"\nuniverse X\nlong when {cond}\n').long_entry


def lagged(node: Any, k: int) -> Any:
    """``node`` as it stood ``k`` bars ago (every price and indicator shifted)."""
    if k == 0:
        return node
    if isinstance(node, (E.FieldRef, E.Indicator)):
        return E.Lag(expr=node, bars=k)
    if isinstance(node, E.Lag):
        return E.Lag(expr=node.expr, bars=node.bars + k)
    if isinstance(node, E.Num):
        return node
    if isinstance(node, (E.Compare, E.Cross, E.BinOp)):
        return node.model_copy(
            update={"left": lagged(node.left, k), "right": lagged(node.right, k)}
        )
    if isinstance(node, (E.And, E.Or)):
        return node.model_copy(update={"items": tuple(lagged(i, k) for i in node.items)})
    if isinstance(node, E.Not):
        return E.Not(item=lagged(node.item, k))
    if isinstance(node, E.Neg):
        return E.Neg(expr=lagged(node.expr, k))
    raise Ask(None)


def repeat(node: Any, n: int) -> Any:
    """``node`` on each of the last ``n`` bars."""
    if not isinstance(node, (E.Compare, E.Cross, E.And, E.Or, E.Not)):
        raise Ask(None)
    if n < 1 or n > 50:
        raise Ask(f"{n} bars in a row: how many did you mean?")
    items: list[Any] = []
    for k in range(n):
        part = lagged(node, k)
        items += list(part.items) if isinstance(part, E.And) else [part]
    return items[0] if len(items) == 1 else E.And(items=tuple(items))


class CondBuilder:
    """Atoms -> conditions; collects the notes of non-literal readings."""

    notes: list[str]
    speeds: dict[str, int]
    """Lengths the text gives its fast and slow averages (see ``reader.speeds``)."""
    subject: Opnd | None = None
    """The last subject the clause named ("MACD is above 0 and above its signal line": the
    second comparison's unsaid subject)."""

    def _said(self, left: Opnd) -> None:
        if left.kind != "it" or left.text:
            self.subject = left

    def _elided(self, word: Tok, right: Opnd) -> Opnd:
        """The subject of a comparison that names none ("... and above 70"): the one said
        before it in the clause, or the price when that was an oscillator and the level is
        a price level ("RSI(2) below 10 and above the 200-day SMA")."""
        said = self.subject
        if said is None:
            return Opnd("it")
        family = {"signal": "macd", "hist": "macd", "k": "stoch", "d": "stoch"}
        if (
            right.kind == "out"
            and said.kind == "ind"
            and family.get(right.output or "", "bollinger") == said.name
        ):
            return said
        if _oscillator(said) and _price_level(right):
            self.notes.append(
                f"'{word.text} {right.text}' with no subject read as the price "
                f"(the close), not {said.text or said.name}"
            )
            return Opnd("it", text="price")
        if said.kind != "it":
            self.notes.append(
                f"'{word.text} {right.text}' with no subject read as "
                f"{said.text or said.name}, the subject said before it"
            )
        return said

    def _pair(self, left: Opnd, right: Opnd) -> tuple[Any, Any]:
        if right.kind == "its" and right.inner is not None:  # "crosses above its 9-period SMA"
            inner = right.inner
            subject = resolve(left, inner, self.notes)
            if inner.name in ("sma", "ema", "wma", "ma") and not isinstance(subject, E.FieldRef):
                name = "sma" if inner.name == "ma" else inner.name
                params = tuple(float(n) for n in inner.nums)
                if len(params) != 1:
                    raise Ask(f"Which length for '{inner.text}'? e.g. 'its 9-period SMA'.")
                self.notes.append(
                    f"'its {inner.text}' read as the {name.upper()} of {format_node(subject)}"
                )
                return subject, E.Indicator(name=name, source=subject, params=params)
            right = inner
        for a, b in ((left, right), (right, left)):
            if a.kind == "pct" and not (b.kind == "ind" and b.name in PERCENT_SCALE):
                raise Ask(
                    f"'{a.text}' of what? A percent level fits an indicator in percent "
                    "(rate of change, RSI); for prices say e.g. '2% above the 50-day "
                    "SMA'."
                )
        if right.kind == "it" and right.text.lower() in ("it", "it's", "them", "that"):
            raise Ask(
                f"What is '{right.text}' that it is compared with? Name the level, e.g. "
                "'the 20-day high'."
            )
        return resolve(left, right, self.notes), resolve(right, left, self.notes)

    def compare(self, left: Opnd, op: Tok, right: Opnd) -> Any:
        self._said(left)
        if _anaphora(left, right):
            return ItRef(OPS[op.value], resolve(right, None, self.notes))
        if _bare_it(left, right):
            return ItRef(OPS[op.value], resolve(right, None, self.notes), price=True)
        a, b = self._pair(left, right)
        if _impossible(a, OPS[op.value], b):
            raise Ask(None)  # "close > high": the words were not read whole
        return E.Compare(op=OPS[op.value], left=a, right=b)

    def compare_it(self, op: Tok, right: Opnd) -> Any:
        return self.compare(self._elided(op, right), op, right)

    def compare_lag(self, left: Opnd, op: Tok, lag: Tok) -> Any:
        """ "the low is greater than that of the previous bar": the same operand, one bar
        earlier."""
        if left.kind == "it" and left.text.lower() in ("", "it", "it's"):
            raise Ask(None)
        node = resolve(left, None, self.notes)
        bars = lag.value if isinstance(lag.value, int) else 1
        return E.Compare(op=OPS[op.value], left=node, right=lagged(node, bars))

    def at_extreme(self, left: Opnd, at: Tok, level: Opnd) -> Any:
        """ "closes at a 7-day low": the subject is the lowest of its own last N values
        (this bar included); "a 7-day closing low" names the series."""
        if level.kind != "channel" or not level.nums:
            raise Ask(None)
        subject = resolve(left, None, self.notes)
        source = E.FieldRef(name=level.source) if level.source else subject
        n = int(level.nums[0])
        low = level.name == "lowest"
        self.notes.append(
            f"'{at.text} {level.text}' read as {format_node(subject)} being the "
            f"{'lowest' if low else 'highest'} of the last {n} bars, this one "
            "included"
        )
        extreme = E.Indicator(name=level.name, source=source, params=(float(n),))
        return E.Compare(op="<=" if low else ">=", left=subject, right=extreme)

    def at_extreme_it(self, at: Tok, level: Opnd) -> Any:
        return self.at_extreme(Opnd("it"), at, level)

    def compare_pct(self, left: Opnd, pct: Tok, op: Tok, right: Opnd) -> Any:
        a, b = self._pair(left, right)
        if op.value not in ("gt", "lt", "ge", "le"):
            raise Ask(None)
        up = op.value in ("gt", "ge")
        factor = 1 + pct.value / 100 if up else 1 - pct.value / 100
        self.notes.append(
            f"'{pct.text} {op.text}' read as {OPS[op.value]} {factor:g} times the level"
        )
        return E.Compare(
            op=OPS[op.value],
            left=a,
            right=E.BinOp(op="*", left=b, right=E.Num(value=round(factor, 10))),
        )

    def cross(self, left: Opnd, cross: Tok, right: Opnd) -> Any:
        self._said(left)
        if _anaphora(left, right) and str(cross.value) not in ("any", "break"):
            direction = str(cross.value)
            if direction.endswith("~"):
                op = ">" if direction == "above~" else "<"
                self.notes.append(f"'{cross.text}' read as a level")
                return ItRef(op, resolve(right, None, self.notes))
            return ItRef(direction, resolve(right, None, self.notes))
        if _bare_it(left, right) and str(cross.value) in ("above", "below", "above~", "below~"):
            direction = str(cross.value)
            if direction.endswith("~"):  # "it falls below its signal line": a level
                direction = ">" if direction == "above~" else "<"
            return ItRef(direction, resolve(right, None, self.notes), price=True, text=cross.text)
        a, b = self._pair(left, right)
        direction = str(cross.value)
        if direction == "break":
            low = is_lower(right)
            if low is None:
                raise Ask(f"'{cross.text}' which way: above or below?")
            direction = "below~" if low else "above~"
        if direction == "any":
            return AnyCross(a, b, cross.text)
        if direction.endswith("~"):
            return self._moves(a, b, direction[:-1], cross.text)
        return E.Cross(direction=direction, left=a, right=b)

    def _moves(self, a: Any, b: Any, direction: str, text: str) -> Any:
        """ "rises above", "drops below": a level; one average going over another: a cross."""
        averages = all(
            isinstance(x, E.Indicator) and x.name in ("sma", "ema", "wma") for x in (a, b)
        )
        if averages:
            self.notes.append(f"'{text}' (one average over another) read as a cross")
            return E.Cross(direction=direction, left=a, right=b)
        self.notes.append(
            f"'{text}' read as a level: true on every bar {direction} it, not "
            "only the bar it gets there"
        )
        return E.Compare(op=">" if direction == "above" else "<", left=a, right=b)

    def cross_from(self, left: Opnd, cross: Tok, right: Opnd, side: Tok) -> Any:
        if cross.value not in ("any", str(side.value)):
            raise Ask(f"'{cross.text} ... {side.text}': which way does it cross?")
        return self.cross(left, Tok("CROSS", str(side.value), cross.text), right)

    def cross_of(self, cross: Tok, left: Opnd, op: Tok, right: Opnd) -> Any:
        """ "the crossover of the fast EMA above the slow EMA"."""
        direction = "above" if op.value in ("gt", "ge") else "below"
        if str(cross.value) not in ("any", direction):
            raise Ask(f"'{cross.text} ... {op.text}': which way does it cross?")
        return self.cross(left, Tok("CROSS", direction, f"{cross.text} {op.text}"), right)

    def cross_call(self, cross: Tok, _l: Tok, left: Opnd, _c: Tok, right: Opnd, _r: Tok) -> Any:
        """ "crossover(a, b)", "Cross(a, b)": a crosses b, upward unless the name says under."""
        direction = str(cross.value).rstrip("~")
        if direction not in ("above", "below"):
            direction = "above"
            self.notes.append(
                f"'{cross.text}(a, b)' read as a crossing above b, as trading platforms define it"
            )
        return self.cross(left, Tok("CROSS", direction, cross.text), right)

    def cross_it(self, cross: Tok, right: Opnd) -> Any:
        return self.cross(self._elided(cross, right), cross, right)

    def cross_open(self, left: Opnd, cross: Tok) -> Any:
        direction = str(cross.value).rstrip("~")
        return Mirror(left, None if direction in ("any", "break") else direction)

    def cross_bare(self, cross: Tok) -> Any:
        return self.cross_open(Opnd("it"), cross)

    def touch(self, left: Opnd, tok: Tok, right: Opnd) -> Any:
        low = is_lower(right)
        if low is None:
            raise Ask(
                f"'{tok.text}': should the bar's low reach it (from above) or its high "
                "(from below)?"
            )
        fld = "low" if low else "high"
        self.notes.append(f"'{tok.text}' read as the bar's {fld} reaching the level")
        level = resolve(right, left, self.notes)
        return E.Compare(op="<=" if low else ">=", left=E.FieldRef(name=fld), right=level)

    def touch_it(self, tok: Tok, right: Opnd) -> Any:
        return self.touch(Opnd("it"), tok, right)

    def between(self, x: Opnd, _b: Tok, lo: Opnd, _and: Tok, hi: Opnd) -> Any:
        if (
            lo.kind == "num"
            and hi.kind == "ind"
            and hi.name in ("sma", "ema", "wma", "ma")
            and len(lo.nums) == 1
        ):  # "between the 50 and 200 day moving averages"
            lo = Opnd("ind", hi.name, [lo.nums[0]], text=f"{lo.text} {hi.text}")
        a = resolve(x, lo, self.notes)
        low, high = resolve(lo, x, self.notes), resolve(hi, x, self.notes)
        return E.And(
            items=(E.Compare(op=">=", left=a, right=low), E.Compare(op="<=", left=a, right=high))
        )

    def within(self, x: Opnd, word: Tok, pct: Tok, level: Opnd) -> Any:
        """ "the close is within 1% of the 52-week high": no further than that from it."""
        if word.text.lower() != "within" or not 0 < pct.value < 100:
            raise Ask(None)
        a, b = self._pair(x, level)
        lo, hi = round(1 - pct.value / 100, 10), round(1 + pct.value / 100, 10)
        self.notes.append(
            f"'within {pct.text} of' read as between {lo:g} and {hi:g} times the level"
        )
        return E.And(
            items=(
                E.Compare(op=">=", left=a, right=E.BinOp(op="*", left=b, right=E.Num(value=lo))),
                E.Compare(op="<=", left=a, right=E.BinOp(op="*", left=b, right=E.Num(value=hi))),
            )
        )

    def in_range_part(self, x: Opnd, ext: Tok, pct: Tok, *rest: Tok) -> Any:
        """ "closes in the top 25% of the day's range": where the close sits in the bar."""
        expr = rest[-1]
        if (
            x.kind not in ("it", "field")
            or x.source not in (None, "close")
            or str(expr.value) != "high - low"
            or not 0 < pct.value < 100
        ):
            raise Ask(None)
        ibs = template("(close - low) / (high - low) > 0").left
        top = ext.value == "highest"
        level = round(1 - pct.value / 100 if top else pct.value / 100, 10)
        self.notes.append(
            f"'{ext.text} {pct.text} of the range' read as the close's place in "
            f"the bar's range {'>=' if top else '<='} {level:g}"
        )
        return E.Compare(op=">=" if top else "<=", left=ibs, right=E.Num(value=level))

    def slope_it(self, tok: Tok) -> Any:
        """ "the ADX is above 25 and rising": the subject said before it."""
        if self.subject is None:
            raise Ask(None)
        return self.slope(self.subject, tok)

    def slope(self, x: Opnd, tok: Tok) -> Any:
        if str(tok.value).startswith("gap"):
            raise Ask(
                f"'{tok.text}' by how much, and above what: e.g. 'gaps up 2%' (the open "
                "against the previous close)?"
            )
        node = resolve(x, None, self.notes)
        up = tok.value == "up"
        self.notes.append(f"'{tok.text}' read as {'higher' if up else 'lower'} than one bar before")
        return E.Compare(op=">" if up else "<", left=node, right=lagged(node, 1))

    def move(self, *args: Any) -> Any:
        return self._move(args)

    def move_pct_first(self, *args: Any) -> Any:
        return self._move(args)

    def _move(self, args: tuple[Any, ...]) -> Any:
        subject = next((a for a in args if isinstance(a, Opnd)), None)
        if (
            subject is not None
            and subject.kind not in ("it", "field")
            or subject is not None
            and subject.source not in (None, "close")
        ):
            raise Ask(None)
        toks = [a for a in args if isinstance(a, Tok)]
        move = next(t for t in toks if t.kind == "MOVE")
        pct = next(t for t in toks if t.kind == "PCT")
        period = next((t for t in toks if t.kind == "PERIOD"), None)
        bars = period_bars(period, self.notes) if period is not None else 1
        gap = str(move.value).startswith("gap")
        if gap and period is not None:
            raise Ask(None)
        if gap:
            self.notes.append(
                f"'{move.text} {pct.text}' read as the open against the previous close"
            )
        elif period is None:
            self.notes.append(
                f"'{move.text} {pct.text}' read as the close against the previous close (one bar)"
            )
        up = move.value in ("up", "gapup")
        strict = any(t.kind == "CMP" and t.value in ("gt", "lt") for t in toks)
        factor = round(1 + pct.value / 100 if up else 1 - pct.value / 100, 10)
        past = lagged(E.FieldRef(name="close"), bars)
        return E.Compare(
            op=(">" if strict else ">=") if up else ("<" if strict else "<="),
            left=E.FieldRef(name="open" if gap else "close"),
            right=E.BinOp(op="*", left=past, right=E.Num(value=factor)),
        )

    def move_row(self, *args: Any) -> Any:
        toks = [a for a in args if isinstance(a, Tok)]
        move = next(t for t in toks if t.kind == "MOVE")
        period = next(t for t in toks if t.kind == "PERIOD")
        if str(move.value).startswith("gap"):
            raise Ask(None)
        base = template("close > close[1]" if move.value == "up" else "close < close[1]")
        return repeat(base, period_bars(period, []))

    def pattern(self, tok: Tok) -> Any:
        return template(str(tok.value))

    def pattern_before(self, lag: Tok, tok: Tok) -> Any:
        """ "yesterday was an inside day": the shape one bar before."""
        return lagged(template(str(tok.value)), lag.value if isinstance(lag.value, int) else 1)

    def compare_open(self, left: Opnd, op: Tok) -> Any:
        if left.kind != "it" or op.value not in OPS:
            raise Ask(None)
        return OpenCompare(left, OPS[op.value])

    def pattern_n(self, *args: Tok) -> Any:
        n = next(t for t in args if t.kind == "NUM")
        if n.value != int(n.value):
            raise Ask(None)
        pat = next(t for t in args if t.kind == "PATTERN")
        return repeat(template(str(pat.value)), int(n.value))

    def pattern_row(self, pat: Tok, period: Tok, _row: Tok) -> Any:
        return repeat(template(str(pat.value)), period_bars(period, []))

    def repeat_first(self, period: Tok, _row: Tok, atom: Any) -> Any:
        return repeat(atom, period_bars(period, []))

    def repeat_count(self, num: Tok, _row: Tok, atom: Any) -> Any:
        """ "3 consecutive closes below the 20-day SMA"."""
        if num.value != int(num.value):
            raise Ask(None)
        return repeat(atom, int(num.value))

    def repeat(self, atom: Any, a: Tok, b: Tok) -> Any:
        period = a if a.kind == "PERIOD" else b
        return repeat(atom, period_bars(period, []))

    def ago(self, atom: Any, period: Tok, _ago: Tok) -> Any:
        if not isinstance(atom, (E.Compare, E.Cross, E.And, E.Or, E.Not)):
            raise Ask(None)
        return lagged(atom, period_bars(period, self.notes))

    def time_mark(self, _after: Tok, period: Tok) -> Any:
        if "next" in period.text.lower() or "following" in period.text.lower():
            self.notes.append(f"'{period.text}' read as a holding limit of one bar")
        return TimeMark(period_bars(period, self.notes))

    def time_mark_after(self, period: Tok, _after: Tok) -> Any:
        return TimeMark(period_bars(period, self.notes))

    def not_(self, _not: Tok, atom: Any) -> Any:
        if not isinstance(atom, (E.Compare, E.Cross, E.And, E.Or, E.Not)):
            raise Ask(None)
        return E.Not(item=atom)

    def and_(self, a: Any, _t: Tok, b: Any) -> Any:
        return ("and", a, b)

    def then_(self, a: Any, then: Tok, b: Any) -> Any:
        """ "A then B": a comparison then its opposite on the same line ("RSI > 70 then RSI <
        70", "drops below 30 and then crosses back above 30") is the cross back through that
        line; any other sequence is asked (how far apart is not said)."""
        nodes = (E.Compare, E.Cross)
        if not isinstance(a, nodes) or not isinstance(b, nodes):
            raise Ask(None)
        ops = {">": "above", ">=": "above", "<": "below", "<=": "below"}
        first = a.direction if isinstance(a, E.Cross) else ops[a.op]
        second = b.direction if isinstance(b, E.Cross) else ops[b.op]
        if a.left == b.left and a.right == b.right and first != second:
            self.notes.append(
                f"'{format_node(a)} {then.text} {format_node(b)}' read as "
                f"crossing {second} the line: {format_node(b.left)} crosses "
                f"{second} {format_node(b.right)}"
            )
            return E.Cross(direction=second, left=b.left, right=b.right)
        raise Ask(
            f"'{format_node(a)} {then.text} {format_node(b)}': how many bars after the "
            "first should the second hold (e.g. 'the next bar'), or should both hold on "
            "the same bar?"
        )

    def or_(self, a: Any, _t: Tok, b: Any) -> Any:
        return ("or", a, b)

    # ----- operands ------------------------------------------------------------------------
    def indicator(self, *toks: Tok) -> Opnd:
        op = indicator([t for t in toks if t.kind != "SPEED"], self.notes)
        speed = next((t for t in toks if t.kind == "SPEED"), None)
        if speed is not None and not op.nums:
            op.nums = [float(self._speed(speed, op.text or op.name))]
        said = self.speeds.get(f"ind:{op.name}")
        if not op.nums and speed is None and said is not None:
            op.nums = [float(said)]  # "the 5-day RSI ... or when RSI is over 80"
            self.notes.append(f"'{op.text}' read as the {op.name.upper()}({said}) the text names")
        return op

    def speed_only(self, tok: Tok) -> Opnd:
        return Opnd("period", nums=[float(self._speed(tok, "average"))], text=tok.text)

    def _speed(self, tok: Tok, what: str) -> int:
        """ "the fast SMA": the length the text gives the fast one (or the shorter of two)."""
        bars = self.speeds.get(str(tok.value))
        if bars is None:
            raise Ask(f"Which length is the {tok.value} {what}? e.g. 'the 10-day {what}'.")
        self.notes.append(f"the {tok.value} {what} is the {bars}-bar one the text gives")
        return bars

    def args(self, *toks: Tok) -> Tok:
        return Tok("ARGS", [t for t in toks if t.kind not in ("LPAR", "RPAR", "COMMA")])

    def field(self, tok: Tok) -> Opnd:
        return Opnd("field", source=str(tok.value), text=tok.text)

    def lag_field(self, a: Tok, b: Tok) -> Opnd:
        f = a if a.kind == "FIELD" else b
        return Opnd("field", source=str(f.value), lag=1, text=f"{a.text} {b.text}")

    def lag_indicator(self, _lag: Tok, *rest: Tok) -> Opnd:
        op = indicator(list(rest), self.notes)
        op.lag = 1
        return op

    def its(self, _its: Tok, inner: Opnd) -> Opnd:
        return Opnd("its", inner=inner, text=f"its {inner.text}")

    def number(self, tok: Tok) -> Opnd:
        return Opnd("num", nums=[float(tok.value)], text=tok.text)

    def percent(self, tok: Tok) -> Opnd:
        """ "the 20-day rate of change is above 5%": a level on a percent scale."""
        return Opnd("pct", nums=[float(tok.value)], text=tok.text)

    def it(self, tok: Tok) -> Opnd:
        if tok.text.lower() in ("price", "the price", "prices"):
            self.notes.append(f"'{tok.text}' read as the close")
        return Opnd("it", text=tok.text)

    def bare_period(self, tok: Tok) -> Opnd:
        return Opnd("period", nums=[float(period_bars(tok, self.notes))], text=tok.text)

    def channel(self, period: Tok, *rest: Tok) -> Opnd:
        return self._channel(period, list(rest))

    def channel_after(self, *toks: Tok) -> Opnd:
        period = next(t for t in toks if t.kind == "PERIOD")
        return self._channel(period, [t for t in toks if t.kind != "PERIOD"])

    def channel_unsaid(self, ext: Tok, fld: Tok) -> Opnd:
        raise Ask(f"'{ext.text} {fld.text}' over how many bars? e.g. 'the 20-day high'.")

    def _channel(self, period: Tok, rest: list[Tok]) -> Opnd:
        ext = next((t for t in rest if t.kind == "EXTREME"), None)
        fld = next((t for t in rest if t.kind == "FIELD"), None)
        if ext is None:
            if fld is None or fld.value not in ("high", "low"):
                raise Ask(None)
            name = "highest" if fld.value == "high" else "lowest"
        else:
            name = str(ext.value)
        text = " ".join(t.text for t in [period, *rest])
        return Opnd(
            "channel",
            name,
            [float(period_bars(period, self.notes))],
            source=str(fld.value) if fld and ext is not None else None,
            text=text,
        )

    def expression(self, tok: Tok) -> Opnd:
        return Opnd("expr", name=str(tok.value), text=tok.text)

    def output_only(self, tok: Tok) -> Opnd:
        return Opnd("out", output=str(tok.value), text=tok.text)

    def output_period(self, *toks: Tok) -> Opnd:
        """ "its 9-day signal line": that line of the indicator in play, with its length."""
        period, out = toks[-2], toks[-1]
        return Opnd(
            "out",
            output=str(out.value),
            nums=[float(period_bars(period, self.notes))],
            text=f"{period.text} {out.text}",
        )

    def times(self, num: Tok, _s: Tok, term: Opnd) -> Opnd:
        return Opnd("times", scale=float(num.value), inner=term, text=f"{num.text}x")

    def times_after(self, term: Opnd, _s: Tok, num: Tok) -> Opnd:
        return Opnd("times", scale=float(num.value), inner=term, text=f"{num.text}x")
