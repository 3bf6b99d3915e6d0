"""How many bars a rule needs before it can first be evaluated (its warm-up).

Built on :func:`app.indicators.catalog.lookback`, which is exact for one indicator on
gap-free data: nested indicators add up, a lag ``x[n]`` adds ``n``, a cross needs one
more bar (it compares with the previous one), arithmetic and ``and`` need the slowest
part, and ``or`` can fire as soon as its quickest part can.
"""

from __future__ import annotations

from typing import Any

from app.indicators.catalog import lookback
from app.spec import expr as E


def warmup(node: Any) -> int:
    """Index of the first bar at which an expression or condition can have a value."""
    if isinstance(node, (E.Num, E.FieldRef)):
        return 0
    if isinstance(node, E.Indicator):
        inner = warmup(node.source) if node.source is not None else 0
        return inner + lookback(node.name, node.numbers())
    if isinstance(node, E.Lag):
        return warmup(node.expr) + node.bars
    if isinstance(node, E.Neg):
        return warmup(node.expr)
    if isinstance(node, (E.BinOp, E.Compare)):
        return max(warmup(node.left), warmup(node.right))
    if isinstance(node, E.Cross):
        return max(warmup(node.left), warmup(node.right)) + 1
    if isinstance(node, E.And):
        return max(warmup(i) for i in node.items)
    if isinstance(node, E.Or):
        return min(warmup(i) for i in node.items)
    if isinstance(node, E.Not):
        return warmup(node.item)
    raise TypeError(f"not a spec node: {type(node).__name__}")


def slowest_part(node: Any) -> Any:
    """The indicator (or lag) inside ``node`` with the longest warm-up, for messages."""
    best, best_n = node, -1
    for part in E.walk_exprs(node):
        if isinstance(part, (E.Indicator, E.Lag)):
            n = warmup(part)
            if n > best_n:
                best, best_n = part, n
    return best
