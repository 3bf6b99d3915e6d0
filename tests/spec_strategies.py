"""Hypothesis strategies for valid strategy specs in normal form (what the parser produces).

Normal form: ``and``/``or`` items are flat (no And directly in And, no Or in Or); no
comparison of two numbers and no self-comparison; negative numbers are ``Num(-x)``, never
``Neg(Num)``; no ``Lag(Lag)`` and no lag of a number; every indicator has all its parameters,
its default or a named output, and a non-number source exactly when it takes one;
intraday-only indicators only on intraday timeframes; the direction follows the rules; an
exit only for a side with an entry; every float finite. :func:`specs` draws mostly valid
specs and keeps only those with ``check_spec(spec) == []``.
"""

from __future__ import annotations

import copy
import math
import string
from functools import cache

from hypothesis import assume
from hypothesis import strategies as st

from app.indicators.catalog import CATALOG, PRICE_FIELDS, IndicatorDef
from app.spec import expr as E
from app.spec.checks import check_spec
from app.spec.models import (
    AGENTS,
    REGIMES,
    TIMEFRAMES,
    AgentsSpec,
    AtrLevel,
    CircuitBreaker,
    Limits,
    PctLevel,
    RegimeSpec,
    Screen,
    Sizing,
    StrategySpec,
)

MAX_DEPTH = 2
"""How deep expressions and conditions nest (a few levels find the printer's bugs)."""

# ----- numbers ----------------------------------------------------------------------------


@cache
def positive(high: float) -> st.SearchStrategy[float]:
    """A finite float in (0, high]: mostly round numbers, sometimes any float."""
    return st.one_of(
        st.integers(1, int(high)).map(float),
        st.integers(1, int(high * 100)).map(lambda i: i / 100),
        st.floats(
            min_value=0,
            max_value=high,
            exclude_min=True,
            allow_nan=False,
            allow_infinity=False,
            allow_subnormal=False,
        ),
    )


@cache
def small_int(low: int, high: int) -> st.SearchStrategy[int]:
    """An int in [low, high], mostly near ``low``."""
    return st.one_of(st.integers(low, min(high, low + 60)), st.integers(low, high))


numbers = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.integers(-100_000, 100_000).map(lambda i: i / 100),
    st.floats(
        min_value=-1e12,
        max_value=1e12,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    ),
    st.sampled_from([0.5, 1e-6, 2.5e20, -3e-9, 1e15, 123456789012345.6, 1e16]),
).map(lambda v: E.Num(value=v))

fields = st.sampled_from(PRICE_FIELDS).map(lambda name: E.FieldRef(name=name))

# ----- expressions ------------------------------------------------------------------------


@st.composite
def _macd_params(draw: st.DrawFn) -> tuple[float, ...]:
    """fast < slow, both in [2, 10000], and a signal period."""
    a, b = draw(small_int(2, 10_000)), draw(small_int(2, 10_000))
    fast, slow = min(a, b), max(a, b)
    if fast == slow:
        fast, slow = (fast - 1, slow) if fast > 2 else (fast, slow + 1)
    return (float(fast), float(slow), float(draw(small_int(1, 10_000))))


def _param_values(definition: IndicatorDef) -> st.SearchStrategy[tuple[float, ...]]:
    """Every parameter, each within its range (whole numbers where the catalog says so)."""
    if definition.name == "macd":
        return _macd_params()
    parts = []
    for param in definition.params:
        if param.integer:
            parts.append(small_int(int(param.low), int(param.high)).map(float))
        else:
            parts.append(
                st.one_of(
                    st.integers(int(param.low * 100), int(param.high * 100)).map(lambda i: i / 100),
                    st.floats(min_value=param.low, max_value=param.high, allow_nan=False),
                )
            )
    return st.tuples(*parts)


def indicators(source: st.SearchStrategy, intraday: bool) -> st.SearchStrategy[E.Indicator]:
    """Every catalog indicator (intraday-only ones only when ``intraday``); ``source`` draws
    the series of those that take one."""
    options = []
    for definition in CATALOG.values():
        if definition.intraday_only and not intraday:
            continue
        output = st.sampled_from(definition.outputs) if definition.outputs else st.none()
        options.append(
            st.builds(
                E.Indicator,
                name=st.just(definition.name),
                source=source if definition.takes_source else st.none(),
                params=_param_values(definition),
                output=output,
            )
        )
    return st.one_of(options)


@cache
def series(depth: int = MAX_DEPTH, intraday: bool = False, lag: bool = True) -> st.SearchStrategy:
    """Expressions that are not a bare number (what may be lagged, negated, or be a source).

    ``lag=False`` leaves out a lag at the top, so that a lag never wraps a lag.
    """
    if depth <= 0:
        return st.one_of(fields, indicators(fields, intraday))
    sub = series(depth - 1, intraday)
    options = [
        fields,
        indicators(sub, intraday),
        st.builds(E.Neg, expr=sub),
        st.builds(
            E.BinOp,
            op=st.sampled_from(["+", "-", "*", "/"]),
            left=exprs(depth - 1, intraday),
            right=exprs(depth - 1, intraday),
        ),
    ]
    if lag:
        options.append(
            st.builds(E.Lag, expr=series(depth - 1, intraday, lag=False), bars=small_int(1, 10_000))
        )
    return st.one_of(options)


@cache
def exprs(depth: int = MAX_DEPTH, intraday: bool = False) -> st.SearchStrategy:
    """Numbers and series: numbers, price fields, indicators, lags, negation, arithmetic."""
    return st.one_of(numbers, series(depth, intraday))


@cache
def _operands(intraday: bool) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """(any operand, a series operand) of a comparison: shallow or a bit deeper."""
    return (
        st.one_of(exprs(1, intraday), exprs(2, intraday)),
        st.one_of(series(1, intraday), series(2, intraday)),
    )


@st.composite
def comparisons(draw: st.DrawFn, intraday: bool = False) -> E.Compare | E.Cross:
    """A comparison or a cross that can change: no two numbers, no value against itself."""
    values, series_values = _operands(intraday)
    if draw(st.booleans()):
        left = draw(series_values)
        right = draw(values)
        if right == left:
            right = E.Num(value=0.5)
        return E.Cross(direction=draw(st.sampled_from(["above", "below"])), left=left, right=right)
    left, right = draw(values), draw(values)
    if isinstance(left, E.Num) and isinstance(right, E.Num) or left == right:
        right = E.FieldRef(name="close") if isinstance(left, E.Num) else E.Num(value=0.5)
    return E.Compare(
        op=draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="])), left=left, right=right
    )


@cache
def conds(depth: int = MAX_DEPTH, intraday: bool = False) -> st.SearchStrategy:
    """Conditions: comparisons, crosses, and/or with flat items, not."""
    base = comparisons(intraday)
    if depth <= 0:
        return base
    sub = conds(depth - 1, intraday)
    items = st.lists(sub, min_size=2, max_size=3)
    return st.one_of(
        base,
        items.map(lambda xs: _flat(E.And, xs)),
        items.map(lambda xs: _flat(E.Or, xs)),
        st.builds(E.Not, item=sub),
    )


def _flat(cls: type, items: list) -> object:
    """``cls`` of ``items``, splicing in the items of a nested ``cls`` (as the parser does)."""
    flat = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else [item])
    return cls(items=tuple(flat))


# ----- the spec ---------------------------------------------------------------------------

printable = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
) | st.sampled_from(' "\\#%')


@cache
def strings(min_size: int = 0) -> st.SearchStrategy[str]:
    """Printable one-line text, with quotes, backslashes and hashes."""
    return st.one_of(
        st.text(
            alphabet=st.sampled_from(string.ascii_letters + string.digits + ' "\\#'),
            min_size=min_size,
            max_size=40,
        ),
        st.text(alphabet=printable, min_size=min_size, max_size=60),
    )


stock_symbols = st.one_of(
    st.sampled_from(["AAPL", "MSFT", "NVDA", "GOOG", "BRK.B", "SPY", "INDEX", "EURUSD"]),
    st.from_regex(r"\A[A-Z][A-Z0-9.]{0,9}\Z"),
)
crypto_symbols = st.one_of(
    st.sampled_from(["BTC/USD", "ETH/USD", "SOL/USDT"]),
    st.from_regex(r"\A[A-Z][A-Z0-9]{1,4}/[A-Z]{2,5}\Z"),
)
symbols = st.one_of(stock_symbols, crypto_symbols)


@cache
def levels(pct_high: float) -> st.SearchStrategy:
    """A stop or target: ``pct`` in (0, pct_high], or an ATR multiple and period."""
    return st.one_of(
        positive(pct_high).map(lambda p: PctLevel(pct=p)),
        st.builds(AtrLevel, atr=positive(100), period=small_int(1, 1000)),
    )


def _subset(items: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    """A non-empty ordered selection without repeats (what `regime allow`/`agents` give)."""
    return st.one_of(
        st.just(items),
        st.permutations(items).flatmap(
            lambda perm: st.integers(1, len(perm)).map(lambda n: tuple(perm[:n]))
        ),
    )


regimes = st.builds(
    lambda allow, transition, points, benchmark: RegimeSpec(
        allow=allow,
        transition=transition,
        transition_raise=points if transition == "raise" else 10,
        benchmark=benchmark,
    ),
    _subset(REGIMES),
    st.sampled_from(["allow", "raise", "block"]),
    st.integers(0, 100),
    st.none() | symbols,
)
agent_teams = st.builds(
    AgentsSpec,
    team=_subset(AGENTS),
    debate_rounds=st.integers(0, 10),
    min_conviction=st.integers(0, 100),
)
limits = st.builds(
    Limits,
    daily_loss_pct=st.none() | positive(100),
    max_drawdown_pct=st.none() | positive(100),
    circuit_breaker=st.none()
    | st.builds(CircuitBreaker, move_pct=positive(100), bars=small_int(1, 1000)),
    max_exposure_pct=st.none() | positive(1000),
    max_position_pct=st.none() | positive(1000),
)


@cache
def sizings(has_stop: bool) -> st.SearchStrategy[Sizing]:
    """The four kinds of sizing; risk sizing only with a stop loss to measure against."""
    kinds = [
        positive(100).map(lambda v: Sizing(kind="pct_equity", value=v)),
        positive(1e7).map(lambda v: Sizing(kind="fixed_usd", value=v)),
        small_int(1, 1_000_000).map(lambda v: Sizing(kind="fixed_shares", value=float(v))),
    ]
    if has_stop:
        kinds.append(positive(100).map(lambda v: Sizing(kind="risk_pct", value=v)))
    return st.one_of(kinds)


_any_limits = st.just(Limits()) | limits


@cache
def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """``None`` or a value of ``strategy`` (built once: new strategies are slow to draw)."""
    return st.none() | strategy


@st.composite
def specs(draw: st.DrawFn) -> StrategySpec:
    """A valid spec in normal form, using every part of the language."""
    timeframe = draw(st.sampled_from(TIMEFRAMES))
    intraday = timeframe != "1d"
    rule = conds(MAX_DEPTH, intraday)
    universe = tuple(draw(st.lists(symbols, min_size=1, max_size=6, unique=True)))
    screen = None
    if len(universe) >= 2 and draw(st.booleans()):
        screen = Screen(
            filter=draw(optional(conds(1, intraday))),
            rank_by=draw(exprs(2, intraday)),
            descending=draw(st.booleans()),
            top=draw(st.integers(1, len(universe) - 1)),
        )
    direction = draw(st.sampled_from(["long", "short", "both"]))
    rules: dict[str, object] = {}
    for side in ("long", "short"):
        if direction in (side, "both"):
            rules[f"{side}_entry"] = draw(rule)
            rules[f"{side}_exit"] = draw(optional(rule))
    if direction == "both" and draw(st.integers(0, 3)) == 0:
        rules["short_exit"] = rules["long_exit"] = draw(rule)  # a shared `exit when`
    stop_loss = draw(optional(levels(99.99 if direction != "short" else 1000)))
    spec = StrategySpec(
        name=draw(strings(min_size=1)),
        universe=universe,
        screen=screen,
        timeframe=timeframe,
        direction=direction,
        **rules,
        stop_loss=stop_loss,
        take_profit=draw(optional(levels(1000))),
        trailing_stop=draw(optional(levels(1000))),
        max_hold_bars=draw(optional(small_int(1, 1_000_000))),
        sizing=draw(optional(sizings(stop_loss is not None))),
        max_positions=draw(optional(small_int(1, 10_000))),
        regime=draw(optional(regimes)),
        agents=draw(optional(agent_teams)),
        limits=draw(_any_limits),
        questions=tuple(draw(st.lists(strings(), max_size=3))),
    )
    assume(check_spec(spec) == [])
    return spec


# ----- parameters -------------------------------------------------------------------------

PARAM_NAMES = (
    "fast",
    "slow",
    "stop",
    "n",
    "k",
    "level",
    "size_pct",
    "p1",
    "x_2",
    "long",
    "max",
    "take",
    "exit",
    "period",
)
"""Names a parameter may take, statement words among them (they never stand where a number
goes, so they cannot be misread)."""
_INT_STEPS = (1, 2, 5, 10)
_FLOAT_STEPS = (0.25, 0.5, 1.0, 2.5)


def _sites(data: dict) -> list[tuple[list, object, str, float, float]]:
    """(container, key, kind, low, high) of the numbers of a spec dump a parameter may take:
    kind is ``int``, ``float``, ``pct`` or ``expr``."""
    out: list = []
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        level = data.get(key)
        if level and "pct" in level:
            out.append((level, "pct", "pct", 1, 50))
        elif level:
            out += [(level, "atr", "float", 1, 50), (level, "period", "int", 1, 500)]
    sizing = data.get("sizing")
    if sizing:
        out.append(
            (
                sizing,
                "value",
                {
                    "pct_equity": "pct",
                    "risk_pct": "pct",
                    "fixed_usd": "float",
                    "fixed_shares": "int",
                }[sizing["kind"]],
                1,
                5 if sizing["kind"] in ("pct_equity", "risk_pct") else 1000,
            )
        )
    for key, high in (("max_hold_bars", 1000), ("max_positions", 100)):
        if data.get(key) is not None:
            out.append((data, key, "int", 1, high))
    if data.get("screen"):
        out.append((data["screen"], "top", "int", 1, len(data["universe"]) - 1))
    for key in ("long_entry", "long_exit", "short_entry", "short_exit", "screen"):
        _expr_sites(data.get(key), out)
    return out


def _expr_sites(node: object, out: list) -> None:
    """Numbers in rules, and the whole-number parameters of indicators (not macd's, whose
    periods must stay ordered)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and value.get("kind") == "num":
                out.append((node, key, "expr", -100, 100))
            else:
                _expr_sites(value, out)
        definition = CATALOG.get(node.get("name", "")) if node.get("kind") == "indicator" else None
        if definition is not None and definition.name != "macd":
            for i, p in enumerate(definition.params):
                if p.integer:
                    out.append((node["params"], i, "int", int(p.low), min(int(p.high), 500)))
    elif isinstance(node, (list, tuple)):
        for item in node:
            _expr_sites(item, out)


@st.composite
def _param_for(draw: st.DrawFn, name: str, kind: str, low: float, high: float) -> dict:
    """A parameter whose range lies in [low, high] (at least two values), its default on a step."""
    steps = _INT_STEPS if kind == "int" else _FLOAT_STEPS
    step = draw(st.sampled_from(steps))
    first = math.ceil(low / step)
    last = math.floor(high / step)
    assume(last > first)
    lo = draw(st.integers(first, last - 1))
    hi = draw(st.integers(lo + 1, min(last, lo + 40)))
    default = draw(st.integers(lo, hi))
    return {
        "name": name,
        "default": default * step,
        "low": lo * step,
        "high": hi * step,
        "step": float(step),
        "pct": kind == "pct",
    }


@st.composite
def param_specs(draw: st.DrawFn) -> tuple[StrategySpec, StrategySpec]:
    """(a spec with parameters, the plain spec it runs as at the defaults)."""
    base = draw(specs()).model_dump(mode="json")
    plain, written = copy.deepcopy(base), copy.deepcopy(base)
    sites_plain, sites_written = _sites(plain), _sites(written)
    assume(sites_plain)
    chosen = draw(
        st.lists(st.integers(0, len(sites_plain) - 1), min_size=1, max_size=4, unique=True)
    )
    names = draw(
        st.lists(
            st.sampled_from(PARAM_NAMES), min_size=len(chosen), max_size=len(chosen), unique=True
        )
    )
    params = []
    for index, name in zip(chosen, names):
        (box, key, kind, low, high), (wbox, _, _, _, _) = sites_plain[index], sites_written[index]
        param = draw(_param_for(name, kind, low, high))
        params.append(param)
        number = int(param["default"]) if kind == "int" else param["default"]
        box[key] = {"kind": "num", "value": float(number)} if kind == "expr" else number
        wbox[key] = {"kind": "param", "name": name}
    order = draw(st.permutations(params))
    written["params"] = tuple(order)
    plain_spec = StrategySpec.model_validate(plain)
    written_spec = StrategySpec.model_validate(written)
    assume(check_spec(plain_spec) == [] and check_spec(written_spec) == [])
    return written_spec, plain_spec
