"""Timeframe, holding time, position caps and risk limits, read out of the text.

Limits are read first ("daily loss limit" must not be taken for the daily timeframe), then
holding time ("hold for 5 hours" is not the hourly chart), then the timeframe.
"""

from __future__ import annotations

import math
import re

from app.compiler.offline.draft import Draft
from app.compiler.offline.scanner import Scanner

PCT = r"(?P<v>\d+(?:\.\d+)?)%"
_IS = r"(?:\s*[:=]|\s+(?:of|at|is|limit|cap|stop))*\s*"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


LIMITS: list[tuple[str, re.Pattern[str]]] = [
    ("daily_loss", _c(rf"\b(?:max(?:imum)?\s+)?daily\s+(?:loss|drawdown|stop)(?:es)?{_IS}{PCT}")),
    ("daily_loss", _c(rf"\b{PCT}\s+(?:max(?:imum)?\s+)?daily\s+(?:loss|drawdown)(?:\s+(?:limit|"
                      rf"cap))?")),
    ("daily_loss", _c(rf"\bstop\s+(?:trading\s+)?(?:for\s+the\s+day\s+)?(?:after|if|when|once)\s+"
                      rf"(?:i\s+|we\s+|it\s+)?(?:lose|losing|loses|am down|are down|is down|"
                      rf"down)\s+"
                      rf"{PCT}(?:\s+(?:in a day|a day|on the day|today|in one day))?")),
    ("max_drawdown", _c(rf"\b(?:max(?:imum)?\s+)?draw\s?downs?{_IS}{PCT}")),
    ("max_drawdown", _c(rf"(?:\b(?:kill|stop|halt|shut down|pause)\s+(?:it|the strategy|everything|"
                        rf"trading)\s+(?:at|after|if|"
                        rf"on)\s+(?:an?\s+)?)?\b{PCT}\s+(?:max(?:imum)?\s+)?"
                        rf"draw\s?down")),
    ("max_exposure", _c(rf"\b(?:max(?:imum)?|total|gross)\s+exposure{_IS}{PCT}")),
    ("max_position", _c(rf"\b(?:max(?:imum)?\s+position(?:\s+size)?|no\s+(?:single\s+)?position\s+"
                        rf"(?:bigger|larger|more|greater|over)\s+than|cap\s+(?:each\s+)?positions?"
                        rf"\s+at){_IS}{PCT}(?:\s+of\s+(?:equity|the account|my account|"
                        rf"the portfolio))?")),
]
BREAKERS = [
    _c(rf"\bcircuit[- ]?breaker{_IS}{PCT}(?:\s+(?:in|within|over)\s+(?P<b>\d+)\s+bars?)?"),
    _c(rf"\bpause\s+(?:trading\s+)?(?:if|when)\s+(?:the\s+)?price\s+moves\s+(?:more than\s+)?{PCT}"
       rf"(?:\s+(?:in|within)\s+(?P<b>\d+)\s+bars?)?"),
]
_UNIT = r"(?P<u>bars?|candles?|days?|sessions?|weeks?|hours?|minutes?)"
_HOLD_HEAD = (r"(?:max(?:imum)?\s+hold(?:ing)?(?:\s+(?:time|period))?|hold(?:ing)?(?:\s+(?:time|"
              r"period))?"
              r"(?:\s+(?:it|them|positions?|trades?|each trade|each position))?|time[- ](?:stop|"
              r"exit)|"
              r"(?:sell|sold|exit|exited|close|closed|get out|out)(?:\s+(?:it|the position|"
              r"positions?|the trade|"
              r"everything))?\s+after|after|max(?:imum)?|at most|up to|no (?:more|longer) than|"
              r"never\s+hold|don't\s+hold|do\s+not\s+hold)")
_HOLD_LINK = (r"(?:\s*[:=]|\s+(?:of|for|is|to|after|within|at most|up to|a max(?:imum)? of|"
              r"max(?:imum)?|no more than|no longer than|more than|longer than|over|any))*")
HOLDS = [
    _c(r"\b(?:sell|exit|close|get out)\s+(?:it\s+)?(?:at|on)\s+the\s+next\s+(?P<u>day|bar|"
       r"session)'s\s+"
       r"(?:close|open)(?P<n>)"),
    _c(rf"\b{_HOLD_HEAD}{_HOLD_LINK}\s+(?P<n>\d+)\s+{_UNIT}\b(?:\s+max(?:imum)?)?"),
    _c(rf"\b(?P<n>\d+)[- ]{_UNIT}\s+(?:max(?:imum)?\s+hold|time[- ]stop|holding period|hold)"),
]
POSITIONS = [
    _c(r"\b(?:max(?:imum)?|at most|no more than|up to|limit(?:\s+of)?|cap(?:\s+of)?|only)\s+"
       r"(?P<n>\d+)\s+(?:open\s+|concurrent\s+|simultaneous\s+|long\s+|short\s+)?positions?"
       r"(?:\s+(?:at (?:a|one|any) time|at once|open))?"),
    _c(r"\bmax(?:imum)?\s+(?:open\s+)?positions?(?:\s+(?:of|:|=|is))?\s*(?P<n>\d+)"),
    _c(r"\b(?P<n>\d+)\s+positions?\s+max(?:imum)?\b"),
]
_TF_TAIL = r"(?:\s+(?:bars?|candles?|charts?|timeframe|time frame|tf|data|candlesticks?))?"
_ON = r"(?:\b(?:on|using|use|with|trade|in)\s+(?:the\s+|a\s+)?)?"
TIMEFRAMES: list[tuple[re.Pattern[str], str | None]] = [
    (_c(r"\b(?:time\s?frame|tf)\s*(?::|=|is)\s*|\btime\s?frame\b"), None),
    (_c(rf"{_ON}(?<![$\d.])\b(?P<n>\d+)[- ]?(?:minutes?|mins?|m)\b(?!\s+(?:opening|"
        rf"range)){_TF_TAIL}"), "m"),
    (_c(rf"{_ON}\bminute\s+(?:bars?|candles?|charts?|timeframe)"), "1m"),
    (_c(rf"{_ON}\b(?P<n>1|4|60|240)[- ]?(?:hours?|hr|h)\b{_TF_TAIL}"), "h"),
    (_c(rf"{_ON}\b(?:hourly|h1){_TF_TAIL}"), "1h"),
    (_c(rf"{_ON}\b(?:h4|four[- ]hour){_TF_TAIL}"), "4h"),
    (_c(rf"{_ON}\b(?:daily|1[- ]?d|d1|end[- ]of[- ]day|eod){_TF_TAIL}\b"), "1d"),
    (_c(rf"{_ON}\bday\s+(?:bars?|candles?|charts?|timeframe)"), "1d"),
    (_c(rf"{_ON}\b(?:weekly|monthly|1[- ]?w|w1)\s+(?:bars?|candles?|charts?|timeframe)"), "weekly"),
    (_c(r"\bon\s+(?:the\s+)?(?:weekly|monthly)\b"), "weekly"),
]
INTRADAY = _c(r"\bintra-?day\b")
LONG_ONLY = _c(r"\blong[- ]only\b|\bonly\s+longs?\b|\bno\s+shorts?(?:ing)?\b")
BOTH_WAYS = _c(r"\b(?:long\s+and\s+short|both\s+(?:ways|directions|sides)|long/short)\b")


def read_limits(s: Scanner, d: Draft) -> None:
    """Daily loss, drawdown, exposure and per-position caps, and the circuit breaker."""
    for key, pattern in LIMITS:
        for m in s.take(pattern):
            d.limits.setdefault(key, float(m.group("v")))
    for pattern in BREAKERS:
        for m in s.take(pattern):
            d.limits.setdefault("circuit_breaker", (float(m.group("v")), int(m.group("b") or 1)))


def read_hold(s: Scanner, d: Draft) -> None:
    """Maximum holding time, kept in the user's unit until the timeframe is known."""
    for pattern in HOLDS:
        for m in s.take(pattern):
            unit = m.group("u").rstrip("s")
            d.hold_span = d.hold_span or (int(m.group("n") or 1), unit)


def read_positions(s: Scanner, d: Draft) -> None:
    for pattern in POSITIONS:
        for m in s.take(pattern):
            d.max_positions = d.max_positions or int(m.group("n"))


def read_timeframe(s: Scanner, d: Draft) -> None:
    """The bar size, or a question when it is one Parley does not have."""
    for pattern, kind in TIMEFRAMES:
        for m in s.take(pattern):
            if kind is not None and d.timeframe is None:
                _set_timeframe(d, kind, m)
    if s.take_first(INTRADAY) and d.timeframe is None:
        d.ask("Which intraday bars: 1m, 5m, 15m, 30m, 1h or 4h?")


def _set_timeframe(d: Draft, kind: str, m: re.Match[str]) -> None:
    if kind == "weekly":
        d.ask("Weekly and monthly bars aren't available (1m to 1d are): should it use daily "
              "bars?")
        return
    if kind in ("m", "h"):
        minutes = int(m.group("n")) * (60 if kind == "h" else 1)
        names = {1: "1m", 5: "5m", 15: "15m", 30: "30m", 60: "1h", 240: "4h"}
        if minutes not in names:
            d.ask(f"{m.group(0).strip()} bars aren't available: use 1m, 5m, 15m, 30m, 1h, 4h "
                  "or 1d?")
            return
        kind = names[minutes]
    d.timeframe = kind


def read_direction(s: Scanner) -> str | None:
    """'long only' or 'long and short' when said outright (the rules decide otherwise)."""
    if s.take_first(LONG_ONLY):
        return "long"
    if s.take_first(BOTH_WAYS):
        return "both"
    return None


_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "1d": 1440}
_UNIT_MINUTES = {"minute": 1, "hour": 60}


def hold_bars(d: Draft, around_the_clock: bool) -> None:
    """Turn ``hold_span`` into ``max_hold`` bars for the chosen timeframe, saying how."""
    if d.hold_span is None:
        return
    n, unit = d.hold_span
    tf = d.timeframe or "1d"
    if unit in ("bar", "candle"):
        d.max_hold = n
        return
    session = 1440 if around_the_clock else 390
    per_day = 1 if tf == "1d" else math.ceil(session / _MINUTES[tf])
    if unit in ("day", "session", "week"):
        days = n * (5 if unit == "week" else 1)
        d.max_hold = days * per_day
    else:
        minutes = n * _UNIT_MINUTES[unit]
        d.max_hold = max(1, math.ceil(minutes / _MINUTES[tf]))
    if d.max_hold != n or unit not in ("day", "session"):
        d.assume(f"holding time {n} {unit}{'s' if n != 1 else ''} = {d.max_hold} bars on "
                 f"{tf} bars" + ("" if tf == "1d" or unit not in ("day", "session", "week") else
                                 f" ({'24-hour' if around_the_clock else '6.5-hour'} sessions)"))
