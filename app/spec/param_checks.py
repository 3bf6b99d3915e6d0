"""Semantic checks of parameters: each one's range, and each use against its place.

A parameter must hold only values its place accepts (a period is a whole number of at
least 1; a stop is a percentage), over its whole range, so that every variant a sweep
tries can run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.spec import params as P
from app.spec.models import Param, StrategySpec


@dataclass(frozen=True)
class Problem:
    """A semantic problem: the spec key it concerns, the message, optionally the node."""

    key: str
    message: str
    node: Any = None


def check_params(spec: StrategySpec) -> list[Problem]:
    """Each parameter's range, and each use of one against what its place accepts."""
    problems = [Problem(f"params.{p.name}", m) for p in spec.params for m in _range_problems(p)]
    declared = {p.name: p for p in spec.params}
    used = set()
    for use in P.uses(spec):
        used.add(use.name)
        param = declared.get(use.name)
        if param is None:
            problems.append(Problem(use.key, f"{use.name} is not a declared parameter", use.node))
            continue
        problems += [Problem(use.key, m, use.node) for m in _site_problems(param, use.site)]
    problems += [
        Problem(
            f"params.{p.name}", f"param {p.name} is declared but never used; use it or remove it"
        )
        for p in spec.params
        if p.name not in used
    ]
    return problems


def _range_problems(p: Param) -> list[str]:
    unit = "%" if p.pct else ""
    if p.low >= p.high:
        return [
            f"the range of {p.name} must go from a lower to a higher value "
            f"({p.low:g}{unit}..{p.high:g}{unit})"
        ]
    if not p.low <= p.default <= p.high:
        return [
            f"the default of {p.name} ({p.default:g}{unit}) is outside its range "
            f"{p.low:g}{unit}..{p.high:g}{unit}"
        ]
    problems = []
    count = P.steps_between(p.low, p.high, p.step)
    if not count.is_integer():
        problems.append(
            f"the step of {p.name} ({p.step:g}{unit}) does not divide its range "
            f"{p.low:g}{unit}..{p.high:g}{unit} into whole steps"
        )
    elif count + 1 > P.MAX_VALUES:
        problems.append(
            f"{p.name} has {count + 1:,.0f} values; use a larger step (at most "
            f"{P.MAX_VALUES:,} values)"
        )
    if not P.steps_between(p.low, p.default, p.step).is_integer():
        problems.append(
            f"the default of {p.name} ({p.default:g}{unit}) is not on its steps "
            f"from {p.low:g}{unit}"
        )
    return problems


def _site_problems(p: Param, site: P.Site) -> list[str]:
    if site.pct and not p.pct:
        return [
            f"{site.label} is a percentage: write the values of {p.name} with % "
            f"(e.g. `param {p.name} = {p.default:g}% in ...`)"
        ]
    if p.pct and not site.pct:
        return [
            f"{p.name} is a percentage, but {site.label} is a plain number; write its "
            "values without %"
        ]
    if site.integer and not p.integer:
        return [
            f"{site.label} must be a whole number, so {p.name}'s default, range and step "
            "must be whole numbers"
        ]
    below = p.low <= site.low if site.low_open else p.low < site.low
    if below or p.high > site.high:
        low = f"more than {site.low:g}" if site.low_open else f"at least {site.low:g}"
        return [
            f"{site.label} must be {low} and at most {site.high:g}, but {p.name} ranges "
            f"over {p.low:g}..{p.high:g}"
        ]
    return []
