"""Spec -> plain English, written by code so the user reads what will actually run.

Every default the engine applies to something the spec leaves open is said out loud.
"""

from __future__ import annotations

from typing import Any

from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec import params as P
from app.spec import universes
from app.spec.checks import DEFAULT_SIZING_PCT
from app.spec.advice import never_closed
from app.spec.models import REGIMES, AtrLevel, Level, StrategySpec

TIMEFRAME_WORDS = {
    "1m": "1-minute",
    "5m": "5-minute",
    "15m": "15-minute",
    "30m": "30-minute",
    "1h": "hourly",
    "4h": "4-hour",
    "1d": "daily",
    "1w": "weekly",
    "1mo": "monthly",
}
_CMP_WORDS = {
    ">": "is above",
    ">=": "is at or above",
    "<": "is below",
    "<=": "is at or below",
    "==": "equals",
    "!=": "is not equal to",
}
_OP_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}


def n(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.10g}"


def join_words(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def read_back(spec: StrategySpec) -> str:
    """The whole spec as a few plain-English paragraphs.

    A spec with parameters reads as it runs (at the defaults), then names each parameter,
    its default, its range and where it is used.
    """
    if spec.params:
        return read_back(P.runnable(spec)) + "\n" + _params(spec)
    lines = [_headline(spec)]
    if spec.screen is not None:
        lines.append(_screen(spec))
    lines += _rules(spec)
    lines += _exits(spec)
    lines.append(_sizing(spec))
    if spec.max_positions is not None:
        lines.append(
            f"At most {spec.max_positions} position"
            f"{'s' if spec.max_positions != 1 else ''} open at once."
        )
    lines += _regime(spec) + _agents(spec) + _limits(spec)
    if spec.questions:
        lines.append("Still open: " + " ".join(spec.questions))
    return "\n".join(lines)


def _headline(spec: StrategySpec) -> str:
    side = {"long": "long only", "short": "short only", "both": "long and short"}[spec.direction]
    symbols = join_words(list(spec.universe))
    if spec.universe_name is not None:
        symbols = f"the {len(spec.universe)} stocks of the bundled {spec.universe_name} universe"
    text = (
        f'"{spec.name}" trades {symbols} on {TIMEFRAME_WORDS[spec.timeframe]} bars, '
        f"{side}. Rules are checked when a bar closes; orders fill at the next bar's open."
    )
    caveat = universes.CAVEATS.get(spec.universe_name or "")
    return f"{text} {caveat}" if caveat else text


def _screen(spec: StrategySpec) -> str:
    screen = spec.screen
    assert screen is not None
    where = f"keeps the symbols where {say(screen.filter)}, " if screen.filter else ""
    best = "highest" if screen.descending else "lowest"
    return (
        f"On each bar the screen {where}ranks them by {say(screen.rank_by)} and trades "
        f"only the {screen.top} with the {best} values."
    )


def _rules(spec: StrategySpec) -> list[str]:
    out = []
    for side, verb in (("long", "Buy"), ("short", "Sell short")):
        entry, exit_ = getattr(spec, f"{side}_entry"), getattr(spec, f"{side}_exit")
        if entry is not None:
            out.append(f"{verb} when {say(entry)}.")
            closing = "Sell" if side == "long" else "Buy to cover"
            if exit_ is not None:
                out.append(f"{closing} when {say(exit_)}.")
            elif side in never_closed(spec):
                out.append(
                    f"Nothing closes a {side} position: no {side} exit rule, stop, "
                    "target or holding limit, so it is held until the run ends."
                )
            else:
                out.append(
                    f"No {side} exit rule: {side} positions close only by the stops, "
                    "target or holding limit below."
                )
    return out


def say_level(level: Level, above: bool) -> str:
    way = "above" if above else "below"
    if isinstance(level, AtrLevel):
        return f"{n(level.atr)} x ATR({level.period}) {way} the entry price"
    return f"{n(level.pct)}% {way} the entry price"


def _exits(spec: StrategySpec) -> list[str]:
    long_side = spec.direction != "short"
    out = []
    if spec.stop_loss is not None:
        out.append(
            f"Stop loss {say_level(spec.stop_loss, not long_side)}"
            f"{' (mirrored for shorts)' if spec.direction == 'both' else ''}, checked "
            "within each bar; a gap through it fills at the open."
        )
    else:
        out.append("No stop loss.")
    if spec.take_profit is not None:
        out.append(f"Take profit {say_level(spec.take_profit, long_side)}.")
    if spec.trailing_stop is not None:
        trail = say_level(spec.trailing_stop, not long_side)
        since = trail.replace("the entry price", "the best price since entry")
        out.append(f"Trailing stop {since}.")
    if spec.max_hold_bars is not None:
        out.append(
            f"Positions close after at most {spec.max_hold_bars} "
            f"bar{'s' if spec.max_hold_bars != 1 else ''}."
        )
    return out


def _sizing(spec: StrategySpec) -> str:
    s = spec.sizing
    if s is None:
        return (
            f"Size: not set, so Parley uses its default of {n(DEFAULT_SIZING_PCT)}% of "
            "equity per position."
        )
    return {
        "pct_equity": f"Each position is {n(s.value)}% of equity.",
        "risk_pct": f"Each trade risks {n(s.value)}% of equity: the size is set so that "
        "hitting the stop loses that much.",
        "fixed_usd": f"Each position is ${n(s.value)}.",
        "fixed_shares": f"Each position is {n(s.value)} share{'s' if s.value != 1 else ''}.",
    }[s.kind]


def _regime(spec: StrategySpec) -> list[str]:
    r = spec.regime
    if r is None:
        return ["No regime filter."]
    whose = f"{r.benchmark}'s regime" if r.benchmark else "each symbol's regime"
    allowed = (
        "any regime"
        if tuple(r.allow) == REGIMES
        else join_words([a.replace("_", " ") for a in r.allow], "or")
    )
    text = f"Regime filter: new positions open only in {allowed} ({whose})."
    text += {
        "allow": " A regime transition changes nothing.",
        "block": " Nothing opens while the regime is in transition.",
        "raise": f" In a transition the minimum conviction rises by {r.transition_raise}.",
    }[r.transition]
    return [text]


def _agents(spec: StrategySpec) -> list[str]:
    a = spec.agents
    if a is None:
        return ["No agent team: every rule signal is acted on."]
    team = join_words(list(a.team))
    return [
        f"Agent team: {team} analysts, a bull/bear debate of {a.debate_rounds} "
        f"round{'s' if a.debate_rounds != 1 else ''}, a risk manager and a trader who must "
        f"score conviction of at least {a.min_conviction} out of 100."
    ]


def _limits(spec: StrategySpec) -> list[str]:
    lim = spec.limits
    parts = []
    if lim.daily_loss_pct is not None:
        parts.append(f"stop for the day after losing {n(lim.daily_loss_pct)}% of equity")
    if lim.max_drawdown_pct is not None:
        parts.append(f"stop the run at a {n(lim.max_drawdown_pct)}% drawdown")
    if lim.max_exposure_pct is not None:
        parts.append(f"keep total exposure within {n(lim.max_exposure_pct)}% of equity")
    if lim.max_position_pct is not None:
        parts.append(f"keep each position within {n(lim.max_position_pct)}% of equity")
    if lim.circuit_breaker is not None:
        cb = lim.circuit_breaker
        parts.append(
            f"pause if a price moves more than {n(cb.move_pct)}% within "
            f"{cb.bars} bar{'s' if cb.bars != 1 else ''}"
        )
    return [f"Risk limits: {join_words(parts)}."] if parts else []


_PLACES = {
    "stop_loss": "the stop loss",
    "take_profit": "the take profit",
    "trailing_stop": "the trailing stop",
    "sizing": "the size",
    "screen": "the screen",
    "max_hold_bars": "the holding limit",
    "max_positions": "the position cap",
    "long_entry": "the long entry rule",
    "long_exit": "the long exit rule",
    "short_entry": "the short entry rule",
    "short_exit": "the short exit rule",
}


def _params(spec: StrategySpec) -> str:
    where: dict[str, list[str]] = {}
    for use in P.uses(spec):
        place = _PLACES.get(use.key, use.key)
        if use.node is not None or use.site is P.EXPR_SITE:
            place = f"{'a number' if use.node is None else use.site.label} in {place}"
        elif use.site.label.startswith("an ATR"):
            place = f"the ATR {use.site.label.split()[-1]} of {place}"
        if place not in where.setdefault(use.name, []):
            where[use.name].append(place)
    parts = []
    for p in spec.params:
        u = "%" if p.pct else ""
        parts.append(
            f"{p.name} = {n(p.default)}{u} (from {n(p.low)}{u} to {n(p.high)}{u} in "
            f"steps of {n(p.step)}{u}; {join_words(where.get(p.name, []))})"
        )
    return (
        "Parameters, at their defaults above; a sweep tries the rest of each range: "
        + "; ".join(parts)
        + "."
    )


# ----- expressions -------------------------------------------------------------------------
def say(node: Any) -> str:
    """An expression or condition in words."""
    if isinstance(node, E.Num):
        return n(node.value)
    if isinstance(node, E.FieldRef):
        return f"the {node.name}"
    if isinstance(node, E.Indicator):
        return _say_indicator(node)
    if isinstance(node, E.Lag):
        return f"{say(node.expr)} {node.bars} bar{'s' if node.bars != 1 else ''} ago"
    if isinstance(node, E.Neg):
        return f"minus {say(node.expr)}"
    if isinstance(node, E.BinOp):
        return f"({say(node.left)} {_OP_WORDS[node.op]} {say(node.right)})"
    if isinstance(node, E.Compare):
        return f"{say(node.left)} {_CMP_WORDS[node.op]} {say(node.right)}"
    if isinstance(node, E.Cross):
        return f"{say(node.left)} crosses {node.direction} {say(node.right)}"
    if isinstance(node, E.And):
        return join_words([say(i) for i in node.items])
    if isinstance(node, E.Or):
        return "either " + join_words([say(i) for i in node.items], "or")
    if isinstance(node, E.Not):
        return f"it is not true that {say(node.item)}"
    raise TypeError(f"cannot read {type(node).__name__}")


def _say_indicator(node: E.Indicator) -> str:
    p = [n(v) for v in node.numbers()]
    src = say(node.source) if node.source is not None else "the close"
    name = node.name
    if name in ("highest", "lowest"):
        return f"the {name} {src.removeprefix('the ')} of the last {p[0]} bars"
    if name in ("opening_high", "opening_low"):
        return f"the {name.split('_')[1]} of the session's first {p[0]} bars"
    if name == "macd":
        part = {"line": "line", "signal": "signal line", "hist": "histogram"}[node.output or "line"]
        return f"the MACD({', '.join(p)}) {part} of {src}"
    if name == "bollinger":
        return (
            f"the {node.output} Bollinger band ({p[0]} bars, {p[1]} standard deviations) of {src}"
        )
    if name == "stoch":
        return f"the stochastic %{(node.output or 'k').upper()}({', '.join(p)})"
    phrase = CATALOG[name].phrase if name in CATALOG else name
    of = f" of {src}" if CATALOG.get(name) and CATALOG[name].takes_source else ""
    return f"the {p[0]}-bar {phrase}{of}"
