"""The questions the offline compiler asks, by what is missing (one table, one place)."""

from __future__ import annotations

UNIVERSE = "Which symbols should this trade? (e.g. GOOG, NVDA or BTC/USD)"
NAMED = (
    "Which symbol should this trade? The text names {names} in words: is it {symbols}, or "
    "another symbol?"
)
ENTRY = (
    "When should it buy{syms}? Give a condition, e.g. 'when the 50-day SMA crosses above "
    "the 200-day SMA' or 'when RSI(14) drops below 30'."
)
EXIT = (
    "When should it {verb}? There is no exit rule, stop, target or holding limit, so a "
    "position would never close."
)
SIZE = (
    "How much should each trade be? e.g. '10 shares', '$5,000', '10% of equity' or 'risk "
    "1% per trade' (without one, the engine's default is {default:g}% of equity)."
)
RISK_NEEDS_STOP = (
    "Risking {pct:g}% per trade needs a stop loss to size against: how far "
    "should the stop be (e.g. 2% or 2 ATR)?"
)
RR_NEEDS_STOP = (
    "A target of {r:g} times the risk needs a stop loss to measure the risk: how "
    "far should the stop be (e.g. 2% or 2 ATR)?"
)
BOTH_SIDES = (
    "You said long and short, but gave rules for one side: what should trigger the other side?"
)
UNPLACED = "Is \"{clause}\" a condition to enter or to exit? Say 'buy when ...' or 'sell when ...'."

VAGUE = {
    "cheap": 'What makes it cheap in "{clause}"? Give a measurable level, e.g. \'RSI(14) '
    "below 30' or 'close below the 20-day low'.",
    "expensive": "What makes it expensive in \"{clause}\"? Give a level, e.g. 'RSI(14) above 70'.",
    "undervalued": "Parley's rules read prices and indicators, not valuations ('{text}'): what "
    "level should trigger the trade, e.g. 'RSI(14) below 30'?",
    "dip": "How big a dip in \"{clause}\"? Give a level, e.g. 'close 5% below the 20-day high' "
    "or 'RSI(2) below 10'.",
    "strong": "What counts as '{text}' in \"{clause}\"? Give a level, e.g. 'ADX above 25'.",
    "weak": "What counts as '{text}' in \"{clause}\"? Give a level, e.g. 'RSI(14) below 40'.",
    "momentum": 'Which momentum measure and level in "{clause}"? e.g. \'10-day rate of change '
    "above 5%'.",
    "oversold": "What level counts as '{text}' in \"{clause}\"? e.g. 'RSI(14) below 30' (or "
    "above 70).",
    "trend": "What defines '{text}' in \"{clause}\"? e.g. 'close above the 200-day SMA'.",
    "support": "Parley has no support or resistance lines ('{text}'): give a level such as "
    "'close below the 20-day low'.",
    "breakout": "A {text} of what in \"{clause}\"? e.g. 'close above the 20-day high'.",
    "spike": "How big a {text} in \"{clause}\"? e.g. 'volume above 2x its 20-day average'.",
    "swing": "The language has no swing points ('{text}'): use an N-bar low or high instead, "
    "e.g. 'the 10-day low'?",
    "_": "What does '{text}' mean in \"{clause}\"? Give a measurable level.",
}
"""Vague words (the lexicon's VAGUE kinds), each with the question that names what is missing."""

UNSUPPORTED = {
    "calendar": "Rules are conditions checked on each bar; the language has no calendar "
    "('{text}'). Which price or indicator condition should replace it?",
    "session": "The language has no exits at a session time ('{text}'): should it exit after "
    "a number of bars instead (e.g. 'hold 1 day')?",
    "ranking": "Ranking symbols and keeping the top N ('{text}') is a screen, which the offline "
    "compiler doesn't build: list the symbols and a rule instead?",
    "pattern": "The language has no candlestick pattern '{text}': which price condition "
    "should replace it (e.g. 'close > open and close > high[1]')?",
    "fundamentals": "Rules read prices and indicators only ('{text}'): which price condition "
    "should replace it?",
    "options": "Parley trades the instrument itself, not options ('{text}'): trade the "
    "underlying instead?",
    "breakeven": "The language can't move or split a stop ('{text}'): keep one stop, target "
    "or trailing stop instead?",
    "reverse": "Stop-and-reverse ('{text}') is written as two rule sets: give the long entry "
    "and the short entry (each exits the other)?",
    "_": "{text} is not in the strategy language (it has SMA, EMA, WMA, RSI, MACD, Bollinger "
    "bands, stochastic, ATR, ADX, rate of change, VWAP, N-bar highs and lows, average "
    'volume): which of these should replace it in "{clause}"?',
}
"""What the language lacks (the lexicon's UNSUP kinds)."""


def quote_question(clause: str) -> str:
    """The question for a clause that does not parse as a whole."""
    return (
        f'I couldn\'t read "{clause}" as a rule: say it with an indicator, a price and a '
        "level (e.g. 'close crosses above the 50-day SMA'), or leave it out."
    )
