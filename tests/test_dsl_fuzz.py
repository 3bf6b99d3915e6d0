"""Fuzzing the parser: whatever the text, a spec that round-trips or a located SpecError.

By default a few thousand texts, so the suite stays quick; ``PARLEY_FUZZ_N=100000`` runs the
benchmark's 100,000. Texts come from a seeded ``random.Random`` (the same texts every run):
random printable strings, soups of the grammar's own tokens, and mutations of the example
strategies (characters and lines deleted, inserted, duplicated, swapped).
"""

from __future__ import annotations

import os
import random
import re
import string
import time

import pytest

from app.dsl import SpecError, format_spec, parse_spec
from app.dsl.formatting import format_text
from app.dsl.grammar import grammar_text
from app.indicators.catalog import CATALOG, PRICE_FIELDS
from app.spec.models import AGENTS, REGIMES, TIMEFRAMES, StrategySpec
from tests.conftest import STRATEGIES

FUZZ_N = int(os.environ.get("PARLEY_FUZZ_N", "3000"))
SEED = 20_240_601
RICH = [
    # Every statement of the language, so that mutations reach all of the grammar.
    """\
# Everything at once.
strategy "Rich \\"one\\" #1"  # the name
universe AAPL, brk.b, BTC/USD, ETH/USD, SPY
screen where close > sma(close, 50) and not volume < avg_volume(20)
  rank by roc(close, 20) ascending top 2
timeframe 15m
long when close crosses above bollinger(close, 20, 2.5).upper or (rsi(close, 14) < 30
    and -macd(close, 12, 26, 9).hist[2] > 0.5)
exit long when close < ema(close, 20) - 2 * atr(14)
short when stoch(14, 3, 3).k crosses below stoch(14, 3, 3).d and close < opening_low(6)
exit short when high / low[1] >= 1.02e0 or adx(14) != 20
stop loss 2 atr(14)
take profit 10%
trailing stop 1.5 atr
max hold 20 bars
size risk 0.5% of equity
max positions 3
regime allow trending, mean_reverting
regime transition raise 15
regime benchmark SPY
agents technical, news
debate 2 rounds
min conviction 60
max daily loss 3%
max drawdown 20%
max exposure 90%
max position 25%
circuit breaker 7% in 3 bars
question "Which \\ exchange?"
question "Both sides?"
""",
    """\
strategy "Rich two"
universe SPY, QQQ, IWM
timeframe 4h
direction both
long when wma(close, 10) > highest(high, 5)[1] and lowest(low, 5) < vwap(20)
short when stddev(close, 20) > 2 and close < sma(close + open, 3)
exit when close == open
size $2500
regime allow any
regime transition block
agents all
debate 0 rounds
circuit breaker 5%
""",
    """\
strategy "Rich three"
universe EURUSD
timeframe 1h
short when (close - open) / open * 100 crosses above 1
size 100 shares
""",
]
EXAMPLES = [p.read_text(encoding="utf-8") for p in sorted(STRATEGIES.glob("*.strategy"))]
CORPUS = EXAMPLES + RICH * 4

KEYWORDS = sorted(set(re.findall(r'"([^"\\]+)"', grammar_text())) - {"(", ")"})
OPERATORS = [
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "%",
    "$",
    "#",
    '"',
    "\\",
    "=",
    "!",
    "&",
    "|",
    "@",
    "'",
    ":",
    ";",
    "{",
    "}",
]
NAMES = [
    *CATALOG,
    *PRICE_FIELDS,
    *REGIMES,
    *AGENTS,
    *TIMEFRAMES,
    "trending",
    "any",
    "all",
    "line",
    "signal",
    "hist",
    "upper",
    "lower",
    "middle",
    "k",
    "d",
    "foo",
    "x",
    "AAPL",
    "BRK.B",
    "BTC/USD",
    "aapl",
    "BTC/",
    "A..B",
    "TOOLONGSYMBOL",
    "_",
    "equity",
    "usd",
    "dollars",
    "shares",
    "bars",
    "rounds",
]
NUMBERS = [
    "0",
    "1",
    "2",
    "14",
    "20",
    "50",
    "100",
    "200",
    "0.5",
    ".5",
    "1.5",
    "2.5",
    "1e3",
    "1e-3",
    "1E+2",
    "1e999",
    "1e-999",
    "10000",
    "10001",
    "99999999999999999999",
    "9" * 30,
    "1" * 5000,
    "0" * 40 + "7",
    "3.14159265358979323846",
    "007",
]
ODD_CHARS = [
    "\t",
    "\r",
    "\x0b",
    "\x0c",
    "\x00",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "é",
    "日",
    "😀",
    "\u00a0",
    "\u200b",
]


def check(text: str) -> str:
    """Parse ``text``; return "ok" or "error", or raise describing what went wrong."""
    try:
        spec = parse_spec(text, "fuzz.strategy")
    except SpecError as err:
        assert err.diagnostics, "a SpecError without diagnostics"
        lines = text.splitlines() or [""]
        for d in err.diagnostics:
            assert 1 <= d.line <= len(lines), f"line {d.line} outside 1..{len(lines)}: {d}"
            width = len(lines[d.line - 1])
            assert 1 <= d.column <= width + 1, f"column {d.column} outside 1..{width + 1}: {d}"
        rendered = err.render()
        assert rendered.startswith("fuzz.strategy:")
        return "error"
    assert isinstance(spec, StrategySpec)
    canonical = format_spec(spec)
    assert parse_spec(canonical) == spec, "the canonical text reads back differently"
    assert format_spec(parse_spec(canonical)) == canonical
    formatted = format_text(text)
    assert parse_spec(formatted) == spec, "format_text changed the meaning"
    assert format_text(formatted) == formatted, "format_text is not idempotent"
    assert StrategySpec.model_validate(spec.model_dump(mode="json")) == spec
    return "ok"


# ----- text generators --------------------------------------------------------------------


def random_printable(rng: random.Random) -> str:
    alphabet = string.printable + "".join(ODD_CHARS) * (rng.random() < 0.3)
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))


def token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.30:
        return rng.choice(KEYWORDS)
    if roll < 0.50:
        return rng.choice(OPERATORS)
    if roll < 0.70:
        return rng.choice(NAMES)
    if roll < 0.88:
        return rng.choice(NUMBERS) if rng.random() < 0.5 else str(rng.randint(0, 300))
    if roll < 0.94:
        return '"' + rng.choice(["x", "a b", 'q\\"', "\\\\", "", "#"]) + '"' * (rng.random() < 0.9)
    if roll < 0.97:
        return "# " + rng.choice(NAMES)
    return rng.choice(ODD_CHARS + ["\n", "\n  ", "\n\n"])


def token_soup(rng: random.Random) -> str:
    """Lines of grammar tokens, most starting with a statement word."""
    lines = []
    for _ in range(rng.randint(1, 12)):
        words = [rng.choice(KEYWORDS)] if rng.random() < 0.8 else []
        words += [token(rng) for _ in range(rng.randint(0, 14))]
        sep = "" if rng.random() < 0.1 else " "
        indent = "  " if rng.random() < 0.1 else ""
        lines.append(indent + sep.join(words))
    return "\n".join(lines) + "\n" * (rng.random() < 0.8)


def mutate(rng: random.Random, text: str) -> str:
    """Apply one to four random edits to characters or lines."""
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(10)
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randint(1, 12))
        lines = text.split("\n")
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        if kind == 0:
            text = text[:i] + text[j:]
        elif kind == 1:
            text = text[:i] + rng.choice(string.printable) + text[i:]
        elif kind == 2:
            text = text[:i] + text[i:j] + text[i:]
        elif kind == 3 and j > i + 1:
            text = text[:i] + text[j - 1] + text[i + 1 : j - 1] + text[i] + text[j:]
        elif kind == 4:
            del lines[a]
            text = "\n".join(lines)
        elif kind == 5:
            lines.insert(a, lines[b])
            text = "\n".join(lines)
        elif kind == 6:
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == 7:
            text = text[:i] + " " + token(rng) + " " + text[i:]
        elif kind == 8:
            text = re.sub(r"\d+(\.\d+)?", lambda m: rng.choice(NUMBERS), text, count=1)
        else:
            text = text[:i] + rng.choice(["\n", "\n  ", "(", ")", "#", '"', "\t"]) + text[j:]
    return text


def fuzz_texts(n: int, seed: int = SEED):
    rng = random.Random(seed)
    for _ in range(n):
        roll = rng.random()
        if roll < 0.15:
            yield random_printable(rng)
        elif roll < 0.45:
            yield token_soup(rng)
        else:
            yield mutate(rng, rng.choice(CORPUS))


# ----- the tests --------------------------------------------------------------------------


def test_fuzzed_texts_give_a_spec_or_a_located_error() -> None:
    escaped: list[tuple[str, str]] = []
    outcomes = {"ok": 0, "error": 0}
    start = time.perf_counter()
    for text in fuzz_texts(FUZZ_N):
        try:
            outcomes[check(text)] += 1
        except Exception as err:  # collect every escape, report them all
            escaped.append((text, f"{type(err).__name__}: {err}"[:300]))
    elapsed = time.perf_counter() - start
    report = "\n\n".join(f"{t!r}\n  -> {e}" for t, e in escaped[:10])
    assert not escaped, (
        f"{len(escaped)} of {FUZZ_N} fuzzed texts escaped ({elapsed:.1f} s):\n{report}"
    )
    assert outcomes["ok"] > 0 and outcomes["error"] > 0  # both paths were exercised
    print(f"fuzz: {FUZZ_N} texts in {elapsed:.1f} s, {outcomes}")


@pytest.mark.parametrize("text", RICH + EXAMPLES)
def test_the_texts_to_mutate_are_valid(text: str) -> None:
    assert check(text) == "ok"


def test_the_fuzz_corpus_is_deterministic() -> None:
    assert list(fuzz_texts(50)) == list(fuzz_texts(50))


HEAD = 'strategy "Deep"\nuniverse AAPL, MSFT\n'


@pytest.mark.parametrize(
    ("rule", "outcome"),
    [
        ("(" * 5000 + "close > open" + ")" * 5000, "ok"),  # parentheses add no depth
        ("(" * 5000 + "close" + ")" * 5000 + " > open", "ok"),
        ("(" * 5000 + "close > open", "error"),
        ("close > " + "(" * 5000 + "1" + ")" * 4999, "error"),
        ("-" * 5000 + "close > open", "error"),
        ("not " * 5000 + "close > open", "error"),
        ("close > " + "sma(" * 5000 + "close" + ")" * 5000, "error"),
        ("close > " + " + ".join(["open"] * 5000), "error"),
        ("close > open" + "[1]" * 5000, "ok"),  # lags add up: open[5000]
        ("close > open" + "[3]" * 5000, "error"),  # ... to more than 10,000 bars
        ("(" * 2500 + "not " * 2500 + "close > open" + ")" * 2500, "error"),
    ],
    ids=[
        "parens-cond",
        "parens-value",
        "unclosed",
        "unbalanced",
        "minus",
        "not",
        "calls",
        "sum",
        "lags",
        "long-lag",
        "mixed",
    ],
)
def test_deep_nesting_gives_a_spec_error_not_a_recursion_error(rule: str, outcome: str) -> None:
    assert check(HEAD + f"long when {rule}\n") == outcome


def test_too_deep_nesting_says_so() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(HEAD + "long when " + "-" * 500 + "close > open\n")
    assert "nests more than 100 levels deep" in info.value.diagnostics[0].message


def test_long_flat_and_chains_parse() -> None:
    spec = parse_spec(HEAD + "long when close > open" + " and close > 1" * 500 + "\n")
    assert spec.long_entry is not None and len(spec.long_entry.items) == 501
    assert check(HEAD + "long when close > open" + " or close > 1" * 500 + "\n") == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "#",
        "   ",
        "\t\n",
        "\x0c",
        "\r\n\r\n",
        "\ufeff",
        '"',
        "strategy",
        'strategy "x',
        'strategy "x\\',
        "universe",
        "long when",
        "  long when close > open",
        HEAD + "long when close > 1e999\n",
        HEAD + "long when close > " + "9" * 5000 + "\n",
        HEAD + "size $1e999\nlong when close > open\n",
        HEAD + "max hold " + "9" * 5000 + " bars\nlong when close > open\n",
        HEAD + "long when close[6000][6000] > open\n",
        HEAD + "long when close[10001] > open\n",
        HEAD + "long when close > open\nexit when close < open\x0c\n",
        HEAD + "long when close > open\x0b and close > 1\n",
    ],
)
def test_edge_texts(text: str) -> None:
    assert check(text) in ("ok", "error")
