"""Semantic checks: what parses but would not make sense to run.

Works on a spec however it was built (from text, from JSON, by the compiler), and names
the part of the spec at fault so the parser can point at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec import params as P
from app.spec import universes
from app.spec.models import StrategySpec
from app.spec.param_checks import Problem, check_params

DEFAULT_MAX_EXPOSURE_PCT = 100.0
"""Gross exposure cap (longs plus shorts, at market) when the spec sets no `max exposure`."""
DEFAULT_SIZING_PCT = 10.0
"""Percent of equity per position when the spec sets no sizing (the engine's default)."""

SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9.]{0,9}(/[A-Z]{2,5})?$")
RULES = ("long_entry", "long_exit", "short_entry", "short_exit")


def check_spec(spec: StrategySpec) -> list[Problem]:
    """Every semantic problem of a spec (empty when it can run).

    A spec with parameters is checked as declared (ranges, units, where each is used), and
    then as it runs, at the defaults.
    """
    if spec.params:
        declared = check_params(spec) + _check_exposure(spec)  # worst case over the ranges
        return declared or check_spec(P.runnable(spec))
    problems: list[Problem] = []
    problems += _check_symbols(spec)
    problems += _check_rules(spec)
    problems += _check_risk(spec)
    problems += _check_exposure(spec)
    problems += _check_screen(spec)
    problems += _check_indicators(spec)
    return problems


def _check_symbols(spec: StrategySpec) -> list[Problem]:
    if spec.universe_name is not None:
        return _check_named(spec)
    problems = []
    for symbol in spec.universe:
        if not SYMBOL_RE.match(symbol):
            problems.append(
                Problem(
                    "universe",
                    f"malformed symbol '{symbol}': use a ticker like "
                    "AAPL or BRK.B, or a crypto pair like BTC/USD",
                )
            )
    duplicates = sorted({s for s in spec.universe if spec.universe.count(s) > 1})
    if duplicates:
        problems.append(Problem("universe", f"{', '.join(duplicates)} listed twice"))
    bench = spec.regime.benchmark if spec.regime else None
    if bench and not SYMBOL_RE.match(bench):
        problems.append(Problem("regime.benchmark", f"malformed benchmark symbol '{bench}'"))
    elif bench and bench.upper() not in {s.upper() for s in spec.universe}:
        problems.append(
            Problem(
                "regime.benchmark",
                f"regime benchmark {bench} is not in the universe: the regime "
                f"filter reads {bench}'s bars from the spec's own symbols; add {bench} to the "
                f"universe, or drop `benchmark {bench}` to read each symbol's own regime",
            )
        )
    return problems


def _check_named(spec: StrategySpec) -> list[Problem]:
    """A named universe must be one Parley knows, holding exactly its symbols."""
    name = spec.universe_name
    if name not in universes.names():
        return [
            Problem(
                "universe",
                f"unknown universe '{name}'; the bundled ones are {', '.join(universes.names())}",
            )
        ]
    if tuple(spec.universe) != universes.symbols(name):
        return [
            Problem(
                "universe",
                f"the universe is named {name} but lists other symbols; "
                f"drop universe_name or list exactly {name}'s symbols",
            )
        ]
    return []


def _check_rules(spec: StrategySpec) -> list[Problem]:
    problems = []
    if spec.long_entry is None and spec.short_entry is None:
        problems.append(
            Problem("universe", "no entry rule: add a line like `long when close > sma(close, 50)`")
        )
    for side in ("long", "short"):
        entry, exit_ = getattr(spec, f"{side}_entry"), getattr(spec, f"{side}_exit")
        if exit_ is not None and entry is None:
            problems.append(
                Problem(f"{side}_exit", f"there is a {side} exit but no '{side} when' entry rule")
            )
        if entry is not None and entry == exit_:
            problems.append(
                Problem(
                    f"{side}_exit",
                    f"the {side} exit rule is the same as "
                    "its entry rule, so every entry would exit "
                    "at once",
                )
            )
    expected = {(True, True): "both", (True, False): "long", (False, True): "short"}.get(
        (spec.long_entry is not None, spec.short_entry is not None), spec.direction
    )
    if spec.direction != expected:
        problems.append(
            Problem(
                "direction",
                f"direction {spec.direction} contradicts the rules, which trade {expected}",
            )
        )
    if spec.long_entry is not None and spec.long_entry == spec.short_entry:
        problems.append(Problem("short_entry", "the long and short entry rules are the same"))
    for key in RULES:
        rule = getattr(spec, key)
        if rule is not None:
            problems += [Problem(key, msg) for msg in _self_comparisons(rule)]
    return problems


def _self_comparisons(cond: Any) -> list[str]:
    if isinstance(cond, (E.Compare, E.Cross)) and cond.left == cond.right:
        return ["this compares a value with itself, so it never changes"]
    if isinstance(cond, (E.And, E.Or)):
        return [m for item in cond.items for m in _self_comparisons(item)]
    if isinstance(cond, E.Not):
        return _self_comparisons(cond.item)
    return []


def _check_risk(spec: StrategySpec) -> list[Problem]:
    problems = []
    sizing = spec.sizing
    if sizing and sizing.kind == "risk_pct" and spec.stop_loss is None:
        problems.append(
            Problem(
                "sizing",
                "risk sizing needs a stop loss to measure the risk "
                "against: add `stop loss 2 atr(14)` or `stop loss 5%`",
            )
        )
    if sizing and sizing.kind in ("pct_equity", "risk_pct") and sizing.value > 100:
        problems.append(
            Problem(
                "sizing",
                "a position cannot be more than 100% of equity (Parley does not use leverage)",
            )
        )
    if sizing and sizing.kind == "fixed_shares" and sizing.value != int(sizing.value):
        problems.append(Problem("sizing", "shares must be a whole number"))
    stop = spec.stop_loss
    if stop is not None and getattr(stop, "pct", 0) >= 100 and spec.direction != "short":
        problems.append(
            Problem(
                "stop_loss", "a long position's stop loss must be less than 100% below the entry"
            )
        )
    return problems


def _highest(spec: StrategySpec, value: Any) -> Any:
    """A number, or the highest value of the parameter standing for it."""
    if isinstance(value, E.ParamRef):
        return next(p.high for p in spec.params if p.name == value.name)
    return value


def most_positions(spec: StrategySpec) -> int:
    """How many positions can be open at once: the cap, the screen's top N, the symbols."""
    bounds = [len(spec.universe)]
    if spec.max_positions is not None:
        bounds.append(int(_highest(spec, spec.max_positions)))
    if spec.screen is not None:
        bounds.append(int(_highest(spec, spec.screen.top)))
    return min(bounds)


def _check_exposure(spec: StrategySpec) -> list[Problem]:
    """Refuse a percent-of-equity size that, with every position open, breaks the cap.

    Risk, cash and share sizes depend on prices and the stop, so only the order path can
    judge them; it clips or refuses the order that would break the cap.
    """
    sizing = spec.sizing
    if sizing is not None and sizing.kind != "pct_equity":
        return []
    pct = _highest(spec, sizing.value) if sizing is not None else DEFAULT_SIZING_PCT
    cap = spec.limits.max_exposure_pct or DEFAULT_MAX_EXPOSURE_PCT
    count = most_positions(spec)
    if pct * count <= cap + 1e-9 or pct > 100:  # above 100%: the sizing check says why
        return []
    size = f"{pct:g}% of equity" + ("" if sizing is not None else " (the default size)")
    if sizing is not None and isinstance(sizing.value, E.ParamRef):
        size += f" (the highest {sizing.value.name})"
    where = "sizing" if sizing is not None else "universe"
    fix = (
        f"lower the size, set `max positions {int(cap // pct)}`" if pct <= cap else "lower the size"
    )
    return [
        Problem(
            where,
            f"{count} position(s) of {size} can reach {pct * count:g}% of "
            f"equity, above the {cap:g}% exposure cap; {fix}, or raise "
            "`max exposure`",
        )
    ]


def _check_screen(spec: StrategySpec) -> list[Problem]:
    if spec.screen is None:
        return []
    problems = []
    if len(spec.universe) < 2:
        problems.append(
            Problem("screen", "a screen ranks several symbols: list them in the universe")
        )
    elif spec.screen.top >= len(spec.universe):
        problems.append(
            Problem(
                "screen",
                f"the screen keeps the top {spec.screen.top} of "
                f"{len(spec.universe)} symbols, so it filters nothing "
                "by rank; lower the number",
            )
        )
    return problems


def _check_indicators(spec: StrategySpec) -> list[Problem]:
    problems = []
    for key, node in _all_nodes(spec):
        if not isinstance(node, E.Indicator):
            continue
        definition = CATALOG.get(node.name)
        if definition is None:
            problems.append(Problem(key, f"unknown indicator '{node.name}'", node))
        elif node.name == "macd" and _fast_not_faster(node.params):
            problems.append(
                Problem(key, "macd's fast period must be shorter than its slow period", node)
            )
        elif definition.intraday_only and spec.timeframe in ("1d", "1w", "1mo"):
            problems.append(
                Problem(
                    key,
                    f"{node.name} needs intraday bars (the first bars of "
                    "each session); set a timeframe like 5m",
                    node,
                )
            )
    return problems


def _fast_not_faster(params: tuple[float | E.ParamRef, ...]) -> bool:
    """MACD's fast period at or above its slow one (parameters are checked with their
    ranges, by :func:`app.spec.param_checks.check_params`)."""
    fast, slow = params[0], params[1]
    if isinstance(fast, E.ParamRef) or isinstance(slow, E.ParamRef):
        return False
    return fast >= slow


def _all_nodes(spec: StrategySpec) -> Iterator[tuple[str, E.Expr]]:
    for key in RULES:
        rule = getattr(spec, key)
        if rule is not None:
            for node in E.walk_exprs(rule):
                yield key, node
    if spec.screen is not None:
        if spec.screen.filter is not None:
            yield from (("screen", n) for n in E.walk_exprs(spec.screen.filter))
        yield from (("screen", n) for n in E.walk_exprs(spec.screen.rank_by))
