"""One side of a comparison in words -> an operand: "the 50-day SMA", "RSI(2)", "yesterday's high".

The phrase is read word by word: the indicator is picked from its key words, its periods
from the numbers, and every other word must be one the table knows. An unknown word makes
the whole operand fail, because guessing around it could change what the rule means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.compiler.offline.conds import Operand, number
from app.compiler.offline.lexicon import UNIT_DAYS, VAGUE_WORDS
from app.dsl.printer import num

_TOKEN = re.compile(r"%[kd]\b|(?<![\w.])-?\d+(?:\.\d+)?%?|[a-z][a-z'&]*|[()]")
FILLER = frozenset("""the its their his a an is are was be current currently level value reading
of on at in back new price's stock's own for period periods setting line closing based using
with from value's that makes make making made prints print sets""".split())
UNITS = frozenset("day days d session sessions bar bars candle candles period week weeks wk "
                  "month months mo year years yr".split())
LAG_WORDS = frozenset("yesterday's yesterday previous prior last day's bar's before".split())
FIELD_WORDS = {"close": "close", "price": "close", "closes": "close", "stock": "close",
               "it": "close", "open": "open", "opening": "open", "volume": "volume",
               "high": "high", "low": "low", "share": "close", "shares": "close"}
KEYWORDS = frozenset("""sma ema wma ma dma moving average averages avg simple exponential weighted
rsi relative strength index macd signal histogram bollinger band bands bb upper lower middle mid
basis center centre top bottom stochastic %k %d k d adx atr vwap roc rate change momentum opening
range high highs highest low lows lowest std standard deviation deviations sd dev x times
volume""".split())


@dataclass(frozen=True)
class Missing:
    """The operand could not be read; ``question`` says what to ask, ``words`` what was odd."""

    question: str | None = None
    words: str = ""


@dataclass(frozen=True)
class Context:
    """What the reader knows around the phrase."""

    other: Operand | None = None
    """The other side of the comparison, when read first (volume -> average volume)."""


def tokens(phrase: str) -> list[str]:
    return ["0" if t == "zero" else t for t in _TOKEN.findall(phrase.lower())]


def parse_operand(phrase: str, ctx: Context = Context()) -> Operand | Missing | None:
    """The operand ``phrase`` names; None when the phrase is empty (an implicit operand)."""
    toks = tokens(phrase)
    scale = None
    if len(toks) >= 2 and _is_num(toks[0]) and toks[1] in ("x", "times"):
        scale, toks = float(toks[0].rstrip("%")), toks[2:]
    article = bool(toks) and toks[0] in ("the", "its")
    words = [t for t in toks if t not in FILLER and t not in "()"]
    if not words:
        return None
    unknown = [w for w in words if not (_is_num(w) or w in KEYWORDS or w in UNITS
                                        or w in LAG_WORDS or w in FIELD_WORDS)]
    if unknown:
        return Missing(words=phrase.strip())
    result = _read(words, article, ctx)
    if isinstance(result, Operand) and scale is not None:
        return Operand(f"{result.text} * {num(scale)}", result.kind,
                       f"{num(scale)}x {result.label}",
                       params=result.params, notes=result.notes)
    return result


def _read(words: list[str], article: bool, ctx: Context) -> Operand | Missing:
    numbers = _numbers(words)
    key = set(words)
    for test, reader in _READERS:
        if test(key):
            if len(numbers) > _MAX_NUMBERS.get(reader, 1):
                return Missing(words=" ".join(words))
            return reader(key, numbers, words, ctx)
    if numbers and not (key - UNITS - {n for n in words if _is_num(n)}):
        return _bare_number(numbers, words, article, ctx)
    return Missing(words=" ".join(words))


def _is_num(word: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(?:\.\d+)?%?", word))


def _numbers(words: list[str]) -> list[float]:
    """Numbers in order, periods in days/weeks/months turned into daily bars."""
    out = []
    for i, w in enumerate(words):
        if not _is_num(w):
            continue
        value = float(w.rstrip("%"))
        unit = words[i + 1] if i + 1 < len(words) else ""
        unit = unit[:-1] if unit.endswith("s") and unit[:-1] in UNIT_DAYS else unit
        if unit in ("week", "wk") and value == 52:
            value = 252
        elif unit in UNIT_DAYS:
            value *= UNIT_DAYS[unit]
        out.append(value)
    return out


def _period(numbers: list[float], default: int | None, name: str) -> tuple[int | None, str | None]:
    if numbers:
        return int(numbers[0]), None
    if default is None:
        return None, None
    return default, f"{name} period: {default} (the standard; not stated)"


def _ma(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand | Missing:
    volume = ctx.other is not None and ctx.other.text == "volume"
    if volume and not key & {"ema", "wma", "exponential"}:
        return _avg_volume(key, numbers, words, ctx)
    kind = "ema" if key & {"ema", "exponential"} else "wma" if key & {"wma", "weighted"} else "sma"
    period, _ = _period(numbers, None, kind)
    if period is None:
        return Missing(question=VAGUE_WORDS["moving_average"])
    return Operand(f"{kind}(close, {period})", kind, f"{kind.upper()}({period})", params=(period,))


def _avg_volume(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
    period, note = _period(numbers, 20, "average volume")
    return Operand(f"avg_volume({period})", "avg_volume", f"average volume({period})",
                   params=(period,), notes=(note,) if note else ())


def _rsi(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
    period, note = _period(numbers, 14, "RSI")
    return Operand(f"rsi(close, {period})", "rsi", f"RSI({period})", params=(period,),
                   notes=(note,) if note else ())


def _simple(name: str, label: str, default: int) -> object:
    def read(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
        period, note = _period(numbers, default, label)
        source = "close, " if name == "roc" else ""
        return Operand(f"{name}({source}{period})", name, f"{label}({period})", params=(period,),
                       notes=(note,) if note else ())
    return read


def _vwap(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
    period = int(numbers[0]) if numbers else 20
    note = () if numbers else ("VWAP read as a rolling 20-bar VWAP (the language has no "
                               "session VWAP; not stated)",)
    return Operand(f"vwap({period})", "vwap", "VWAP", params=(period,), notes=note)


def _macd(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
    params = [int(n) for n in numbers[:3]] if len(numbers) >= 3 else [12, 26, 9]
    out = "signal" if "signal" in key else "hist" if "histogram" in key else "line"
    notes = () if len(numbers) >= 3 else ("MACD: 12/26/9 (the standard; not stated)",)
    args = ", ".join(map(str, params))
    label = {"line": "MACD", "signal": "MACD signal", "hist": "MACD histogram"}[out]
    return Operand(f"macd(close, {args}).{out}", "macd", label, params=tuple(params), notes=notes)


def _bollinger(key: set[str], numbers: list[float], words: list[str],
               ctx: Context) -> Operand | Missing:
    side = ("upper" if key & {"upper", "top"} else "lower" if key & {"lower", "bottom"} else
            "middle" if key & {"middle", "mid", "basis", "center", "centre"} else None)
    if side is None:
        return Missing(question="Which Bollinger band: the upper, middle or lower one?")
    period = int(numbers[0]) if numbers else 20
    k = numbers[1] if len(numbers) > 1 else 2.0
    notes = () if numbers else ("Bollinger bands: 20 bars, 2 standard deviations (the "
                                "standard; not stated)",)
    return Operand(f"bollinger(close, {period}, {num(k)}).{side}", "bollinger",
                   f"{side} Bollinger band", params=(period, k), notes=notes)


def _stoch(key: set[str], numbers: list[float], words: list[str], ctx: Context) -> Operand:
    params = [int(n) for n in numbers[:3]] if len(numbers) >= 3 else [14, 3, 3]
    out = "d" if key & {"%d", "d"} and not key & {"%k", "k"} else "k"
    notes = () if len(numbers) >= 3 else ("stochastic: 14/3/3 (the standard; not stated)",)
    return Operand(f"stoch({', '.join(map(str, params))}).{out}", "stoch", f"%{out.upper()}",
                   params=tuple(params), notes=notes)


def _extreme(key: set[str], numbers: list[float], words: list[str],
             ctx: Context) -> Operand | Missing:
    high = bool(key & {"high", "highs", "highest"})
    field_ = "high" if high else "low"
    if "opening" in key and "range" in key:
        bars = int(numbers[0]) if numbers else 6
        name = f"opening_{field_}"
        note = () if numbers else ("opening range: the first 6 bars (not stated)",)
        return Operand(f"{name}({bars})", name, f"opening-range {field_}", params=(bars,),
                       notes=note)
    if key & LAG_WORDS:
        return Operand(f"{field_}[1]", "field", f"previous {field_}")
    if not numbers:
        return Operand(field_, "field", field_)
    name = "highest" if high else "lowest"
    period = int(numbers[0])
    return Operand(f"{name}({field_}, {period})[1]", name, f"{period}-bar {field_}",
                   params=(period,))


def _field(key: set[str], numbers: list[float], words: list[str],
           ctx: Context) -> Operand | Missing:
    names = {FIELD_WORDS[w] for w in words if w in FIELD_WORDS}
    name = "open" if "open" in names else "volume" if "volume" in names else "close"
    if numbers:
        return Missing(words=" ".join(words))
    lag = "[1]" if key & LAG_WORDS else ""
    return Operand(f"{name}{lag}", "field", f"{'previous ' if lag else ''}{name}")


def _bare_number(numbers: list[float], words: list[str], article: bool, ctx: Context) -> Operand:
    has_unit = any(w in UNITS for w in words)
    if has_unit:
        if ctx.other is not None and ctx.other.text == "volume":
            return _avg_volume(set(), numbers, words, ctx)
        period = int(numbers[0])
        return Operand(f"sma(close, {period})", "sma", f"SMA({period})", params=(period,),
                       notes=(f"'the {period}-day' read as the {period}-day simple moving "
                              "average",))
    return number(numbers[0], bare=article)


_READERS = [
    (lambda k: bool(k & {"macd", "signal", "histogram"}), _macd),
    (lambda k: bool(k & {"bollinger", "band", "bands", "bb"}), _bollinger),
    (lambda k: bool(k & {"stochastic", "%k", "%d"}), _stoch),
    (lambda k: "rsi" in k or {"relative", "strength"} <= k, _rsi),
    (lambda k: "adx" in k, _simple("adx", "ADX", 14)),
    (lambda k: "atr" in k, _simple("atr", "ATR", 14)),
    (lambda k: "vwap" in k, _vwap),
    (lambda k: "roc" in k or {"rate", "change"} <= k, _simple("roc", "rate of change", 10)),
    (lambda k: "volume" in k and bool(k & {"average", "avg", "sma", "ma"}), _avg_volume),
    (lambda k: bool(k & {"sma", "ema", "wma", "ma", "dma", "moving", "average", "averages",
                         "exponential", "weighted", "simple"}), _ma),
    (lambda k: bool(k & {"high", "highs", "highest", "low", "lows", "lowest"}), _extreme),
    (lambda k: bool(k & set(FIELD_WORDS)), _field),
]


_MAX_NUMBERS = {_macd: 3, _bollinger: 2, _stoch: 3}
"""How many numbers each reader takes; more means two things were run together."""
