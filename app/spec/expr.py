"""Expressions and conditions of the strategy language, as frozen pydantic models.

Every node carries a ``kind`` so the JSON form is self-describing and pydantic can pick
the right class from a discriminated union.
"""

from collections.abc import Iterator
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

PriceField = Literal["open", "high", "low", "close", "volume"]
ArithOp = Literal["+", "-", "*", "/"]
CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
CrossDirection = Literal["above", "below"]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Num(_Node):
    """A number literal."""

    kind: Literal["num"] = "num"
    value: float


class FieldRef(_Node):
    """A price field of the current bar: open, high, low, close or volume."""

    kind: Literal["field"] = "field"
    name: PriceField


class ParamRef(_Node):
    """A parameter of the spec (``param fast = 10 in 5..50 step 5``) used where a number goes.

    Only specs as written hold these; :func:`app.spec.params.bind` swaps each for its value
    before anything runs, so the engine never sees one.
    """

    kind: Literal["param"] = "param"
    name: str


def number(value: float | ParamRef) -> float:
    """A number of a spec that runs: every parameter bound, as the engine sees it.

    Raises:
        TypeError: a parameter is still unbound (:func:`app.spec.params.bind` first).
    """
    if isinstance(value, ParamRef):
        raise TypeError(f"parameter {value.name} is unbound: bind the spec before running it")
    return value


class Indicator(_Node):
    """An indicator call such as ``sma(close, 50)`` or ``macd(close, 12, 26, 9).signal``.

    ``params`` always holds every parameter (defaults filled in) so that two specs that
    mean the same thing compare equal.
    """

    kind: Literal["indicator"] = "indicator"
    name: str
    source: Optional["Expr"] = None
    """The series the indicator reads (``None`` for indicators computed from OHLCV)."""
    params: tuple[float | ParamRef, ...] = ()
    output: str | None = None
    """The chosen output of a multi-output indicator (``signal`` of MACD)."""

    def numbers(self) -> tuple[float, ...]:
        """``params`` as the engine reads them (:func:`number` of each)."""
        return tuple(number(v) for v in self.params)


class Lag(_Node):
    """A value from ``bars`` bars ago: ``close[1]``."""

    kind: Literal["lag"] = "lag"
    expr: "Expr"
    bars: int = Field(ge=1, le=10_000)


class Neg(_Node):
    """Unary minus."""

    kind: Literal["neg"] = "neg"
    expr: "Expr"


class BinOp(_Node):
    """Arithmetic: ``high - low``, ``sma(close, 20) * 1.02``."""

    kind: Literal["binop"] = "binop"
    op: ArithOp
    left: "Expr"
    right: "Expr"


Expr = Annotated[
    Num | FieldRef | Indicator | Lag | Neg | BinOp | ParamRef, Field(discriminator="kind")
]


class Compare(_Node):
    """``left op right`` evaluated on each closed bar."""

    kind: Literal["compare"] = "compare"
    op: CompareOp
    left: Expr
    right: Expr


class Cross(_Node):
    """``left crosses above right``: ``left[t-1] <= right[t-1] and left[t] > right[t]``.

    Below is the mirror image: ``left[t-1] >= right[t-1] and left[t] < right[t]``.
    """

    kind: Literal["cross"] = "cross"
    direction: CrossDirection
    left: Expr
    right: Expr


class And(_Node):
    kind: Literal["and"] = "and"
    items: tuple["Cond", ...] = Field(min_length=2)


class Or(_Node):
    kind: Literal["or"] = "or"
    items: tuple["Cond", ...] = Field(min_length=2)


class Not(_Node):
    kind: Literal["not"] = "not"
    item: "Cond"


Cond = Annotated[Compare | Cross | And | Or | Not, Field(discriminator="kind")]

for _model in (Indicator, Lag, Neg, BinOp, Compare, Cross, And, Or, Not):
    _model.model_rebuild()


def walk_exprs(node: object) -> Iterator[Expr]:
    """Yield every expression node inside a condition or expression, depth first."""
    if isinstance(node, (Compare, Cross, BinOp)):
        yield from walk_exprs(node.left)
        yield from walk_exprs(node.right)
        if isinstance(node, BinOp):
            yield node
    elif isinstance(node, (And, Or)):
        for item in node.items:
            yield from walk_exprs(item)
    elif isinstance(node, Not):
        yield from walk_exprs(node.item)
    elif isinstance(node, (Lag, Neg)):
        yield from walk_exprs(node.expr)
        yield node
    elif isinstance(node, Indicator):
        if node.source is not None:
            yield from walk_exprs(node.source)
        yield node
    elif isinstance(node, (Num, FieldRef, ParamRef)):
        yield node
