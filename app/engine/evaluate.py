"""Evaluate expressions and conditions over one symbol's bars, vectorised.

Every sub-expression is computed once per (symbol, bars) and cached by its node, so a
rule that mentions ``sma(close, 50)`` three times computes it once. Conditions come out as
boolean arrays where a NaN input (not enough history yet) is simply False.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from app.indicators.bars import Bars
from app.indicators.compute import compute
from app.spec import expr as E

_CMP = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class Evaluator:
    """Evaluates spec nodes over one symbol's bars, caching each distinct node."""

    def __init__(self, bars: Bars) -> None:
        self.bars = bars
        self._cache: dict[Any, np.ndarray] = {}

    def series(self, node: Any) -> Floats:
        """A float64 array (NaN where undefined) for an expression node."""
        cached = self._cache.get(node)
        if cached is None:
            cached = self._series(node)
            self._cache[node] = cached
        return cached

    def condition(self, node: Any) -> Bools:
        """A boolean array for a condition node."""
        cached = self._cache.get(node)
        if cached is None:
            cached = self._condition(node)
            self._cache[node] = cached
        return cached

    def _series(self, node: Any) -> Floats:
        if isinstance(node, E.Num):
            return np.full(len(self.bars), node.value, dtype=np.float64)
        if isinstance(node, E.FieldRef):
            return self.bars.field(node.name)
        if isinstance(node, E.Indicator):
            source = self.series(node.source) if node.source is not None else None
            return compute(node.name, self.bars, source, node.numbers(), node.output)
        if isinstance(node, E.Lag):
            return shift(self.series(node.expr), node.bars)
        if isinstance(node, E.Neg):
            return -self.series(node.expr)
        if isinstance(node, E.BinOp):
            with np.errstate(divide="ignore", invalid="ignore"):
                out: Floats = _ARITH[node.op](self.series(node.left), self.series(node.right))
            out[~np.isfinite(out)] = np.nan
            return out
        raise TypeError(f"not an expression: {type(node).__name__}")

    def _condition(self, node: Any) -> Bools:
        if isinstance(node, E.Compare):
            left, right = self.series(node.left), self.series(node.right)
            with np.errstate(invalid="ignore"):
                holds: Bools = _CMP[node.op](left, right)
            return holds & ~(np.isnan(left) | np.isnan(right))
        if isinstance(node, E.Cross):
            return crosses(self.series(node.left), self.series(node.right), node.direction)
        if isinstance(node, E.And):
            every: Bools = np.logical_and.reduce([self.condition(i) for i in node.items])
            return every
        if isinstance(node, E.Or):
            some: Bools = np.logical_or.reduce([self.condition(i) for i in node.items])
            return some
        if isinstance(node, E.Not):
            # "not" of a rule that cannot be evaluated yet (warm-up) stays False.
            return ~self.condition(node.item) & self.defined(node.item)
        raise TypeError(f"not a condition: {type(node).__name__}")

    def defined(self, node: Any) -> Bools:
        """Where every input of a condition has a value (past the warm-up)."""
        if isinstance(node, (E.Compare, E.Cross)):
            ok: Bools = ~(np.isnan(self.series(node.left)) | np.isnan(self.series(node.right)))
            if isinstance(node, E.Cross):
                ok = ok & np.concatenate(([False], ok[:-1]))
            return ok
        if isinstance(node, (E.And, E.Or)):
            every: Bools = np.logical_and.reduce([self.defined(i) for i in node.items])
            return every
        return self.defined(node.item)


def shift(values: Floats, bars: int) -> Floats:
    """Values from ``bars`` bars earlier; NaN where there is no earlier bar."""
    out = np.full_like(values, np.nan, dtype=np.float64)
    if bars < len(values):
        out[bars:] = values[: len(values) - bars]
    return out


def crosses(a: Floats, b: Floats, direction: str) -> Bools:
    """``a crosses above b``: ``a[t-1] <= b[t-1] and a[t] > b[t]`` (below mirrors it)."""
    pa, pb = shift(a, 1), shift(b, 1)
    with np.errstate(invalid="ignore"):
        if direction == "above":
            hit: Bools = (pa <= pb) & (a > b)
        else:
            hit = (pa >= pb) & (a < b)
    return hit & ~(np.isnan(a) | np.isnan(b) | np.isnan(pa) | np.isnan(pb))
