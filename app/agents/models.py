"""The agent team's vocabulary: what goes into a decision and every record that comes out.

Scores are *directional*: an :class:`Opinion`'s ``score`` runs from -100 (strongly
bearish on the price) to +100 (strongly bullish), 0 being neutral or abstaining. Whether
that supports the candidate depends on its side: a bearish score supports a short entry.
``conviction`` (0-100) is always *for the candidate trade*, 50 meaning "no edge either way".
Every record is frozen pydantic; ``model_dump(mode="json")`` is what a decision log stores.
"""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.indicators.bars import Bars

Stance = Literal["bullish", "bearish", "neutral", "abstain"]
Side = Literal["long", "short"]
Source = Literal["deterministic", "llm"]
Mode = Literal["offline", "llm"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Record):
    """One fact an agent weighed, and how much it pushed the score."""

    fact: str
    """The fact in words, with its figure ("close is 4.2% above its 50-bar average")."""
    value: float | None = None
    """The figure itself, when there is one."""
    points: float = Field(default=0.0, ge=-100, le=100)
    """Signed contribution to the score (bullish positive); 0 for context-only facts."""


class Opinion(_Record):
    """An analyst's view of the symbol's price at the decision time."""

    agent: str
    stance: Stance
    score: float = Field(ge=-100, le=100)
    """-100 strongly bearish .. +100 strongly bullish; 0 when neutral or abstaining."""
    rationale: str
    evidence: tuple[Evidence, ...] = ()
    source: Source = "deterministic"
    note: str = ""
    """Why the form differs from the one asked for (an LLM fallback), else empty."""

    @model_validator(mode="after")
    def _abstain_scores_zero(self) -> Opinion:
        if self.stance == "abstain" and self.score != 0:
            raise ValueError("an abstaining opinion has score 0")
        return self


class DebateTurn(_Record):
    """One speech in the bull/bear debate."""

    round: int = Field(ge=1)
    speaker: Literal["bull", "bear"]
    argument: str
    answers: str | None = None
    """The opponent's point this turn rebuts (None on the opening turn)."""
    points: tuple[str, ...] = ()
    """The facts this turn cites."""
    strength: float = Field(ge=0, le=100)
    """How much weight the turn carries (0-100), used for the debate balance."""
    source: Source = "deterministic"


class RiskVerdict(_Record):
    """The risk manager's ruling: approve, shrink the size, or veto."""

    action: Literal["approve", "shrink", "veto"]
    size_factor: float = Field(ge=0, le=1)
    """Cap on the share of the spec's sizing (0 on a veto, 1 on a plain approval)."""
    reasons: tuple[str, ...] = ()
    source: Source = "deterministic"


class Headline(_Record):
    """A news headline known at ``time``.

    Times are naive, on the same clock as the bars; an aware time is converted to UTC
    and made naive (right for crypto and UTC-stamped bars; convert first otherwise).
    """

    time: datetime
    text: str = Field(max_length=1000)
    symbols: tuple[str, ...] = ()
    source: str = ""

    @field_validator("time")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    @field_validator("text")
    @classmethod
    def _normalised(cls, value: str) -> str:
        from app.agents.lexicon import normalize

        return normalize(value)


class Position(_Record):
    """An open position in the portfolio snapshot."""

    symbol: str
    side: Side
    market_value: float = Field(ge=0)
    """Absolute value of the position at the decision time."""


class PortfolioSnapshot(_Record):
    """The account as the risk manager sees it at the decision time."""

    equity: float = Field(gt=0)
    peak_equity: float | None = None
    """Highest equity so far (for drawdown); ``None`` means equity is the peak."""
    day_start_equity: float | None = None
    """Equity at the start of the trading day (for the daily loss limit)."""
    positions: tuple[Position, ...] = ()

    @property
    def exposure_pct(self) -> float:
        """Gross exposure as percent of equity."""
        return 100.0 * sum(p.market_value for p in self.positions) / self.equity

    @property
    def drawdown_pct(self) -> float:
        peak = max(self.peak_equity or self.equity, self.equity)
        return 100.0 * (peak - self.equity) / peak

    @property
    def day_loss_pct(self) -> float:
        start = self.day_start_equity or self.equity
        return max(0.0, 100.0 * (start - self.equity) / start)


class DecisionContext(BaseModel):
    """Everything the team may know about one candidate, cut at ``time``.

    Validation refuses any bar, benchmark bar or headline later than ``time``: agents
    cannot look ahead. Build one with :func:`app.agents.context.make_context`, which
    slices full histories for you.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    symbol: str
    time: datetime
    """The close of the bar the rule fired on."""
    bars: Bars
    """The symbol's bars up to and including ``time`` (oldest first)."""
    rule: str
    """The rule that fired, as text ("long entry: sma(close, 10) crosses above ...")."""
    side: Side
    regime: str | None = None
    regime_confidence: float | None = Field(default=None, ge=0, le=1)
    in_transition: bool = False
    conviction_raise: int = Field(default=0, ge=0, le=100)
    """Points the regime filter adds to the minimum conviction (in a transition)."""
    portfolio: PortfolioSnapshot
    proposed_pct: float | None = Field(default=None, ge=0)
    """The new position's value as percent of equity at full spec sizing, when known."""
    benchmark: Bars | None = None
    benchmark_name: str = "benchmark"
    headlines: tuple[Headline, ...] = ()
    news_source: str = ""
    """Where the headlines came from ("" offline: there is no news source)."""
    news_problem: str = ""
    """Why the news source gave nothing for this decision, when it failed."""
    fundamentals: dict[str, float] | None = None
    """As-of fundamentals figures, when a source provides them (none offline)."""

    @field_validator("time")
    @classmethod
    def _wall_clock(cls, value: datetime) -> datetime:
        """The bars' clock is naive wall time (see ``Bars``): drop a time zone, keep the hour."""
        return value.replace(tzinfo=None)

    @model_validator(mode="after")
    def _no_look_ahead(self) -> DecisionContext:
        limit = _np_time(self.time)
        for name, bars in (("bars", self.bars), ("benchmark", self.benchmark)):
            if bars is not None and len(bars) and bars.index[-1] > limit:
                raise ValueError(f"{name} run past the decision time {self.time}")
        if len(self.bars) == 0:
            raise ValueError("a decision needs at least one bar")
        late = [h for h in self.headlines if h.time > self.time]
        if late:
            raise ValueError(f"{len(late)} headline(s) are later than the decision time")
        return self


class SetupKey(_Record):
    """The features similar setups share, for memory retrieval."""

    rule: str
    side: Side
    regime: str
    trend: Literal["up", "down", "flat", "unknown"]
    volatility: Literal["low", "normal", "high", "unknown"]


class LessonHit(_Record):
    """A retrieved lesson and how it moved the conviction."""

    lesson_id: str
    similarity: float
    """0..1: how alike the two setups are (rule, regime, trend, volatility and figures)."""
    outcome_pct: float
    reflection: str
    points: float
    """Conviction points this lesson contributed (negative for a setup that lost)."""


class Lesson(_Record):
    """What one closed trade taught."""

    id: str
    """Unique across runs: run, strategy, symbol, entry time and side."""
    setup: SetupKey
    symbol: str = ""
    strategy: str = ""
    """The strategy's name; lessons are recalled for the same symbol and strategy."""
    figures: dict[str, float] = {}
    """The setup's indicator figures at entry (see :data:`app.agents.memory.FIGURES`)."""
    opened: datetime
    closed: datetime
    conviction: int
    outcome_pct: float
    """The trade's return in percent (after costs, signed for its side)."""
    thesis: str
    reflection: str
    hint: float
    """Conviction points this lesson suggests for the same setup next time."""


class DecisionUsage(_Record):
    """LLM use of one decision (all zero offline)."""

    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    answered_by: tuple[str, ...] = ()
    """Which provider and model answered (``anthropic claude-...``, ``openai-compatible
    llama3``), once each."""


class TeamDecision(_Record):
    """The full record of one candidate's decision, as stored in the decision log."""

    symbol: str
    time: datetime
    rule: str
    side: Side
    regime: str | None
    regime_confidence: float | None
    portfolio_equity: float
    exposure_pct: float
    setup: SetupKey
    conviction: int = Field(ge=0, le=100)
    min_conviction: int = Field(ge=0, le=100)
    approved: bool
    size_factor: float = Field(ge=0, le=1)
    """Share of the spec's sizing to use: never above 1, 0 when not approved."""
    opinions: tuple[Opinion, ...]
    debate: tuple[DebateTurn, ...]
    risk: RiskVerdict
    lessons: tuple[LessonHit, ...] = ()
    memory_points: float = 0.0
    """Conviction points the recalled lessons added (negative: they lowered it)."""
    conviction_without_memory: int | None = None
    """The conviction the team would have reached without its lessons."""
    strategy: str = ""
    figures: dict[str, float] = {}
    """The setup's figures memory compares (trend slope, momentum, RSI, volatility rank, ADX)."""
    reasons: tuple[str, ...]
    mode: Mode
    degraded: bool = False
    degraded_why: tuple[str, ...] = ()
    usage: DecisionUsage = DecisionUsage()


def _np_time(value: datetime) -> np.datetime64:
    return np.datetime64(value, "ns")
