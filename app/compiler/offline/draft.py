"""What the compiler has understood so far, field by field, and its strategy-language text.

A draft is filled by the readers, merged with a previous spec for a follow-up, and then
printed as strategy-language text that ``parse_spec`` checks, so the offline compiler's
output goes through exactly the same gate as the LLM's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from app.dsl.printer import (
    format_expr,
    format_sizing,
    format_spec,
    num,
    quote,
    statement_key,
)
from app.spec.models import AGENTS, REGIMES, AtrLevel, Level, StrategySpec

LevelT = tuple  # ("pct", 2.0) or ("atr", 2.0, 14)
RULE_KEYS = ("long_entry", "long_exit", "short_entry", "short_exit")
LIMIT_WORDS = {"daily_loss": "max daily loss", "max_drawdown": "max drawdown",
               "max_exposure": "max exposure", "max_position": "max position"}


@dataclass
class Draft:
    """Fields of a spec in the making; ``None`` means "not said"."""

    name: str | None = None
    universe: list[str] = field(default_factory=list)
    screen: str | None = None
    """A screen line carried over from a previous spec (the offline reader makes none)."""
    timeframe: str | None = None
    long_entry: str | None = None
    long_exit: str | None = None
    short_entry: str | None = None
    short_exit: str | None = None
    stop_loss: LevelT | None = None
    take_profit: LevelT | None = None
    trailing_stop: LevelT | None = None
    max_hold: int | None = None
    hold_span: tuple[int, str] | None = None
    """A holding time in the user's unit (5, "day"); bars once the timeframe is known."""
    sizing: tuple[str, float] | None = None
    max_positions: int | None = None
    regime_allow: tuple[str, ...] | None = None
    regime_transition: str | None = None
    regime_benchmark: str | None = None
    agents_team: tuple[str, ...] | None = None
    debate_rounds: int | None = None
    min_conviction: int | None = None
    limits: dict[str, object] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    cleared: set[str] = field(default_factory=set)
    """Fields the user explicitly turned off ("no stop"), so a revision removes them."""

    def ask(self, question: str) -> None:
        if question not in self.questions:
            self.questions.append(question)

    def assume(self, line: str) -> None:
        if line not in self.assumptions:
            self.assumptions.append(line)

    def said(self) -> set[str]:
        """Names of the fields this draft sets (for merging a follow-up)."""
        out = {f.name for f in fields(self) if f.name not in _META
               and getattr(self, f.name) not in (None, [], {})}
        return out | {f"limits.{k}" for k in self.limits}


_META = {"questions", "assumptions", "cleared", "limits", "universe", "name"}


def render(d: Draft) -> str:
    """The draft as strategy-language text (one statement per line)."""
    lines = [f"strategy {quote(d.name or 'Strategy')}", "universe " + ", ".join(d.universe)]
    lines += [d.screen] if d.screen else []
    lines.append(f"timeframe {d.timeframe or '1d'}")
    lines += _rule_lines(d)
    for word, level in (("stop loss", d.stop_loss), ("take profit", d.take_profit),
                        ("trailing stop", d.trailing_stop)):
        if level is not None:
            lines.append(f"{word} {level_text(level)}")
    if d.max_hold is not None:
        lines.append(f"max hold {d.max_hold} bars")
    if d.sizing is not None:
        lines.append("size " + format_sizing(*d.sizing))
    if d.max_positions is not None:
        lines.append(f"max positions {d.max_positions}")
    lines += _regime_lines(d) + _agent_lines(d) + _limit_lines(d)
    lines += [f"question {quote(q)}" for q in d.questions]
    return "\n".join(lines) + "\n"


def level_text(level: LevelT) -> str:
    if level[0] == "pct":
        return f"{num(level[1])}%"
    return f"{num(level[1])} atr({level[2]})"


def _rule_lines(d: Draft) -> list[str]:
    both = d.long_entry is not None and d.short_entry is not None
    out = []
    for side in ("long", "short"):
        entry, exit_ = getattr(d, f"{side}_entry"), getattr(d, f"{side}_exit")
        if entry is not None:
            out.append(f"{side} when {entry}")
        if exit_ is not None and (entry is not None or not both):
            out.append(f"exit {side + ' ' if both else ''}when {exit_}")
    return out


def _regime_lines(d: Draft) -> list[str]:
    if d.regime_allow is None and d.regime_transition is None and d.regime_benchmark is None:
        return []
    allow = d.regime_allow or REGIMES
    out = ["regime allow " + ("any" if tuple(allow) == REGIMES else ", ".join(allow))]
    if d.regime_transition:
        out.append(f"regime transition {d.regime_transition}")
    if d.regime_benchmark:
        out.append(f"regime benchmark {d.regime_benchmark}")
    return out


def _agent_lines(d: Draft) -> list[str]:
    if d.agents_team is None and d.min_conviction is None and d.debate_rounds is None:
        return []
    team = d.agents_team or AGENTS
    out = ["agents " + ("all" if tuple(team) == AGENTS else ", ".join(team))]
    if d.debate_rounds is not None:
        out.append(f"debate {d.debate_rounds} rounds")
    if d.min_conviction is not None:
        out.append(f"min conviction {d.min_conviction}")
    return out


def _limit_lines(d: Draft) -> list[str]:
    out = [f"{word} {num(float(d.limits[key]))}%"  # type: ignore[arg-type]
           for key, word in LIMIT_WORDS.items() if key in d.limits]
    if "circuit_breaker" in d.limits:
        pct, bars = d.limits["circuit_breaker"]  # type: ignore[misc]
        out.append(f"circuit breaker {num(pct)}% in {bars} {'bar' if bars == 1 else 'bars'}")
    return out


def from_spec(spec: StrategySpec) -> Draft:
    """A draft holding everything ``spec`` says (the starting point of a revision)."""
    d = Draft(name=spec.name, universe=list(spec.universe), timeframe=spec.timeframe,
              max_hold=spec.max_hold_bars, max_positions=spec.max_positions,
              questions=list(spec.questions))
    d.screen = next((line for line in format_spec(spec).splitlines()
                     if statement_key(line) == "screen"), None)
    for key in RULE_KEYS:
        rule = getattr(spec, key)
        setattr(d, key, format_expr(rule) if rule is not None else None)
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        setattr(d, key, _level_tuple(getattr(spec, key)))
    if spec.sizing is not None:
        d.sizing = (spec.sizing.kind, spec.sizing.value)
    _copy_regime_agents(spec, d)
    _copy_limits(spec, d)
    return d


def _level_tuple(level: Level | None) -> LevelT | None:
    if level is None:
        return None
    if isinstance(level, AtrLevel):
        return ("atr", level.atr, level.period)
    return ("pct", level.pct)


def _copy_regime_agents(spec: StrategySpec, d: Draft) -> None:
    if spec.regime is not None:
        d.regime_allow = tuple(spec.regime.allow)
        r = spec.regime
        if r.transition != "raise" or r.transition_raise != 10:
            d.regime_transition = r.transition + (
                f" {r.transition_raise}" if r.transition == "raise" else "")
        d.regime_benchmark = r.benchmark
    if spec.agents is not None:
        d.agents_team = tuple(spec.agents.team)
        d.debate_rounds = spec.agents.debate_rounds if spec.agents.debate_rounds != 1 else None
        d.min_conviction = (spec.agents.min_conviction
                            if spec.agents.min_conviction != 50 else None)


def _copy_limits(spec: StrategySpec, d: Draft) -> None:
    lim = spec.limits
    for key, value in (("daily_loss", lim.daily_loss_pct), ("max_drawdown", lim.max_drawdown_pct),
                       ("max_exposure", lim.max_exposure_pct),
                       ("max_position", lim.max_position_pct)):
        if value is not None:
            d.limits[key] = value
    if lim.circuit_breaker is not None:
        d.limits["circuit_breaker"] = (lim.circuit_breaker.move_pct, lim.circuit_breaker.bars)
