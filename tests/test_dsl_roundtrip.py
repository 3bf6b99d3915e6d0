"""The strategy language round-trips: spec -> text -> spec, canonical text, comments, JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dsl import format_spec, parse_spec
from app.dsl.formatting import format_text
from app.spec.models import StrategySpec
from tests.conftest import STRATEGIES
from app.spec import params as P
from tests.spec_strategies import param_specs, printable, specs

EXAMPLES = sorted(STRATEGIES.glob("*.strategy"))
SETTINGS = settings(
    derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
"""Deterministic: the same examples on every run, nothing read from or saved to disk."""


# ----- properties -------------------------------------------------------------------------


@settings(SETTINGS, max_examples=500)
@given(specs())
def test_format_then_parse_gives_the_same_spec(spec: StrategySpec) -> None:
    text = format_spec(spec)
    back = parse_spec(text)
    assert back == spec
    assert format_spec(back) == text  # format_spec is idempotent
    assert format_text(text) == text
    assert StrategySpec.model_validate(spec.model_dump(mode="json")) == spec
    assert StrategySpec.model_validate_json(spec.model_dump_json()) == spec


comment_text = st.text(alphabet=printable, max_size=30).map(lambda s: ("# " + s).strip())


@settings(SETTINGS, max_examples=40)
@given(specs(), st.data())
def test_canonical_text_with_comments_is_kept_as_is(
    spec: StrategySpec, data: st.DataObject
) -> None:
    """Comments placed where the formatter puts them survive formatting unchanged."""
    lines: list[str] = []
    for line in format_spec(spec).splitlines():
        lines += data.draw(st.lists(comment_text, max_size=2))
        inline = data.draw(st.none() | comment_text)
        lines.append(f"{line}  {inline}" if inline else line)
    lines += data.draw(st.lists(comment_text, max_size=2))
    text = "\n".join(lines) + "\n"
    assert parse_spec(text) == spec
    assert format_text(text) == text


# ----- the example strategies -------------------------------------------------------------


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_parses_and_is_canonical(path) -> None:
    text = path.read_text(encoding="utf-8")
    spec = parse_spec(text, str(path))
    assert format_text(text, str(path)) == text
    assert parse_spec(format_spec(spec)) == spec


# ----- comments ---------------------------------------------------------------------------


def test_a_comment_block_moves_with_its_statement() -> None:
    text = (
        "# Why this universe\n"
        "# (two lines)\n"
        "universe aapl, msft\n"
        "# The name\n"
        'strategy "Moves"\n'
        "long when close > sma(close, 20)\n"
        "# leaves\n"
        "\n"
        "# on weakness\n"
        "exit when close < sma(close, 20)\n"
        "timeframe 1d\n"
    )
    assert format_text(text) == (
        "# The name\n"
        'strategy "Moves"\n'
        "# Why this universe\n"
        "# (two lines)\n"
        "universe AAPL, MSFT\n"
        "timeframe 1d\n"
        "long when close > sma(close, 20)\n"
        "# leaves\n"
        "# on weakness\n"
        "exit when close < sma(close, 20)\n"
    )


def test_inline_comments_stay_on_their_statement() -> None:
    text = (
        'strategy "Inline"  # the name\n'
        "universe GOOG\n"
        "long when close > sma(close,20)   # trend\n"
        "stop loss 2 atr   # default period\n"
        "size risk 1%  # per trade\n"
    )
    assert format_text(text) == (
        'strategy "Inline"  # the name\n'
        "universe GOOG\n"
        "timeframe 1d\n"
        "long when close > sma(close, 20)  # trend\n"
        "stop loss 2 atr(14)  # default period\n"
        "size risk 1% of equity  # per trade\n"
    )


def test_comments_after_the_last_statement_stay_at_the_end() -> None:
    text = 'strategy "End"\nuniverse GOOG\nlong when close > open\n\n# the end\n# really\n'
    assert format_text(text).endswith("long when close > open\n# the end\n# really\n")


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    text = 'strategy "No #1"  # a real one\nuniverse GOOG\nlong when close > open\n'
    assert format_text(text).splitlines()[0] == 'strategy "No #1"  # a real one'
    assert parse_spec(text).name == "No #1"


def test_each_question_keeps_its_own_comments() -> None:
    text = (
        'strategy "Q"\nuniverse GOOG\nlong when close > open\n'
        'question "first?"  # one\n'
        "# about the second\n"
        'question "second?"  # two\n'
    )
    assert format_text(text).splitlines()[-3:] == [
        'question "first?"  # one',
        "# about the second",
        'question "second?"  # two',
    ]


def test_a_side_exit_printed_as_exit_when_keeps_its_comments() -> None:
    text = (
        'strategy "X"\nuniverse GOOG\nlong when close > open\n'
        "# out\nexit long when close < open  # why\n"
    )
    assert format_text(text).splitlines()[-2:] == ["# out", "exit when close < open  # why"]


def test_a_statement_with_extra_spaces_keeps_its_comments() -> None:
    text = (
        'strategy "X"\nuniverse GOOG\nlong when close > open\n'
        "# cap\nmax   positions  3  # at most three\n"
    )
    assert format_text(text).splitlines()[-2:] == ["# cap", "max positions 3  # at most three"]


def test_a_comment_inside_a_continued_statement_stays_with_it() -> None:
    text = (
        'strategy "X"\nuniverse GOOG\n'
        "long when close > open  # up day\n"
        "  # and above the average\n"
        "  and close > sma(close, 20)\n"
        "exit when close < open\n"
    )
    assert format_text(text).splitlines()[-3:] == [
        "# and above the average",
        "long when close > open and close > sma(close, 20)  # up day",
        "exit when close < open",
    ]


def test_formatting_with_comments_is_idempotent() -> None:
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        messy = "# lead\n" + text.replace("\n", "  # note\n", 3).replace(", ", ",")
        once = format_text(messy)
        assert format_text(once) == once
        assert "# lead" in once and once.count("# note") == 3


# ----- the JSON form (DESIGN section 3) -----------------------------------------------------

FULL = """\
strategy "Everything"
universe AAPL, BRK.B, BTC/USD
screen where close > sma(close, 50) rank by roc(close, 20) top 2
timeframe 1h
long when close crosses above ema(close, 20)
exit when close < ema(close, 20)
stop loss 2 atr(14)
take profit 10%
trailing stop 5%
max hold 20 bars
size risk 1% of equity
max positions 2
regime allow trending_up
agents technical, news
max daily loss 3%
question "Which exchange?"
"""


def test_json_has_the_keys_and_shapes_design_requires() -> None:
    data = json.loads(parse_spec(FULL).model_dump_json())
    for key in (
        "name",
        "universe",
        "screen",
        "timeframe",
        "direction",
        "stop_loss",
        "take_profit",
        "trailing_stop",
        "max_hold_bars",
        "sizing",
        "regime",
        "agents",
        "limits",
        "questions",
    ):
        assert key in data, key
    assert data["name"] == "Everything"
    assert data["universe"] == ["AAPL", "BRK.B", "BTC/USD"]
    assert data["screen"]["top"] == 2 and data["screen"]["rank_by"]["name"] == "roc"
    assert data["timeframe"] == "1h" and data["direction"] == "long"
    assert data["stop_loss"] == {"atr": 2.0, "period": 14}
    assert data["take_profit"] == {"pct": 10.0}
    assert data["trailing_stop"] == {"pct": 5.0}
    assert data["max_hold_bars"] == 20
    assert data["sizing"] == {"kind": "risk_pct", "value": 1.0}
    assert data["regime"]["allow"] == ["trending_up"]
    assert data["agents"]["team"] == ["technical", "news"]
    assert data["limits"]["daily_loss_pct"] == 3.0
    assert data["questions"] == ["Which exchange?"]


def test_json_of_a_minimal_spec_uses_nulls_and_empty_lists() -> None:
    data = parse_spec('strategy "M"\nuniverse GOOG\nshort when close < open\n').model_dump(
        mode="json"
    )
    assert data["direction"] == "short"
    for key in (
        "screen",
        "stop_loss",
        "take_profit",
        "trailing_stop",
        "max_hold_bars",
        "sizing",
        "regime",
        "agents",
    ):
        assert data[key] is None, key
    assert data["questions"] == []
    assert {"kind": "fixed_usd", "value": 500.0} == parse_spec(
        'strategy "M"\nuniverse GOOG\nlong when close > open\nsize $500\n'
    ).model_dump(mode="json")["sizing"]
    assert {"kind": "fixed_shares", "value": 10.0} == parse_spec(
        'strategy "M"\nuniverse GOOG\nlong when close > open\nsize 10 shares\n'
    ).model_dump(mode="json")["sizing"]
    assert {"kind": "pct_equity", "value": 25.0} == parse_spec(
        'strategy "M"\nuniverse GOOG\nlong when close > open\nsize 25% of equity\n'
    ).model_dump(mode="json")["sizing"]


# ----- parameters ---------------------------------------------------------------------------


@settings(SETTINGS, max_examples=150)
@given(param_specs())
def test_a_spec_with_parameters_round_trips_and_runs_as_the_plain_spec(
    pair: tuple[StrategySpec, StrategySpec],
) -> None:
    spec, plain = pair
    text = format_spec(spec)
    back = parse_spec(text)
    assert back == spec
    assert format_text(text) == text
    assert StrategySpec.model_validate_json(spec.model_dump_json()) == spec
    assert P.runnable(spec) == plain  # every command runs the defaults
    assert P.runnable(plain) is plain
    assert all(p.default in P.values(p) for p in spec.params)
