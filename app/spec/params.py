"""Parameters of a spec: their values, where they are used, and binding them to numbers.

A spec as written may name a parameter where a number goes (``sma(close, fast)``,
``stop loss stop``). Nothing runs such a spec directly: :func:`runnable` binds every
parameter to its default, and a sweep binds the values it tries with :func:`bind`. Both
return a plain spec, equal to the one written with those numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from collections.abc import Iterator

from app.errors import ParleyError
from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec.models import Param, StrategySpec

_EXPR_KEYS = frozenset({"left", "right", "expr", "source", "rank_by"})
"""Keys under which a parameter stands for an expression (a number node), not a field."""
MAX_VALUES = 100_000
"""The most values one parameter's range may hold."""


@dataclass(frozen=True)
class Site:
    """What a place in the spec accepts: a label for messages, bounds, whole numbers, %."""

    label: str
    low: float
    high: float
    integer: bool = False
    pct: bool = False
    low_open: bool = False
    """True when ``low`` itself is excluded (``> 0``)."""


@dataclass(frozen=True)
class Use:
    """One use of a parameter: the spec key it sits in, the site, the indicator if any."""

    name: str
    key: str
    site: Site
    node: Any = None


def values(param: Param) -> list[float]:
    """Every value of a parameter's range, low to high, on its step (exact in decimal)."""
    low, step = _dec(param.low), _dec(param.step)
    count = int((_dec(param.high) - low) / step)
    return [float(low + i * step) for i in range(count + 1)]


def grid(spec: StrategySpec) -> dict[str, list[float]]:
    """Each parameter's values, in declaration order."""
    return {p.name: values(p) for p in spec.params}


def defaults(spec: StrategySpec) -> dict[str, float]:
    return {p.name: p.default for p in spec.params}


def runnable(spec: StrategySpec) -> StrategySpec:
    """The spec every command runs: parameters at their defaults (the spec itself if none)."""
    return bind(spec, {}) if spec.params else spec


def bind(spec: StrategySpec, chosen: dict[str, float], check: bool = False) -> StrategySpec:
    """A plain spec with each parameter replaced by ``chosen[name]`` or its default.

    Raises:
        ParleyError: an unknown name, or a value outside the parameter's range; with
            ``check=True`` also a variant that would not pass ``parley check``.
    """
    declared = {p.name: p for p in spec.params}
    for name, value in chosen.items():
        param = declared.get(name)
        if param is None:
            raise ParleyError(
                f"{spec.name!r} has no parameter {name!r}",
                f"its parameters: {', '.join(declared) or 'none'}",
            )
        if not param.low <= value <= param.high:
            raise ParleyError(
                f"{name} = {value:g} is outside its range {param.low:g}..{param.high:g}"
            )
    numbers = {**defaults(spec), **chosen}
    data = spec.model_dump(mode="python", exclude={"params"})
    bound = StrategySpec.model_validate(_substitute(data, numbers, ""))
    if check:
        _refuse_problems(bound, numbers)
    return bound


def _substitute(node: Any, numbers: dict[str, float], key: str) -> Any:
    if isinstance(node, dict):
        if node.get("kind") == "param" and set(node) == {"kind", "name"}:
            value = numbers[node["name"]]
            return {"kind": "num", "value": value} if key in _EXPR_KEYS else value
        return {k: _substitute(v, numbers, k) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(_substitute(item, numbers, key) for item in node)
    return node


def _refuse_problems(bound: StrategySpec, numbers: dict[str, float]) -> None:
    from app.spec.checks import check_spec

    problems = check_spec(bound)
    if problems:
        shown = ", ".join(f"{k} = {v:g}" for k, v in numbers.items())
        raise ParleyError(f"the variant {shown} does not make sense: {problems[0].message}")


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def steps_between(low: float, high: float, step: float) -> float:
    """How many steps from ``low`` to ``high`` (a whole number when the step divides)."""
    return float((_dec(high) - _dec(low)) / _dec(step))


# ----- where parameters are used ------------------------------------------------------------
LEVEL_SITES = {
    "pct": Site("a percent level", 0, 1000, pct=True, low_open=True),
    "atr": Site("an ATR multiple", 0, 100, low_open=True),
    "period": Site("an ATR period", 1, 1000, integer=True),
}
SIZE_SITES = {
    "pct_equity": Site("a percent of equity", 0, 100, pct=True, low_open=True),
    "risk_pct": Site("a risk percent", 0, 100, pct=True, low_open=True),
    "fixed_usd": Site("a cash size", 0, 1e15, low_open=True),
    "fixed_shares": Site("a share count", 1, 1e15, integer=True),
}
COUNT_SITES = {
    "max_hold_bars": Site("max hold", 1, 1_000_000, integer=True),
    "max_positions": Site("max positions", 1, 10_000, integer=True),
}
EXPR_SITE = Site("a number in a rule", -1e300, 1e300)


def uses(spec: StrategySpec) -> Iterator[Use]:
    """Every place a parameter stands for a number, with what that place accepts."""
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        level = getattr(spec, key)
        for field, site in LEVEL_SITES.items():
            yield from _ref(getattr(level, field, None), key, site)
    if spec.sizing is not None:
        yield from _ref(spec.sizing.value, "sizing", SIZE_SITES[spec.sizing.kind])
    for key, site in COUNT_SITES.items():
        yield from _ref(getattr(spec, key), key, site)
    if spec.screen is not None:
        yield from _ref(spec.screen.top, "screen", Site("the screen's top", 1, 10_000, True))
    for key, root in _rules(spec):
        for node in E.walk_exprs(root):
            yield from _node_uses(node, key)


def _ref(value: Any, key: str, site: Site, node: Any = None) -> Iterator[Use]:
    if isinstance(value, E.ParamRef):
        yield Use(value.name, key, site, node)


def _node_uses(node: Any, key: str) -> Iterator[Use]:
    if isinstance(node, E.ParamRef):
        yield Use(node.name, key, EXPR_SITE)
    elif isinstance(node, E.Indicator) and node.name in CATALOG:
        for value, p in zip(node.params, CATALOG[node.name].params):
            site = Site(f"the {p.name} of {node.name}", p.low, p.high, p.integer)
            yield from _ref(value, key, site, node)


def _rules(spec: StrategySpec) -> Iterator[tuple[str, Any]]:
    for key in ("long_entry", "long_exit", "short_entry", "short_exit"):
        if getattr(spec, key) is not None:
            yield key, getattr(spec, key)
    if spec.screen is not None:
        if spec.screen.filter is not None:
            yield "screen", spec.screen.filter
        yield "screen", spec.screen.rank_by
