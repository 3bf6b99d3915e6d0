"""The strategy spec: the validated, frozen model every part of Parley works from.

Its ``model_dump(mode="json")`` is the machine-readable form DESIGN.md section 3 fixes.
Percentages are stored in percent units (``{"pct": 2.0}`` means 2 %).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from app.spec.expr import Cond, Expr, ParamRef

Timeframe = Literal["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1mo"]
TIMEFRAMES: tuple[str, ...] = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1mo")
Direction = Literal["long", "short", "both"]
RegimeName = Literal["trending_up", "trending_down", "mean_reverting", "high_volatility"]
REGIMES: tuple[RegimeName, ...] = (
    "trending_up",
    "trending_down",
    "mean_reverting",
    "high_volatility",
)
AgentName = Literal["technical", "fundamentals", "news", "macro"]
AGENTS: tuple[AgentName, ...] = ("technical", "fundamentals", "news", "macro")
SizingKind = Literal["pct_equity", "risk_pct", "fixed_usd", "fixed_shares"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


TAGS = ("number", "param", "pct_level", "atr_level")
"""The tags of the models' tagged unions: they name no part of the spec."""


def _number_or_param(value: Any) -> str:
    return "param" if isinstance(value, (dict, ParamRef)) else "number"


def _number(**bounds: float) -> Any:
    """A number within ``bounds``, or a parameter (whose range the checks hold to them).

    Tagged, so that a bad number gets the number's error only.
    """
    number = Annotated[float, Field(**bounds), Tag("number")]
    return Annotated[number | Annotated[ParamRef, Tag("param")], Discriminator(_number_or_param)]


def _whole(**bounds: int) -> Any:
    number = Annotated[int, Field(**bounds), Tag("number")]
    return Annotated[number | Annotated[ParamRef, Tag("param")], Discriminator(_number_or_param)]


class Param(_Model):
    """``param NAME = DEFAULT in LOW..HIGH step STEP``: a number a sweep may vary.

    Everywhere but a sweep the spec runs with ``default``. ``pct`` marks values written
    with ``%`` (percent units, like every percentage of the spec).
    """

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=40)
    default: float
    low: float
    high: float
    step: float = Field(gt=0)
    pct: bool = False

    @property
    def integer(self) -> bool:
        """True when every value of the range is a whole number."""
        return all(float(v).is_integer() for v in (self.default, self.low, self.high, self.step))


class PctLevel(_Model):
    """A distance in percent of the entry price."""

    pct: _number(gt=0, le=1000)  # type: ignore[valid-type]


class AtrLevel(_Model):
    """A distance in multiples of ATR(period) at entry."""

    atr: _number(gt=0, le=100)  # type: ignore[valid-type]
    period: _whole(ge=1, le=1000) = 14  # type: ignore[valid-type]


def _level_kind(value: Any) -> str:
    """Which kind of level a value is: ``{"atr": ...}`` is ATR, anything else percent.

    Picking the kind first means a bad level gets the errors of its own kind only, not
    those of every kind it is not.
    """
    if isinstance(value, dict):
        return "atr_level" if "atr" in value else "pct_level"
    return "atr_level" if isinstance(value, AtrLevel) else "pct_level"


Level = Annotated[
    Annotated[PctLevel, Tag("pct_level")] | Annotated[AtrLevel, Tag("atr_level")],
    Discriminator(_level_kind),
]


class Sizing(_Model):
    """How big each new position is."""

    kind: SizingKind
    value: _number(gt=0)  # type: ignore[valid-type]
    """Percent for ``pct_equity`` and ``risk_pct``, dollars for ``fixed_usd``, shares for
    ``fixed_shares``."""


class Screen(_Model):
    """Filter the base universe and keep the ``top`` best by ``rank_by`` on each bar."""

    filter: Cond | None = None
    rank_by: Expr
    descending: bool = True
    """True keeps the highest values."""
    top: _whole(ge=1, le=10_000)  # type: ignore[valid-type]


class RegimeSpec(_Model):
    """Which market regimes may open positions, and what a regime change does."""

    allow: tuple[RegimeName, ...] = Field(default=REGIMES, min_length=1)
    transition: Literal["allow", "raise", "block"] = "raise"
    """In a transition: trade as usual, demand more conviction, or open nothing."""
    transition_raise: int = Field(default=10, ge=0, le=100)
    """Points added to the minimum conviction in a transition (with ``raise``)."""
    benchmark: str | None = None
    """Symbol whose regime gates every symbol; ``None`` uses each symbol's own."""


class AgentsSpec(_Model):
    """The analyst team that votes after the rules fire."""

    team: tuple[AgentName, ...] = Field(default=AGENTS, min_length=1)
    debate_rounds: int = Field(default=1, ge=0, le=10)
    min_conviction: int = Field(default=50, ge=0, le=100)


class CircuitBreaker(_Model):
    """Pause when price moves more than ``move_pct`` within ``bars`` bars."""

    move_pct: float = Field(gt=0, le=100)
    bars: int = Field(default=1, ge=1, le=1000)


class Limits(_Model):
    """Risk limits enforced in code by the risk gate; ``None`` means not set."""

    daily_loss_pct: float | None = Field(default=None, gt=0, le=100)
    max_drawdown_pct: float | None = Field(default=None, gt=0, le=100)
    circuit_breaker: CircuitBreaker | None = None
    max_exposure_pct: float | None = Field(default=None, gt=0, le=1000)
    max_position_pct: float | None = Field(default=None, gt=0, le=1000)


class StrategySpec(_Model):
    """A complete strategy. Build one with :func:`app.dsl.parse_spec` to get it checked."""

    name: str = Field(min_length=1, max_length=200)
    universe: tuple[str, ...] = Field(min_length=1)
    """The symbols traded (or screened): always the whole list, a named universe expanded."""
    universe_name: str | None = None
    """The named universe the list is (``sp500``), or ``None`` for a list written out."""
    screen: Screen | None = None
    timeframe: Timeframe = "1d"
    direction: Direction = "long"
    long_entry: Cond | None = None
    long_exit: Cond | None = None
    short_entry: Cond | None = None
    short_exit: Cond | None = None
    stop_loss: Level | None = None
    take_profit: Level | None = None
    trailing_stop: Level | None = None
    max_hold_bars: _whole(ge=1, le=1_000_000) | None = None  # type: ignore[valid-type]
    sizing: Sizing | None = None
    max_positions: _whole(ge=1, le=10_000) | None = None  # type: ignore[valid-type]
    regime: RegimeSpec | None = None
    agents: AgentsSpec | None = None
    limits: Limits = Limits()
    questions: tuple[str, ...] = ()
    """Clarifying questions still open; empty when the spec says all it needs to."""
    params: tuple[Param, ...] = ()
    """Declared parameters; the numbers above may name them until bound."""
