"""Checking a compiled spec against what the trader actually said.

The compiler must never invent: symbols nobody named leave the universe and become a
question, numbers nobody gave are flagged, an unstated timeframe is stated as an assumption.
Shared by any compiler whose output could drift from the request (no SDK imports here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.compiler.result import CompileResult
from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec.models import StrategySpec
from app.dsl import analyse, format_spec

CRYPTO_NAMES = {
    "bitcoin": "BTC",
    "ethereum": "ETH",
    "ether": "ETH",
    "solana": "SOL",
    "dogecoin": "DOGE",
    "litecoin": "LTC",
    "ripple": "XRP",
    "cardano": "ADA",
    "avalanche": "AVAX",
    "chainlink": "LINK",
    "polkadot": "DOT",
}
"""Names a trader may use for a crypto pair's base (each maps to ``BASE/USD``)."""
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "half": 0.5,
}
CONVENTIONAL = ("rsi", "atr", "adx", "macd", "stoch", "bollinger")
"""Indicators whose catalog defaults (RSI 14, MACD 12/26/9...) need not be said."""
_TIMEFRAME_WORDS = {
    "1m": r"\b1\s*-?\s*min(ute)?s?\b|\b1m\b|one[- ]minute",
    "5m": r"\b5\s*-?\s*min(ute)?s?\b|\b5m\b|five[- ]minute",
    "15m": r"\b15\s*-?\s*min(ute)?s?\b|\b15m\b|fifteen[- ]minute",
    "30m": r"\b30\s*-?\s*min(ute)?s?\b|\b30m\b|thirty[- ]minute|half[- ]hour",
    "1h": r"\bhour(ly)?\b|\b1\s*-?\s*h(ou)?r?\b|60[- ]minute|one[- ]hour",
    "4h": r"\b4\s*-?\s*h(ou)?r?s?\b|four[- ]hour",
    "1d": r"\bdai?ly\b|\bdays?\b|\b1d\b|one[- ]day|end of day|\beod\b",
    "1w": r"\bweekly\b|\bweeks?\b|\b1w\b|one[- ]week",
    "1mo": r"\bmonthly\b|\bmonths?\b|\b1mo\b|one[- ]month",
}


@dataclass(frozen=True)
class Evidence:
    """What the trader actually said: their turns, plus the spec they are revising."""

    text: str
    numbers: frozenset[float]

    @classmethod
    def of(cls, turns: list[str], previous: StrategySpec | None = None) -> Evidence:
        """Evidence from the trader's turns and the spec being revised.

        A number the previous spec still asks about is not evidence: it counts only once
        the trader says it.
        """
        said = "\n".join(turns)
        if previous is None:
            return cls(said, frozenset(_numbers_in(said)))
        kept = format_spec(previous.model_copy(update={"questions": ()}))
        asked = _numbers_in(" ".join(previous.questions)) - {0.0}
        numbers = _numbers_in(said) | (_numbers_in(kept) - asked)
        return cls(said + "\n" + kept, frozenset(numbers))

    def names_symbol(self, symbol: str) -> bool:
        base, _, quote = symbol.partition("/")
        forms = [symbol] if not quote else [f"{base}{sep}{quote}" for sep in ("/", "", "-", " ")]
        if quote == "USD":
            forms.append(base)
            forms += [name for name, b in CRYPTO_NAMES.items() if b == base]
        if "." in base:
            forms.append(base.replace(".", "-"))
        flags = re.I if len(base) > 2 else 0
        return any(
            re.search(rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])", self.text, flags)
            for f in forms
        )

    def has_number(self, value: float) -> bool:
        return any(
            abs(value - c) < 1e-9
            for n in self.numbers
            for c in (n, n / 100, 1 + n / 100, 1 - n / 100)
        )

    def names_timeframe(self, timeframe: str) -> bool:
        words = _TIMEFRAME_WORDS.get(timeframe)
        return words is not None and re.search(words, self.text, re.I) is not None


def _numbers_in(text: str) -> set[float]:
    found: set[float] = {0.0}
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([kK]\b)?", text):
        raw = m.group(1).rstrip(",")
        parts = [raw.replace(",", "")] + raw.split(",")
        for part in parts:
            if part and part != ".":
                value = float(part)
                found.add(value)
                if m.group(2):
                    found.add(value * 1000)
    words = re.findall(r"[a-z]+", text.lower())
    for i, word in enumerate(words):
        if word in _NUMBER_WORDS:
            value = _NUMBER_WORDS[word]
            found.add(float(value))
            if i + 1 < len(words) and words[i + 1] == "hundred":
                found.add(float(value) * 100)
    return found


def ground(
    spec: StrategySpec, questions: list[str], assumptions: list[str], evidence: Evidence
) -> CompileResult:
    """Keep only what the trader said; turn the rest into questions the spec carries.

    Symbols the trader never named are left out (and asked about); numbers and a
    timeframe they never gave are kept but asked about; every question ends up in the
    spec's ``questions`` so the read-back and the JSON show it.
    """
    asked = list(dict.fromkeys([*spec.questions, *questions]))
    notes = list(assumptions)
    unnamed = [s for s in spec.universe if not evidence.names_symbol(s)]
    kept = tuple(s for s in spec.universe if s not in unnamed)
    if unnamed:
        asked.append(
            f"You did not name {_join(unnamed)}, so Parley left "
            f"{'it' if len(unnamed) == 1 else 'them'} out: should the strategy trade "
            f"{_join(unnamed)}? Name each symbol as a ticker (GOOG) or a crypto pair "
            "(BTC/USD)."
        )
    bench = spec.regime.benchmark if spec.regime else None
    if bench and not evidence.names_symbol(bench):
        asked.append(
            f"You did not name {bench} as the regime benchmark: should {bench}'s "
            "regime gate the trades?"
        )
    asked += _number_questions(spec, evidence, asked)
    if not evidence.names_timeframe(spec.timeframe):
        _timeframe_note(spec.timeframe, asked, notes)
    if not kept:
        return _no_symbols(asked, notes)
    revised = spec.model_copy(update={"universe": kept, "questions": tuple(asked)})
    text = format_spec(revised)
    checked, diagnostics = analyse(text)
    if diagnostics or checked is None:
        return _no_symbols(asked, notes)
    return CompileResult(
        spec=checked, text=text, questions=checked.questions, assumptions=tuple(notes)
    )


def _no_symbols(asked: list[str], notes: list[str]) -> CompileResult:
    return CompileResult(
        spec=None,
        text=None,
        questions=tuple(asked),
        assumptions=tuple(notes),
        message="No spec yet: it needs the symbols to trade, named by you. Add them, for "
        "example 'GOOG and NVDA' or 'BTC/USD'.",
    )


def _timeframe_note(timeframe: str, asked: list[str], notes: list[str]) -> None:
    if any("timeframe" in q.lower() for q in asked):
        return
    if timeframe == "1d":
        notes.append("timeframe: daily bars (you did not say; tell me if you meant another)")
    else:
        asked.append(
            f"You did not say the timeframe; the spec uses {timeframe} bars. Is that what you want?"
        )


def _number_questions(spec: StrategySpec, evidence: Evidence, asked: list[str]) -> list[str]:
    unsaid: dict[str, list[str]] = {}
    for value, where in spec_numbers(spec):
        shown = f"{value:g}"
        if evidence.has_number(value) or any(_mentions(q, shown) for q in asked):
            continue
        unsaid.setdefault(shown, [])
        if where not in unsaid[shown]:
            unsaid[shown].append(where)
    if not unsaid:
        return []
    listed = "; ".join(f"{v} ({', '.join(w)})" for v, w in unsaid.items())
    return [f"The spec uses numbers you did not give: {listed}. Which values do you want?"]


def _mentions(question: str, number: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", question) is not None


def spec_numbers(spec: StrategySpec) -> list[tuple[float, str]]:
    """Every number the spec's rules and settings use that a trader would have to give."""
    out: list[tuple[float, str]] = []
    for key in ("long_entry", "long_exit", "short_entry", "short_exit"):
        rule = getattr(spec, key)
        if rule is not None:
            out += _expr_numbers(rule, key.replace("_", " ") + " rule")
    if spec.screen is not None:
        for node in (spec.screen.filter, spec.screen.rank_by):
            if node is not None:
                out += _expr_numbers(node, "screen")
        out.append((float(spec.screen.top), "screen top N"))
    for name in ("stop_loss", "take_profit", "trailing_stop"):
        level = getattr(spec, name)
        label = name.replace("_", " ")
        if level is not None:
            out.append((getattr(level, "pct", None) or level.atr, label))
            if getattr(level, "period", 14) != 14:
                out.append((float(level.period), f"{label} ATR period"))
    out += _setting_numbers(spec)
    return out


def _setting_numbers(spec: StrategySpec) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if spec.max_hold_bars is not None:
        out.append((float(spec.max_hold_bars), "max hold"))
    if spec.max_positions is not None:
        out.append((float(spec.max_positions), "max positions"))
    if spec.sizing is not None:
        out.append((spec.sizing.value, "size"))
    if (
        spec.regime is not None
        and spec.regime.transition == "raise"
        and spec.regime.transition_raise != 10
    ):
        out.append((float(spec.regime.transition_raise), "regime transition raise"))
    if spec.agents is not None:
        if spec.agents.debate_rounds != 1:
            out.append((float(spec.agents.debate_rounds), "debate rounds"))
        if spec.agents.min_conviction != 50:
            out.append((float(spec.agents.min_conviction), "min conviction"))
    limits = spec.limits
    for name in ("daily_loss_pct", "max_drawdown_pct", "max_exposure_pct", "max_position_pct"):
        if getattr(limits, name) is not None:
            out.append((getattr(limits, name), name.removesuffix("_pct").replace("_", " ")))
    if limits.circuit_breaker is not None:
        out.append((limits.circuit_breaker.move_pct, "circuit breaker"))
        if limits.circuit_breaker.bars != 1:
            out.append((float(limits.circuit_breaker.bars), "circuit breaker bars"))
    return out


def _expr_numbers(node: Any, where: str) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    for sub in E.walk_exprs(node):
        if isinstance(sub, E.Num):
            out.append((sub.value, where))
        elif isinstance(sub, E.Lag) and sub.bars != 1:
            out.append((float(sub.bars), where))
        elif isinstance(sub, E.Indicator):
            definition = CATALOG.get(sub.name)
            defaults = [p.default for p in definition.params] if definition else []
            for i, value in enumerate(sub.params):
                default = defaults[i] if i < len(defaults) else None
                if not (sub.name in CONVENTIONAL and value == default):
                    out.append((value, f"{where}, {sub.name}"))
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
