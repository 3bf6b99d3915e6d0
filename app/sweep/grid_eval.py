"""A variant's rules over every symbol at once, on own-bar (L, S) grids.

Each symbol's :class:`~app.engine.evaluate.Evaluator` computes an indicator series once
(the series are what the variants share); this module stacks every distinct series into
one grid, kept for the sweep within a memory budget, and evaluates a variant's comparisons
and crossings over the whole grid in one compiled pass instead of once per symbol. The
semantics are the evaluator's -- a comparison or crossing with a NaN input is False, and
``not`` of a rule that is not yet defined stays False -- and ``tests/test_sweep_grid.py``
holds the two equal on random rules.

:meth:`GridEvaluator.conditions` evaluates one rule of many variants together, as a
(variant, bar, symbol) grid: where the variants' rules have the same shape (the same
``and`` / ``or`` of the same comparisons and crossings, differing only in the series they
compare -- ``sma(close, fast)`` for each ``fast``), each distinct series is fetched once
for the batch, every variant's comparisons fill its slice of one grid, then the
``and`` / ``or`` combine all variants at once. Rules of other shapes (or with ``not``) are
evaluated one variant at a time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit

from app.backtest.kernel_run import stack
from app.engine.evaluate import _ARITH, Evaluator, shift
from app.spec import expr as E

_OPS = {"<": 0, "<=": 1, ">": 2, ">=": 3, "==": 4, "!=": 5}
BUDGET = 256 * 2**20
"""Bytes of stacked series kept between variants (least recently used go first)."""


class GridEvaluator:
    """Series and conditions of spec nodes over all symbols' own bars."""

    def __init__(self, evaluators: Sequence[Evaluator], rows: int, budget: int = BUDGET) -> None:
        self.evaluators = list(evaluators)
        self.rows = rows
        self.budget = budget
        self._grids: OrderedDict[Any, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._outs: dict[Any, np.ndarray] = {}

    def series(self, node: Any) -> np.ndarray:
        """A float64 (L, S) grid for an expression node (NaN where undefined or padded)."""
        grid = self._grids.get(node)
        if grid is not None:
            self._grids.move_to_end(node)
            return grid
        grid = self._series(node)
        self._keep(node, grid)
        return grid

    def condition(self, node: Any) -> np.ndarray:
        """A boolean (L, S) grid for a condition node."""
        if isinstance(node, E.Compare):
            out = np.empty((self.rows, len(self.evaluators)), dtype=np.bool_)
            _compare(self.series(node.left), self.series(node.right), _OPS[node.op], out)
            return out
        if isinstance(node, E.Cross):
            out = np.empty((self.rows, len(self.evaluators)), dtype=np.bool_)
            _cross(self.series(node.left), self.series(node.right), node.direction == "above", out)
            return out
        if isinstance(node, E.And):
            return _all([self.condition(i) for i in node.items])
        if isinstance(node, E.Or):
            return np.asarray(np.logical_or.reduce([self.condition(i) for i in node.items]))
        if isinstance(node, E.Not):
            return np.asarray(~self.condition(node.item) & self.defined(node.item))
        raise TypeError(f"not a condition: {type(node).__name__}")

    def conditions(self, nodes: Sequence[Any], slot: str = "") -> np.ndarray | None:
        """A boolean (V, L, S) grid: ``out[v]`` is ``condition(nodes[v])``, evaluated over
        the variant axis at once; None where the nodes do not share one shape.

        The grid is a buffer this evaluator reuses: the next call with the same ``slot``
        overwrites it (a fresh grid of that size each time costs more in page faults than
        the evaluation itself)."""
        shape = _shape(nodes[0])
        if shape is None or any(_shape(n) != shape for n in nodes[1:]):
            return None
        leaves = [_leaves(n, []) for n in nodes]
        return self._many(shape, [list(col) for col in zip(*leaves)], [0], slot)

    def _buffer(self, key: Any, variants: int) -> np.ndarray:
        shape = (variants, self.rows, len(self.evaluators))
        buf = self._outs.get(key)
        if buf is None or buf.shape != shape:
            buf = self._outs[key] = np.empty(shape, dtype=np.bool_)
        return buf

    def _many(self, shape: Any, leaves: list[list[Any]], at: list[int], slot: str) -> np.ndarray:
        kind = shape[0]
        if kind in ("and", "or"):
            first = at[0]
            parts = [self._many(sub, leaves, at, slot) for sub in shape[1]]
            out = self._buffer((slot, "join", first), len(leaves[0]))
            join = np.logical_and if kind == "and" else np.logical_or
            join(parts[0], parts[1], out=out)
            for part in parts[2:]:
                join(out, part, out=out)
            return out
        column = leaves[at[0]]
        at[0] += 1
        # each distinct series once for the batch; the compiled pass runs once per variant
        # into its slice (numba's typed list, for one call over every variant, costs more
        # than a second of compilation in each worker process, which numba cannot cache)
        grids: dict[Any, np.ndarray] = {}
        for node in column:
            for operand in (node.left, node.right):
                if operand not in grids:
                    grids[operand] = self.series(operand)
        out = self._buffer((slot, "leaf", at[0] - 1), len(column))
        for v, node in enumerate(column):
            a, b = grids[node.left], grids[node.right]
            if kind == "cross":
                _cross(a, b, shape[1] == "above", out[v])
            else:
                _compare(a, b, _OPS[shape[1]], out[v])
        return out

    def defined(self, node: Any) -> np.ndarray:
        """Where every input of a condition has a value (past the warm-up)."""
        if isinstance(node, (E.Compare, E.Cross)):
            left, right = self.series(node.left), self.series(node.right)
            ok: np.ndarray = ~(np.isnan(left) | np.isnan(right))
            if isinstance(node, E.Cross):
                ok[1:] &= ok[:-1].copy()
                ok[0] = False
            return ok
        if isinstance(node, (E.And, E.Or)):
            return _all([self.defined(i) for i in node.items])
        return self.defined(node.item)

    def _series(self, node: Any) -> np.ndarray:
        if isinstance(node, E.Lag):
            return shift(self.series(node.expr), node.bars)
        if isinstance(node, E.Neg):
            return -self.series(node.expr)
        if isinstance(node, E.BinOp):
            with np.errstate(divide="ignore", invalid="ignore"):
                out = _ARITH[node.op](self.series(node.left), self.series(node.right))
            out[~np.isfinite(out)] = np.nan
            return np.asarray(out, dtype=np.float64)
        # indicators, fields and numbers: each symbol's own series, stacked
        columns = [ev.series(node) for ev in self.evaluators]
        grid = stack(columns, np.nan, self.rows)
        if isinstance(node, E.Indicator):
            for ev in self.evaluators:  # the grid holds it now
                ev._cache.pop(node, None)
        return np.asarray(grid, dtype=np.float64)

    def _keep(self, node: Any, grid: np.ndarray) -> None:
        self._grids[node] = grid
        self._bytes += grid.nbytes
        while self._bytes > self.budget and len(self._grids) > 1:
            _, old = self._grids.popitem(last=False)
            self._bytes -= old.nbytes


def _shape(node: Any) -> Any:
    """A condition's shape without its series (None: a shape evaluated per variant)."""
    if isinstance(node, E.Compare):
        return ("compare", node.op)
    if isinstance(node, E.Cross):
        return ("cross", node.direction)
    if isinstance(node, (E.And, E.Or)):
        subs = tuple(_shape(i) for i in node.items)
        if any(sub is None for sub in subs):
            return None
        return ("and" if isinstance(node, E.And) else "or", subs)
    return None


def _leaves(node: Any, out: list[Any]) -> list[Any]:
    """The comparisons and crossings of a condition, in :func:`_shape`'s order."""
    if isinstance(node, (E.And, E.Or)):
        for item in node.items:
            _leaves(item, out)
    else:
        out.append(node)
    return out


def _all(grids: list[np.ndarray]) -> np.ndarray:
    return np.asarray(np.logical_and.reduce(grids))


@njit(cache=True)
def _compare(a, b, op, out):  # type: ignore[no-untyped-def]
    """``op(a, b)`` where neither is NaN, else False (the evaluator's Compare)."""
    rows, cols = a.shape
    for i in range(rows):
        for s in range(cols):
            x, y = a[i, s], b[i, s]
            if np.isnan(x) or np.isnan(y):
                out[i, s] = False
            elif op == 0:
                out[i, s] = x < y
            elif op == 1:
                out[i, s] = x <= y
            elif op == 2:
                out[i, s] = x > y
            elif op == 3:
                out[i, s] = x >= y
            elif op == 4:
                out[i, s] = x == y
            else:
                out[i, s] = x != y


@njit(cache=True)
def _cross(a, b, above, out):  # type: ignore[no-untyped-def]
    """``a[t-1] <= b[t-1] and a[t] > b[t]`` (below mirrors it), False with a NaN input
    or on the first row (the evaluator's crosses)."""
    rows, cols = a.shape
    for s in range(cols):
        out[0, s] = False
    for i in range(1, rows):
        for s in range(cols):
            x, y, px, py = a[i, s], b[i, s], a[i - 1, s], b[i - 1, s]
            if np.isnan(x) or np.isnan(y) or np.isnan(px) or np.isnan(py):
                out[i, s] = False
            elif above:
                out[i, s] = px <= py and x > y
            else:
                out[i, s] = px >= py and x < y
