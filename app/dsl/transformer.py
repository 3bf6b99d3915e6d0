"""Lark tree of one statement -> spec parts, checking names, arity and parameter ranges.

Positions are kept beside the (position-free, comparable) spec models so that a problem
found later can still be shown at its line and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from app.dsl.lark_runtime import Token, Transformer_NonRecursive, v_args
from app.indicators.catalog import CATALOG, PRICE_FIELDS
from app.spec import expr as E
from app.spec import universes
from app.spec.models import AGENTS, REGIMES, TIMEFRAMES

RESERVED = frozenset(
    {
        "and",
        "or",
        "not",
        "crosses",
        "above",
        "below",
        "atr",
        "of",
        "equity",
        "risk",
        "shares",
        "share",
        "units",
        "unit",
        "usd",
        "dollars",
        "in",
        "step",
        "bars",
        "bar",
        "where",
        "rank",
        "by",
        "top",
        "ascending",
        "descending",
        "when",
        "param",
    }
)
"""Words a parameter may not be named: they could be read as part of the statement."""

CONDITION_KINDS = (E.Compare, E.Cross, E.And, E.Or, E.Not)
MAX_DEPTH = 100
"""How deeply expressions and conditions may nest; deeper ones would exhaust the stack of
the recursive code that prints, compares and serialises specs."""
MAX_LAG = 10_000
"""The longest lag, as :class:`~app.spec.expr.Lag` allows."""

_REGIME_WORDS: dict[str, tuple[str, ...]] = {
    "trending": ("trending_up", "trending_down"),
    "any": REGIMES,
    "all": REGIMES,
}
"""The words that stand for several regimes in ``regime allow``."""

N = TypeVar("N")
Logic = TypeVar("Logic", E.And, E.Or)


@dataclass(frozen=True)
class Pos:
    line: int
    column: int
    length: int = 1


class LocatedError(Exception):
    """A problem at a position inside the statement being transformed."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass
class Stmt:
    """One parsed statement: which part of the spec it sets, and where it stands."""

    key: str
    value: Any
    pos: Pos
    indicators: list[tuple[E.Indicator, Pos]] = field(default_factory=list)
    source: tuple[str, int, frozenset[str]] = ("", 1, frozenset())
    """The statement's text, first line and the file's parameters, to parse it again with
    positions."""


def _pos_of(meta_or_token: Any) -> Pos:
    if isinstance(meta_or_token, Token):
        # A lexed token always has its place; Lark types it optional for hand-made ones.
        return Pos(meta_or_token.line or 1, meta_or_token.column or 1, max(1, len(meta_or_token)))
    meta = meta_or_token
    if getattr(meta, "empty", False):
        return Pos(1, 1)
    length = meta.end_column - meta.column if meta.line == meta.end_line else 1
    return Pos(meta.line, meta.column, max(1, length))


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    import difflib  # only a misspelt word needs it

    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _cond_or_fail(node: Any, pos: Pos, where: str) -> Any:
    if not isinstance(node, CONDITION_KINDS):
        raise LocatedError(
            f"{where} needs a condition such as `close > sma(close, 20)`, not a bare value", pos
        )
    return node


def _expr_or_fail(node: Any, pos: Pos, where: str) -> Any:
    if isinstance(node, CONDITION_KINDS):
        raise LocatedError(f"{where} needs a number or series, not a condition", pos)
    return node


@v_args(meta=True, inline=True)
class StatementTransformer(Transformer_NonRecursive[Token, Stmt]):
    """Builds spec parts from the tree of one statement.

    Non-recursive, so that a statement nested thousands of levels deep gets a located error
    (see :data:`MAX_DEPTH`) rather than a RecursionError.
    """

    def __init__(self, params: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.params = params
        """The parameters the file declares (by lower-case name), wherever it declares them."""
        self.positions: dict[int, Pos] = {}
        self.depths: dict[int, int] = {}
        self._nodes: list[Any] = []
        """Every node seen, kept alive so that the ids above are never reused."""
        self.indicators: list[tuple[E.Indicator, Pos]] = []

    def _at(self, node: N, meta: Any) -> N:
        pos = _pos_of(meta)
        children = _CHILDREN.get(type(node))
        if children is not None:
            depths = self.depths
            depth = 1 + max([depths.get(id(c), 1) for c in children(node)], default=0)
            if depth > MAX_DEPTH:
                raise LocatedError(
                    f"this expression nests more than {MAX_DEPTH} levels deep; simplify it", pos
                )
            depths[id(node)] = depth
        self.positions[id(node)] = pos
        self._nodes.append(node)
        return node

    def pos(self, node: Any, fallback: Pos) -> Pos:
        return self.positions.get(id(node), fallback)

    # ----- expressions -------------------------------------------------------------------
    def number(self, meta: Any, tok: Token) -> E.Num:
        value = float(tok)
        if not math.isfinite(value):
            raise LocatedError("this number is too large", _pos_of(tok))
        return self._at(E.Num(value=value), tok)

    def name(self, meta: Any, tok: Token) -> E.FieldRef | E.ParamRef:
        word = str(tok).lower()
        if word in self.params and word not in PRICE_FIELDS:
            return self._at(E.ParamRef(name=word), tok)
        if word in PRICE_FIELDS:
            return self._at(E.FieldRef(name=cast(E.PriceField, word)), tok)
        if word in CATALOG:
            raise LocatedError(
                f"{word} is an indicator: write it with arguments, e.g. {_example_call(word)}",
                _pos_of(tok),
            )
        raise LocatedError(
            f"unknown name '{tok}'{_suggest(word, [*PRICE_FIELDS, *CATALOG])} "
            f"(price fields are {', '.join(PRICE_FIELDS)})",
            _pos_of(tok),
        )

    def call(self, meta: Any, tok: Token, *args: Any) -> E.Indicator:
        word = str(tok).lower()
        pos = _pos_of(meta)
        definition = CATALOG.get(word)
        if definition is None:
            hint = " (price fields take no arguments)" if word in PRICE_FIELDS else ""
            raise LocatedError(
                f"unknown indicator '{tok}'{_suggest(word, list(CATALOG))}{hint}", _pos_of(tok)
            )
        given = [a for a in args if a is not None]
        source = None
        if definition.takes_source:
            source = E.FieldRef(name="close")
            if given and not isinstance(given[0], (E.Num, E.ParamRef)):
                first = given.pop(0)
                source = _expr_or_fail(first, self.pos(first, pos), f"the source of {word}")
        params = self._params(word, given, pos)
        node = E.Indicator(
            name=word, source=source, params=params, output=definition.default_output
        )
        self.indicators.append((node, pos))
        return self._at(node, meta)

    def _params(self, word: str, given: list[Any], pos: Pos) -> tuple[Any, ...]:
        definition = CATALOG[word]
        if len(given) > len(definition.params):
            raise LocatedError(
                f"{word} takes at most {len(definition.params)} parameter(s) "
                f"({', '.join(p.name for p in definition.params)}); got {len(given)}",
                pos,
            )
        values: list[Any] = []
        for i, param in enumerate(definition.params):
            if i >= len(given):
                values.append(float(param.default))
                continue
            arg = given[i]
            arg_pos = self.pos(arg, pos)
            if isinstance(arg, E.ParamRef):
                values.append(arg)  # its range is held to the parameter's bounds later
                continue
            if not isinstance(arg, E.Num):
                raise LocatedError(f"the {param.name} of {word} must be a number", arg_pos)
            value = arg.value
            if param.integer and value != int(value):
                raise LocatedError(f"the {param.name} of {word} must be a whole number", arg_pos)
            if not param.low <= value <= param.high:
                raise LocatedError(
                    f"the {param.name} of {word} must be between {param.low:g} and "
                    f"{param.high:g}; got {value:g}",
                    arg_pos,
                )
            values.append(float(value))
        if (
            word == "macd"
            and all(isinstance(v, float) for v in values[:2])
            and values[0] >= values[1]
        ):
            raise LocatedError("macd's fast period must be shorter than its slow period", pos)
        return tuple(values)

    def output(self, meta: Any, node: Any, tok: Token) -> E.Indicator:
        word = str(tok).lower()
        indicator = node if isinstance(node, E.Indicator) else None
        definition = CATALOG.get(indicator.name) if indicator is not None else None
        if indicator is None or definition is None or not definition.outputs:
            raise LocatedError(
                f"'.{tok}' picks an output, but only indicators with several "
                "outputs (macd, bollinger, stoch) have them",
                _pos_of(tok),
            )
        if word not in definition.outputs:
            raise LocatedError(
                f"{indicator.name} has no output '{tok}'; its outputs are "
                f"{', '.join(definition.outputs)}",
                _pos_of(tok),
            )
        new = indicator.model_copy(update={"output": word})
        self.indicators = [(new if n is node else n, p) for n, p in self.indicators]
        return self._at(new, meta)

    def lag(self, meta: Any, node: Any, tok: Token) -> E.Lag:
        bars = _int(tok)
        if bars < 1:
            raise LocatedError("a lag counts bars back and must be at least [1]", _pos_of(tok))
        inner = _expr_or_fail(node, _pos_of(meta), "[n]")
        if isinstance(inner, E.Num):
            raise LocatedError(
                "a number has no earlier bars; [n] goes after a series", _pos_of(meta)
            )
        if isinstance(inner, E.Lag):
            bars += inner.bars
            inner = inner.expr
        if bars > MAX_LAG:
            raise LocatedError(f"a lag goes back at most [{MAX_LAG}] bars", _pos_of(tok))
        return self._at(E.Lag(expr=inner, bars=bars), meta)

    def neg(self, meta: Any, node: Any) -> Any:
        inner = _expr_or_fail(node, _pos_of(meta), "-")
        if isinstance(inner, E.Num):
            return self._at(E.Num(value=-inner.value), meta)
        return self._at(E.Neg(expr=inner), meta)

    def binop(self, meta: Any, left: Any, op: Token, right: Any) -> E.BinOp:
        pos = _pos_of(meta)
        # The grammar's operator tokens are exactly the spec's operators.
        node = E.BinOp(
            op=cast(E.ArithOp, str(op)),
            left=_expr_or_fail(left, self.pos(left, pos), str(op)),
            right=_expr_or_fail(right, self.pos(right, pos), str(op)),
        )
        return self._at(node, meta)

    def compare(self, meta: Any, left: Any, op: Token, right: Any) -> E.Compare:
        pos = _pos_of(meta)
        left = _expr_or_fail(left, self.pos(left, pos), f"'{op}'")
        right = _expr_or_fail(right, self.pos(right, pos), f"'{op}'")
        if isinstance(left, E.Num) and isinstance(right, E.Num):
            raise LocatedError(
                "this compares two numbers, so it never changes; compare a price or an indicator",
                pos,
            )
        return self._at(E.Compare(op=cast(E.CompareOp, str(op)), left=left, right=right), meta)

    def cross(self, meta: Any, left: Any, direction: Token, right: Any) -> E.Cross:
        pos = _pos_of(meta)
        left = _expr_or_fail(left, self.pos(left, pos), "crosses")
        right = _expr_or_fail(right, self.pos(right, pos), "crosses")
        if isinstance(left, E.Num):
            raise LocatedError(
                "a number cannot cross anything; put the series first, "
                "e.g. rsi(close, 14) crosses above 30",
                pos,
            )
        side = cast(E.CrossDirection, str(direction))
        return self._at(E.Cross(direction=side, left=left, right=right), meta)

    def _logic(self, meta: Any, cls: type[Logic], items: tuple[Any, ...], word: str) -> Logic:
        pos = _pos_of(meta)
        flat: list[Any] = []
        for item in items:
            item = _cond_or_fail(item, self.pos(item, pos), f"'{word}'")
            flat.extend(item.items if isinstance(item, cls) else [item])
        return self._at(cls(items=tuple(flat)), meta)

    def and_(self, meta: Any, *items: Any) -> E.And:
        return self._logic(meta, E.And, items, "and")

    def or_(self, meta: Any, *items: Any) -> E.Or:
        return self._logic(meta, E.Or, items, "or")

    def not_(self, meta: Any, item: Any) -> E.Not:
        return self._at(E.Not(item=_cond_or_fail(item, _pos_of(meta), "'not'")), meta)

    # ----- statements --------------------------------------------------------------------
    def _stmt(self, key: str, value: Any, meta: Any) -> Stmt:
        return Stmt(key, value, _pos_of(meta), self.indicators)

    def strategy(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("name", _unquote(tok), meta)

    def symbol(self, meta: Any, tok: Token) -> str:
        return self._at(str(tok).upper(), tok)

    def universe(self, meta: Any, *symbols: str) -> Stmt:
        named = [s for s in symbols if s.lower() in universes.names()]
        if named and len(symbols) == 1:  # `universe sp500`: a named, bundled universe
            name = named[0].lower()
            return self._stmt("universe", (name, universes.symbols(name)), meta)
        if named:
            raise LocatedError(
                f"{named[0].lower()} is a named universe: write "
                f"`universe {named[0].lower()}` on its own line, without "
                "other symbols",
                self.pos(named[0], _pos_of(meta)),
            )
        return self._stmt("universe", tuple(symbols), meta)

    def screen(self, meta: Any, flt: Any, rank: Any, order: Token | None, top: Any) -> Stmt:
        pos = _pos_of(meta)
        if flt is not None:
            flt = _cond_or_fail(flt, self.pos(flt, pos), "screen where")
        rank = _expr_or_fail(rank, self.pos(rank, pos), "rank by")
        value = {
            "filter": flt,
            "rank_by": rank,
            "descending": str(order or "descending") == "descending",
            "top": top,
        }
        return self._stmt("screen", value, meta)

    def timeframe(self, meta: Any, tok: Token) -> Stmt:
        word = str(tok).lower()
        aliases = {
            "1day": "1d",
            "1hour": "1h",
            "60m": "1h",
            "240m": "4h",
            "1min": "1m",
            "1wk": "1w",
            "1week": "1w",
            "1month": "1mo",
        }
        word = aliases.get(word, word)
        if word not in TIMEFRAMES:
            raise LocatedError(
                f"unknown timeframe '{tok}'; use one of {', '.join(TIMEFRAMES)}", _pos_of(tok)
            )
        return self._stmt("timeframe", word, meta)

    def direction(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("direction", str(tok), meta)

    def entry(self, meta: Any, side: Token, cond: Any) -> Stmt:
        cond = _cond_or_fail(cond, self.pos(cond, _pos_of(meta)), f"'{side} when'")
        return self._stmt(f"{side}_entry", cond, meta)

    def exit(self, meta: Any, side: Token | None, cond: Any) -> Stmt:
        cond = _cond_or_fail(cond, self.pos(cond, _pos_of(meta)), "'exit when'")
        return self._stmt(f"{side}_exit" if side else "exit", cond, meta)

    # ----- numbers that may be parameters ------------------------------------------------
    def number_value(self, meta: Any, tok: Token) -> float:
        value = float(tok)
        if not math.isfinite(value):
            raise LocatedError("this number is too large", _pos_of(tok))
        return value

    def whole_value(self, meta: Any, tok: Token) -> int:
        return _int(tok)

    def pct_param(self, meta: Any, tok: Token) -> E.ParamRef:
        return self._param_ref(tok, "a percentage like 2%", "2% in 1%..5% step 0.5%")

    def number_param(self, meta: Any, tok: Token) -> E.ParamRef:
        return self._param_ref(tok, "a number", "10 in 5..50 step 5")

    def whole_param(self, meta: Any, tok: Token) -> E.ParamRef:
        return self._param_ref(tok, "a whole number", "10 in 5..50 step 5")

    def _param_ref(self, tok: Token, expected: str, example: str) -> E.ParamRef:
        word = str(tok).lower()
        if word not in self.params:
            also = (
                f"{_suggest(word, sorted(self.params))}; expected {expected} or a "
                f"parameter (declare it as `param {word} = {example}`)"
                if self.params
                else f"; expected {expected}"
            )
            raise LocatedError(f"unexpected '{tok}'{also}", _pos_of(tok))
        return E.ParamRef(name=word)

    def pvalue(
        self, meta: Any, minus: Token | None, tok: Token, percent: Token | None
    ) -> tuple[float, bool]:
        value = self.number_value(meta, tok)
        return (-value if minus is not None else value), percent is not None

    def param(self, meta: Any, tok: Token, *values: tuple[float, bool]) -> Stmt:
        word = str(tok).lower()
        if word in RESERVED or word in PRICE_FIELDS or word in CATALOG:
            kind = (
                "a price field"
                if word in PRICE_FIELDS
                else "an indicator"
                if word in CATALOG
                else "a word of the language"
            )
            raise LocatedError(
                f"a parameter cannot be called '{tok}': it is {kind}; pick another name",
                _pos_of(tok),
            )
        if len({pct for _, pct in values}) > 1:
            raise LocatedError(f"write every value of {word} with % or none of them", _pos_of(meta))
        (default, pct), (low, _), (high, _), (step, _) = values
        value = {
            "name": word,
            "default": default,
            "low": low,
            "high": high,
            "step": step,
            "pct": pct,
        }
        return self._stmt(f"params.{word}", value, meta)

    # ----- levels, sizes, caps -----------------------------------------------------------
    def pct_level(self, meta: Any, value: Any) -> dict[str, Any]:
        return {"pct": value}

    def atr_level(self, meta: Any, value: Any, period: Any) -> dict[str, Any]:
        return {"atr": value, "period": period if period is not None else 14}

    def stop_loss(self, meta: Any, level: dict[str, Any]) -> Stmt:
        return self._stmt("stop_loss", level, meta)

    def take_profit(self, meta: Any, level: dict[str, Any]) -> Stmt:
        return self._stmt("take_profit", level, meta)

    def trailing_stop(self, meta: Any, level: dict[str, Any]) -> Stmt:
        return self._stmt("trailing_stop", level, meta)

    def max_hold(self, meta: Any, value: Any, _bars: Token) -> Stmt:
        return self._stmt("max_hold_bars", value, meta)

    def size_pct_equity(self, meta: Any, value: Any) -> dict[str, Any]:
        return {"kind": "pct_equity", "value": value}

    def size_risk_pct(self, meta: Any, value: Any) -> dict[str, Any]:
        return {"kind": "risk_pct", "value": value}

    def size_fixed_usd(self, meta: Any, value: Any, _unit: Token | None = None) -> dict[str, Any]:
        return {"kind": "fixed_usd", "value": value}

    def size_fixed_shares(self, meta: Any, value: Any, _unit: Token) -> dict[str, Any]:
        return {"kind": "fixed_shares", "value": value}

    def size(self, meta: Any, sizing: dict[str, Any]) -> Stmt:
        return self._stmt("sizing", sizing, meta)

    def max_positions(self, meta: Any, value: Any) -> Stmt:
        return self._stmt("max_positions", value, meta)

    def regime_allow(self, meta: Any, *names: Token) -> Stmt:
        allowed: list[str] = []
        for tok in names:
            word = str(tok).lower()
            expanded = _REGIME_WORDS.get(word, (word,))
            for regime in expanded:
                if regime not in REGIMES:
                    known = f"{', '.join(REGIMES)} (or trending, any)"
                    hint = _suggest(word, REGIMES)
                    raise LocatedError(
                        f"unknown regime '{tok}'"
                        + (f"{hint} The regimes: {known}" if hint else f"; use {known}"),
                        _pos_of(tok),
                    )
                if regime not in allowed:
                    allowed.append(regime)
        return self._stmt("regime.allow", tuple(allowed), meta)

    def regime_transition(self, meta: Any, action: Token, points: Token | None) -> Stmt:
        if str(action) != "raise" and points is not None:
            raise LocatedError(f"'{action}' takes no number; only 'raise N' does", _pos_of(points))
        value: dict[str, Any] = {"transition": str(action)}
        if points is not None:
            value["transition_raise"] = _int(points)
        return self._stmt("regime.transition", value, meta)

    def regime_benchmark(self, meta: Any, symbol: str) -> Stmt:
        return self._stmt("regime.benchmark", symbol, meta)

    def agents(self, meta: Any, *names: Token) -> Stmt:
        team: list[str] = []
        for tok in names:
            word = str(tok).lower()
            expanded = list(AGENTS) if word in ("all", "full") else [word]
            for agent in expanded:
                if agent not in AGENTS:
                    raise LocatedError(
                        f"unknown agent '{tok}'{_suggest(word, AGENTS)}; the "
                        f"team is {', '.join(AGENTS)}",
                        _pos_of(tok),
                    )
                if agent not in team:
                    team.append(agent)
        return self._stmt("agents.team", tuple(team), meta)

    def debate(self, meta: Any, tok: Token, _rounds: Token) -> Stmt:
        return self._stmt("agents.debate_rounds", _int(tok), meta)

    def min_conviction(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("agents.min_conviction", _int(tok), meta)

    def max_daily_loss(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("limits.daily_loss_pct", float(tok), meta)

    def max_drawdown(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("limits.max_drawdown_pct", float(tok), meta)

    def max_exposure(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("limits.max_exposure_pct", float(tok), meta)

    def max_position(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("limits.max_position_pct", float(tok), meta)

    def circuit_breaker(self, meta: Any, tok: Token, bars: Token | None, _b: Any = None) -> Stmt:
        value = {"move_pct": float(tok), "bars": _int(bars) if bars is not None else 1}
        return self._stmt("limits.circuit_breaker", value, meta)

    def question(self, meta: Any, tok: Token) -> Stmt:
        return self._stmt("questions", _unquote(tok), meta)


def _int(tok: Token) -> int:
    """A whole-number token; one too long for any limit is an error here (Python refuses to
    convert more than 4,300 digits)."""
    if len(str(tok).lstrip("0")) > 18:
        raise LocatedError("this number is too large", _pos_of(tok))
    return int(tok)


def _pair(node: Any) -> tuple[Any, ...]:
    return (node.left, node.right)


_CHILDREN: dict[type, Callable[[Any], Iterable[Any]]] = {
    E.BinOp: _pair,
    E.Compare: _pair,
    E.Cross: _pair,
    E.And: lambda node: node.items,
    E.Or: lambda node: node.items,
    E.Lag: lambda node: (node.expr,),
    E.Neg: lambda node: (node.expr,),
    E.Not: lambda node: (node.item,),
    E.Indicator: lambda node: (node.source,) if node.source is not None else (),
}
"""The expressions and conditions directly inside each kind of compound node."""


def _unquote(tok: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(tok)[1:-1])


def _example_call(word: str) -> str:
    definition = CATALOG[word]
    args = ["close"] if definition.takes_source else []
    args += [f"{p.default:g}" for p in definition.params]
    return f"{word}({', '.join(args)})"
