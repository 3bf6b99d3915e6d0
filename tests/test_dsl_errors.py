"""Bad spec texts: every problem is reported at its line and column, with a useful message."""

from __future__ import annotations

import pytest

from app.dsl import SpecError, analyse, parse_spec

HEAD = 'strategy "Bad"\nuniverse AAPL, MSFT, NVDA\ntimeframe 1d\n'
"""Three good lines: a bad statement after them is on line 4."""
RULE = "long when close > open\n"

# (id, text, line, column, a fragment of the message)
CASES = [
    # ----- syntax
    ("missing-operand", HEAD + "long when close + > 1\n", 4, 19, "unexpected '>'"),
    ("missing-operand-at-end", HEAD + "long when close >\n", 4, 18, "the statement ends too early"),
    (
        "missing-operand-next-line",
        HEAD + "long when close > 1 and\n  open <\n",
        5,
        9,
        "the statement ends too early",
    ),
    (
        "unknown-statement",
        HEAD + "buy when close > open\n",
        4,
        1,
        "unknown statement 'buy'; a statement starts with one of: strategy, universe",
    ),
    ("bad-character", HEAD + "long when close > open @ 2\n", 4, 24, "unexpected character '@'"),
    (
        "bad-character-in-operator",
        HEAD + "long when close ~ open\n",
        4,
        17,
        "unexpected character '~'",
    ),
    ("unclosed-paren", HEAD + "long when (close > open\n", 4, 24, "the statement ends too early"),
    ("extra-paren", HEAD + "long when close > open)\n", 4, 23, "unexpected ')'"),
    ("bad-level", HEAD + RULE + "stop loss 2 atx\n", 5, 13, "unexpected 'atx'"),
    ("word-for-number", HEAD + RULE + "max positions many\n", 5, 15, "unexpected 'many'"),
    (
        "unclosed-string",
        'strategy "Bad\nuniverse AAPL\n' + RULE,
        1,
        10,
        "unexpected character '\"'",
    ),
    # ----- names, indicators, parameters
    (
        "unknown-name",
        HEAD + "long when clse > open\n",
        4,
        11,
        "unknown name 'clse'; did you mean close?",
    ),
    (
        "unknown-name-second",
        HEAD + "long when close > vol\n",
        4,
        19,
        "unknown name 'vol'; did you mean volume?",
    ),
    (
        "indicator-without-call",
        HEAD + "long when close > sma\n",
        4,
        19,
        "sma is an indicator: write it with arguments, e.g. sma(close, 20)",
    ),
    (
        "unknown-indicator",
        HEAD + "long when smaa(close, 5) > open\n",
        4,
        11,
        "unknown indicator 'smaa'; did you mean sma?",
    ),
    (
        "unknown-indicator-no-hint",
        HEAD + "long when close > foo(3)\n",
        4,
        19,
        "unknown indicator 'foo'",
    ),
    (
        "too-many-params",
        HEAD + "long when sma(close, 5, 6) > open\n",
        4,
        11,
        "sma takes at most 1 parameter(s) (period); got 2",
    ),
    (
        "param-out-of-range",
        HEAD + "long when sma(close, 0) > open\n",
        4,
        22,
        "the period of sma must be between 1 and 10000; got 0",
    ),
    (
        "non-integer-period",
        HEAD + "long when sma(close, 2.5) > open\n",
        4,
        22,
        "the period of sma must be a whole number",
    ),
    (
        "param-not-a-number",
        HEAD + "long when sma(close, open) > 1\n",
        4,
        22,
        "the period of sma must be a number",
    ),
    (
        "macd-fast-slow",
        HEAD + "long when macd(close, 26, 12) > 0\n",
        4,
        11,
        "macd's fast period must be shorter than its slow period",
    ),
    (
        "unknown-output",
        HEAD + "long when macd(close).foo > 0\n",
        4,
        23,
        "macd has no output 'foo'; its outputs are line, signal, hist",
    ),
    (
        "output-on-sma",
        HEAD + "long when sma(close, 5).signal > 0\n",
        4,
        25,
        "'.signal' picks an output, but only indicators with several outputs",
    ),
    ("lag-of-number", HEAD + "long when close > 5[1]\n", 4, 19, "a number has no earlier bars"),
    ("lag-zero", HEAD + "long when close > close[0]\n", 4, 25, "must be at least [1]"),
    (
        "lag-too-long",
        HEAD + "long when close > close[6000][5000]\n",
        4,
        31,
        "a lag goes back at most [10000] bars",
    ),
    ("number-too-large", HEAD + "long when close > 1e999\n", 4, 19, "this number is too large"),
    (
        "too-many-digits",
        HEAD + RULE + "max hold " + "9" * 5000 + " bars\n",
        5,
        10,
        "this number is too large",
    ),
    # ----- words that must be one of a list
    (
        "unknown-timeframe",
        'strategy "Bad"\nuniverse AAPL\ntimeframe 2d\n' + RULE,
        3,
        11,
        "unknown timeframe '2d'; use one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1mo",
    ),
    (
        "unknown-regime",
        HEAD + RULE + "regime allow trendy_up\n",
        5,
        14,
        "unknown regime 'trendy_up'; did you mean trending_up?",
    ),
    (
        "unknown-agent",
        HEAD + RULE + "agents technical, newz\n",
        5,
        19,
        "unknown agent 'newz'; did you mean news?",
    ),
    (
        "transition-number",
        HEAD + RULE + "regime transition block 5\n",
        5,
        25,
        "'block' takes no number; only 'raise N' does",
    ),
    # ----- conditions and values in the wrong place
    ("compare-two-numbers", HEAD + "long when 1 > 2\n", 4, 11, "this compares two numbers"),
    (
        "number-crosses",
        HEAD + "long when 30 crosses above rsi(close, 14)\n",
        4,
        11,
        "a number cannot cross anything",
    ),
    (
        "value-as-condition",
        HEAD + "long when close\n",
        4,
        11,
        "'long when' needs a condition such as `close > sma(close, 20)`, not a bare value",
    ),
    ("value-in-and", HEAD + "long when close > 1 and open\n", 4, 25, "'and' needs a condition"),
    (
        "condition-as-value",
        HEAD + "long when sma(close > 1, 5) > 2\n",
        4,
        15,
        "the source of sma needs a number or series, not a condition",
    ),
    (
        "condition-in-arithmetic",
        HEAD + "long when (close > 1) + 2 > 3\n",
        4,
        12,
        "+ needs a number or series, not a condition",
    ),
    (
        "too-deep",
        HEAD + "long when " + "-" * 300 + "close > open\n",
        4,
        211,
        "nests more than 100 levels deep",
    ),
    # ----- the spec as a whole
    (
        "set-twice",
        HEAD + RULE + "stop loss 2%\nstop loss 3%\n",
        6,
        1,
        "stop loss is set twice (first on line 5); keep one",
    ),
    (
        "risk-without-stop",
        HEAD + RULE + "size risk 1% of equity\n",
        5,
        1,
        "risk sizing needs a stop loss",
    ),
    (
        "malformed-symbol",
        'strategy "Bad"\nuniverse AAPL, TOOLONGSYMBOL1\n' + RULE,
        2,
        1,
        "malformed symbol 'TOOLONGSYMBOL1'",
    ),
    (
        "malformed-pair",
        'strategy "Bad"\nuniverse AAPL, BTC/U\n' + RULE,
        2,
        1,
        "malformed symbol 'BTC/U'",
    ),
    ("symbol-twice", 'strategy "Bad"\nuniverse AAPL, aapl\n' + RULE, 2, 1, "AAPL listed twice"),
    (
        "exit-without-entry",
        HEAD + RULE + "exit short when close > open\n",
        5,
        1,
        "there is a short exit but no 'short when' entry rule",
    ),
    (
        "exit-set-twice",
        HEAD + RULE + "exit when close < 1\nexit long when close < 2\n",
        5,
        1,
        "'exit when' and 'exit long when' both set the long exit",
    ),
    (
        "exit-equals-entry",
        HEAD + RULE + "exit when close > open\n",
        5,
        1,
        "the long exit rule is the same as its entry rule",
    ),
    (
        "self-comparison",
        HEAD + "long when close > close\n",
        4,
        1,
        "this compares a value with itself",
    ),
    (
        "direction-contradicts",
        HEAD + "direction short\n" + RULE,
        4,
        1,
        "direction short contradicts the rules, which trade long",
    ),
    (
        "intraday-on-daily",
        HEAD + "long when close > opening_high(6)\n",
        4,
        19,
        "opening_high needs intraday bars",
    ),
    (
        "screen-top-too-big",
        'strategy "Bad"\nuniverse AAPL, MSFT\nscreen rank by roc(close, 20) top 2\n' + RULE,
        3,
        1,
        "the screen keeps the top 2 of 2 symbols, so it filters nothing",
    ),
    (
        "screen-one-symbol",
        'strategy "Bad"\nuniverse AAPL\nscreen rank by close top 1\n' + RULE,
        3,
        1,
        "a screen ranks several symbols",
    ),
    ("no-name", "universe AAPL\n" + RULE, 1, 1, "the spec has no name"),
    ("no-universe", 'strategy "Bad"\n' + RULE, 1, 1, "the spec trades nothing"),
    ("no-entry", HEAD + "stop loss 2%\n", 2, 1, "no entry rule"),
    ("fractional-shares", HEAD + RULE + "size 2.5 shares\n", 5, 1, "shares must be a whole number"),
    (
        "leverage",
        HEAD + RULE + "size 150% of equity\n",
        5,
        1,
        "a position cannot be more than 100% of equity",
    ),
    (
        "stop-100-pct",
        HEAD + RULE + "stop loss 100%\n",
        5,
        1,
        "a long position's stop loss must be less than 100% below the entry",
    ),
    (
        "conviction-range",
        HEAD + RULE + "min conviction 150\n",
        5,
        1,
        "min conviction must be at most 100; got 150",
    ),
    ("infinite-size", HEAD + RULE + "size $1e999\n", 5, 7, "this number is too large"),
    (
        "take-profit-zero",
        HEAD + RULE + "take profit 0%\n",
        5,
        1,
        "the take profit must be more than 0%; got 0%",
    ),
    (
        "atr-period-zero",
        HEAD + RULE + "stop loss 2 atr(0)\n",
        5,
        1,
        "the ATR period of the stop loss must be at least 1; got 0",
    ),
    # ----- words run together (the lexer needs a word boundary after a keyword)
    (
        "keyword-run-together",
        HEAD + "long when close crosses aboveabc open\n",
        4,
        25,
        "unexpected 'aboveabc': 'above' runs into 'abc'",
    ),
    (
        "statement-words-run-together",
        HEAD + "longwhen close > open\n",
        4,
        1,
        "unexpected 'longwhen'",
    ),
    ("number-runs-into-unit", HEAD + RULE + "stop loss 2atr(14)\n", 5, 11, "unexpected '2atr'"),
    # ----- one exposure cap (DESIGN section 8): what check can see statically
    (
        "exposure-pct-times-positions",
        'strategy "Bad"\nuniverse AAPL, MSFT, NVDA, GOOG\n'
        + RULE
        + "size 50% of equity\nmax positions 3\n",
        4,
        1,
        "3 position(s) of 50% of equity can reach 150% of equity, above the 100% exposure cap",
    ),
    (
        "exposure-own-cap",
        'strategy "Bad"\nuniverse AAPL, MSFT, NVDA, GOOG\n'
        + RULE
        + "size 25% of equity\nmax exposure 50%\n",
        4,
        1,
        "4 position(s) of 25% of equity can reach 100% of equity, above the 50% exposure cap; "
        "lower the size, set `max positions 2`",
    ),
    (
        "exposure-default-size",
        'strategy "Bad"\nuniverse ' + ", ".join(f"S{i}" for i in range(12)) + "\n" + RULE,
        2,
        1,
        "12 position(s) of 10% of equity (the default size) can reach 120%",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_text_is_reported_at_its_line_and_column(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "bad.strategy")
    found = [(d.line, d.column, d.message) for d in info.value.diagnostics]
    assert any(
        d.line == line and d.column == column and fragment in d.message
        for d in info.value.diagnostics
    ), found


PYDANTIC_WORDS = (
    "Field required",
    "Extra inputs",
    "Input should",
    "should have",
    "Value error",
    "validation error",
    "greater than or equal",
    "less than or equal",
    "PctLevel",
    "AtrLevel",
    "function-after",
    "type=",
)
OUT_OF_RANGE = [
    "take profit 0%",
    "stop loss 0%",
    "stop loss 0 atr",
    "stop loss 2 atr(0)",
    "stop loss 200 atr",
    "stop loss 2 atr(5000)",
    "trailing stop 2000%",
    "trailing stop 0 atr",
    "size 0% of equity",
    "size $0",
    "size 0 shares",
    "size risk 0%",
    "max positions 0",
    "max positions 99999",
    "max hold 0 bars",
    "max hold 9999999 bars",
    "debate 11 rounds",
    "min conviction 101",
    "regime allow any\nregime transition raise 101",
    "max daily loss 0%",
    "max daily loss 101%",
    "max drawdown 0%",
    "max drawdown 101%",
    "max exposure 0%",
    "max exposure 2000%",
    "max position 0%",
    "max position 2000%",
    "circuit breaker 0% in 0 bars",
    "circuit breaker 200%",
    "size $1e999",
    "size 150% of equity",  # one error (no leverage), not a second about the exposure cap
]


@pytest.mark.parametrize("line", OUT_OF_RANGE)
def test_out_of_range_values_get_one_plain_message_each(line: str) -> None:
    """Validation errors speak the spec's language, once per problem, no pydantic internals."""
    _, diagnostics = analyse('strategy "x"\nuniverse AAPL, MSFT\n' + RULE + line + "\n")
    assert diagnostics
    expected = 2 if line.startswith("circuit breaker 0%") else 1
    assert len(diagnostics) == expected, [d.message for d in diagnostics]
    for d in diagnostics:
        assert not any(w in d.message for w in PYDANTIC_WORDS), d.message
        assert d.line >= 4


@pytest.mark.parametrize("name", ['""', '"' + "a" * 300 + '"'])
def test_a_bad_name_gets_a_plain_message(name: str) -> None:
    _, diagnostics = analyse(f"strategy {name}\nuniverse AAPL\n" + RULE)
    assert [d.message.split(" must")[0] for d in diagnostics] == ["the strategy name"]
    assert not any(w in diagnostics[0].message for w in PYDANTIC_WORDS)


def test_sizes_the_order_path_must_judge_pass_check() -> None:
    """Cash and risk sizes depend on prices and the stop: check leaves them to the order path."""
    for size in ("size $1000000", "size 5000 shares", "stop loss 1%\nsize risk 5% of equity"):
        spec, diagnostics = analyse(
            'strategy "x"\nuniverse AAPL, MSFT, NVDA\n' + RULE + size + "\nmax positions 3\n"
        )
        assert spec is not None, [d.message for d in diagnostics]


def test_exposure_within_the_cap_passes() -> None:
    universe = "universe " + ", ".join(f"S{i}" for i in range(20)) + "\n"
    for extra in (
        "size 10% of equity\nmax positions 10\n",
        "size 5% of equity\n",
        "size 50% of equity\nmax exposure 200%\nmax positions 4\n",
        "screen rank by roc(close, 20) top 4\nsize 25% of equity\n",
    ):
        spec, diagnostics = analyse('strategy "x"\n' + universe + RULE + extra)
        assert spec is not None, (extra, [d.message for d in diagnostics])


def test_the_ids_of_the_table_are_unique() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)


def test_syntax_errors_list_what_was_expected() -> None:
    _, diagnostics = analyse(HEAD + "long when close >\n")
    assert diagnostics[0].expected == ('"("', '"-"', "a name", "a number")
    _, diagnostics = analyse(HEAD + RULE + "stop loss 2 xyz\n")
    assert diagnostics[0].expected == ('"%"', '"atr"')


def test_misspelt_words_get_the_word_they_were_meant_to_be() -> None:
    cases = {
        "stop loss 2 atx\n": "unexpected 'atx': did you mean 'atr'?",
        "long when close cross above sma(close, 3)\n": "unexpected 'cross': did you mean 'crosses'?",
        "univers GOOG\n": "unknown statement 'univers': did you mean 'universe'?",
        "Long when close > 3\n": "unknown statement 'Long': statements are written in lower case ('long')",
    }
    for line, message in cases.items():
        _, diagnostics = analyse(HEAD + RULE + line)
        assert diagnostics[0].message == message, line
    _, diagnostics = analyse(HEAD + RULE + "bogus 3\n")
    assert "did you mean" not in diagnostics[0].message
    assert "a statement starts with one of: strategy, universe" in diagnostics[0].message


def test_a_missing_comma_between_arguments_is_named() -> None:
    """Not a list of a dozen tokens with ',,' in it: the comma the call lacks."""
    _, diagnostics = analyse(HEAD + "long when sma(close 10) > sma(close, 30)\n")
    assert diagnostics[0].message == (
        "unexpected '10': a comma must separate the arguments of sma(...), as in sma(close, 20)"
    )
    assert diagnostics[0].column == 21
    _, diagnostics = analyse(HEAD + "long when (close > 3 4\n")  # brackets, not a call
    assert "comma must" not in diagnostics[0].message
    assert '","' in diagnostics[0].expected


def test_several_bad_statements_give_one_diagnostic_each() -> None:
    text = (
        'strategy "Several"\n'
        "universe AAPL\n"
        "long when clse > open\n"
        "stop loss 2 atx\n"
        "max positions many\n"
        "exit when close < sma(close, 0)\n"
        "size 10% of equity\n"
        "buy when close > open\n"
    )
    spec, diagnostics = analyse(text)
    assert spec is None
    assert [(d.line, d.column) for d in diagnostics] == [(3, 11), (4, 13), (5, 15), (6, 30), (8, 1)]
    assert "unknown name 'clse'" in diagnostics[0].message
    assert "unknown statement 'buy'" in diagnostics[-1].message


def test_several_semantic_problems_are_all_reported() -> None:
    text = (
        'strategy "Several"\nuniverse AAPL, twelvelong12\n'
        "exit short when close > open\nsize risk 1%\n"
    )
    _, diagnostics = analyse(text)
    messages = " | ".join(d.message for d in diagnostics)
    for fragment in (
        "malformed symbol 'TWELVELONG12'",
        "no entry rule",
        "there is a short exit",
        "risk sizing needs a stop loss",
    ):
        assert fragment in messages


def test_the_rendered_message_points_at_the_spot() -> None:
    text = HEAD + "long when sma(close, 0) > open\n"
    with pytest.raises(SpecError) as info:
        parse_spec(text, "strategies/bad.strategy")
    rendered = info.value.render()
    head, source, caret = rendered.splitlines()
    assert head == (
        "strategies/bad.strategy:4:22: the period of sma must be between 1 and 10000; got 0"
    )
    assert source == "    long when sma(close, 0) > open"
    assert caret == "    " + " " * 21 + "^"
    assert source[caret.index("^")] == "0"
    assert str(info.value) == rendered


def test_the_rendered_syntax_error_lists_the_expected_tokens_and_underlines_the_word() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(HEAD + RULE + "max positions many\n", "x.strategy")
    head, source, caret = info.value.render().splitlines()
    assert head == "x.strategy:5:15: unexpected 'many'; expected a whole number"
    assert source == "    max positions many"
    assert caret == "    " + " " * 14 + "^^^^"


def test_every_diagnostic_of_a_file_is_rendered() -> None:
    text = 'strategy "Two"\nuniverse AAPL\nlong when clse > open\nbuy when close > open\n'
    with pytest.raises(SpecError) as info:
        parse_spec(text, "two.strategy")
    rendered = info.value.render()
    assert rendered.count("two.strategy:") == 2
    assert "two.strategy:3:11: unknown name 'clse'" in rendered
    assert "two.strategy:4:1: unknown statement 'buy'" in rendered


def test_an_indented_first_line_is_still_read() -> None:
    spec = parse_spec('  strategy "Indented"\nuniverse AAPL\n' + RULE)
    assert spec.name == "Indented"
    with pytest.raises(SpecError) as info:
        parse_spec("  long when clse > open\n")
    assert (1, 13) in [(d.line, d.column) for d in info.value.diagnostics]


def test_a_pair_written_with_a_dash_is_named_with_its_slash() -> None:
    spec, diagnostics = analyse(
        'strategy "x"\nuniverse GOOG, btc-usd\n'
        "long when rsi(close) < 30\nexit when rsi(close) > 70\n"
    )
    assert spec is None
    assert diagnostics[0].message == "unexpected '-': write the pair btc-usd as BTC/USD"
    _, diagnostics = analyse(HEAD + "long when close - open > 2 and close -open > 1\n")
    assert not diagnostics or "pair" not in diagnostics[0].message


def test_a_regime_benchmark_outside_the_universe_is_a_check_error() -> None:
    """backtest, run and evaluate refuse it (every bar would read 'transition'); check
    says so first, at the line."""
    _, diagnostics = analyse(HEAD + RULE + "regime allow trending_up\nregime benchmark SPY\n")
    [d] = diagnostics
    assert d.message.startswith("regime benchmark SPY is not in the universe")
    spec, diagnostics = analyse(
        HEAD.replace("NVDA", "NVDA, SPY")
        + RULE
        + "regime allow trending_up\nregime benchmark SPY\n"
    )
    assert spec is not None and not diagnostics
