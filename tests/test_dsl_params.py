"""Parameters: declared, checked, read back, and run at their defaults by every command."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.dsl import analyse, format_spec, parse_spec
from app.dsl.formatting import format_text
from app.errors import ParleyError
from app.spec import params as P
from app.spec.readback import read_back

WITH = """\
strategy "Swept"
universe GOOG
param fast = 10 in 5..20 step 5
param stop = 5% in 1%..6% step 0.5%
long when sma(close, fast) crosses above sma(close, slow)
exit when sma(close, fast) crosses below sma(close, slow)
param slow = 30 in 20..60 step 10  # declared below its first use
stop loss stop
size n shares
param n = 10 in 5..20 step 5
"""
PLAIN = """\
strategy "Swept"
universe GOOG
long when sma(close, 10) crosses above sma(close, 30)
exit when sma(close, 10) crosses below sma(close, 30)
stop loss 5%
size 10 shares
"""


def test_defaults_make_the_plain_spec() -> None:
    assert P.runnable(parse_spec(WITH)) == parse_spec(PLAIN)


def test_grid_lists_every_value_of_every_parameter_in_order() -> None:
    grid = P.grid(parse_spec(WITH))
    assert list(grid) == ["fast", "stop", "slow", "n"]
    assert grid["fast"] == [5, 10, 15, 20]
    assert grid["stop"] == [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6]
    assert grid["slow"] == [20, 30, 40, 50, 60]


def test_bind_sets_the_values_given_and_defaults_the_rest() -> None:
    bound = P.bind(parse_spec(WITH), {"fast": 20, "stop": 1.5})
    assert bound == parse_spec(
        PLAIN.replace("sma(close, 10)", "sma(close, 20)").replace("stop loss 5%", "stop loss 1.5%")
    )
    assert bound.params == ()


def test_bind_refuses_unknown_names_and_values_off_the_range() -> None:
    spec = parse_spec(WITH)
    with pytest.raises(ParleyError, match="no parameter 'fsat'"):
        P.bind(spec, {"fsat": 5})
    with pytest.raises(ParleyError, match="outside its range 5..20"):
        P.bind(spec, {"fast": 25})


def test_bind_with_check_refuses_a_variant_that_makes_no_sense() -> None:
    spec = parse_spec(
        'strategy "M"\nuniverse GOOG\nparam f = 12 in 10..30 step 2\n'
        "long when macd(close, f, 26, 9) > 0\n"
    )
    assert P.bind(spec, {"f": 30}).long_entry is not None
    with pytest.raises(ParleyError, match="fast period must be shorter"):
        P.bind(spec, {"f": 30}, check=True)


def test_the_read_back_names_each_parameter_its_default_range_and_use() -> None:
    text = read_back(parse_spec(WITH))
    assert "10-bar simple moving average" in text and "Stop loss 5% below" in text
    assert (
        "fast = 10 (from 5 to 20 in steps of 5; the period of sma in the long entry rule "
        "and the period of sma in the long exit rule)"
    ) in text
    assert "stop = 5% (from 1% to 6% in steps of 0.5%; the stop loss)" in text
    assert "n = 10 (from 5 to 20 in steps of 5; the size)" in text


def test_format_keeps_parameters_and_their_comments() -> None:
    out = format_text(WITH)
    assert "param slow = 30 in 20..60 step 10  # declared below its first use" in out
    assert out.splitlines()[3:7] == [
        "param fast = 10 in 5..20 step 5",
        "param stop = 5% in 1%..6% step 0.5%",
        "param slow = 30 in 20..60 step 10  # declared below its first use",
        "param n = 10 in 5..20 step 5",
    ]
    assert parse_spec(out) == parse_spec(WITH) and format_text(out) == out
    assert format_spec(parse_spec(out)) == out.replace("  # declared below its first use", "")


H = 'strategy "x"\nuniverse GOOG, NVDA\n'
BAD = [
    (
        "param f = 60 in 5..50 step 5\nlong when close > sma(close, f)",
        3,
        1,
        "the default of f (60) is outside its range 5..50",
    ),
    (
        "param f = 10 in 5..50 step 7\nlong when close > sma(close, f)",
        3,
        1,
        "the step of f (7) does not divide its range 5..50 into whole steps",
    ),
    (
        "param f = 11 in 5..50 step 5\nlong when close > sma(close, f)",
        3,
        1,
        "the default of f (11) is not on its steps from 5",
    ),
    (
        "param f = 10 in 50..5 step 5\nlong when close > sma(close, f)",
        3,
        1,
        "the range of f must go from a lower to a higher value",
    ),
    (
        "param f = 10 in 5..50 step 2.5\nlong when close > sma(close, f)",
        4,
        19,
        "the period of sma must be a whole number, so f's default, range and step",
    ),
    (
        "param f = 10 in 0..50 step 5\nlong when close > sma(close, f)",
        4,
        19,
        "the period of sma must be at least 1 and at most 10000, but f ranges over 0..50",
    ),
    (
        "param f = 10% in 5%..50% step 5%\nlong when close > sma(close, f)",
        4,
        19,
        "f is a percentage, but the period of sma is a plain number",
    ),
    (
        "param s = 2 in 1..5 step 1\nlong when close > open\nstop loss s",
        5,
        1,
        "a percent level is a percentage: write the values of s with %",
    ),
    (
        "param s = 2% in 1..5 step 1\nlong when close > open\nstop loss s",
        3,
        1,
        "write every value of s with % or none of them",
    ),
    (
        "param s = 2 in 1..5 step 1\nlong when close > open",
        3,
        1,
        "param s is declared but never used",
    ),
    ("long when close > open\nstop loss g", 4, 11, "unexpected 'g'; expected a percentage like 2%"),
    (
        "param close = 2 in 1..5 step 1\nlong when close > open",
        3,
        7,
        "a parameter cannot be called 'close': it is a price field",
    ),
    (
        "param and = 2 in 1..5 step 1\nlong when close > open",
        3,
        7,
        "a parameter cannot be called 'and': it is a word of the language",
    ),
    (
        "param f = 10 in 5..50 step 5\nparam f = 10 in 5..50 step 5\n"
        "long when close > sma(close, f)",
        4,
        1,
        "param f is declared twice (first on line 3)",
    ),
    (
        "param s = 20% in 10%..60% step 10%\nlong when close > open\nsize s of equity",
        5,
        1,
        "2 position(s) of 60% of equity (the highest s) can reach 120% of equity",
    ),
    (
        "param f = 30 in 2..30 step 2\nlong when macd(close, f, 26, 9) > 0",
        4,
        1,
        "macd's fast period must be shorter than its slow period",
    ),
    (
        "param f = 10 in 5..50 step 0.0001\nlong when close > f",
        3,
        1,
        "f has 450,001 values; use a larger step",
    ),
]


@pytest.mark.parametrize(("body", "line", "column", "fragment"), BAD, ids=[b[3][:40] for b in BAD])
def test_a_bad_parameter_is_reported_where_it_is(
    body: str, line: int, column: int, fragment: str
) -> None:
    _, diagnostics = analyse(H + body + "\n")
    found = [(d.line, d.column, d.message) for d in diagnostics]
    assert any(
        d.line == line and d.column == column and fragment in d.message for d in diagnostics
    ), found


@pytest.mark.parametrize(
    "body",
    [
        "param k = 2 in 1..3 step 0.5\nlong when close > open\nstop loss k atr(14)",
        "param p = 14 in 2..30 step 1\nlong when close > open\nstop loss 2 atr(p)",
        "param n = 5 in 1..10 step 1\nlong when close > open\nmax hold n bars\nmax positions n",
        "param t = -5 in -10..0 step 1\nlong when roc(close, 10) < t",
        "param p = 14 in 2..30 step 1\nlong when rsi(p) < 30",
        "param r = 1% in 0.5%..2% step 0.5%\nlong when close > open\nstop loss 2%\nsize risk r",
        "param c = 1000 in 500..5000 step 500\nlong when close > open\nsize $c",
        "param top = 1 in 1..1 step 1\nlong when close > open",
        "param stop = 2% in 1%..5% step 0.5%\nlong when close > open\nstop loss stop",
    ],
)
def test_parameters_go_where_numbers_go(body: str) -> None:
    spec, diagnostics = analyse(H + body + "\n")
    if "top = 1 in 1..1" in body:  # a reserved word, and an empty range
        assert spec is None
        return
    assert spec is not None, [d.message for d in diagnostics]
    assert parse_spec(format_spec(spec)) == spec
    assert P.runnable(spec).params == ()


# ----- every command runs the defaults --------------------------------------------------------


@pytest.fixture()
def pair(tmp_path):
    (tmp_path / "with.strategy").write_text(WITH)
    (tmp_path / "plain.strategy").write_text(PLAIN)
    return str(tmp_path / "with.strategy"), str(tmp_path / "plain.strategy")


def _out(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_signals_runs_the_defaults(pair, capsys) -> None:
    with_, plain = pair
    got = _out(capsys, "signals", with_)
    assert got.count("\n") > 10 and got == _out(capsys, "signals", plain)


def test_backtest_runs_the_defaults(pair, capsys) -> None:
    with_, plain = pair
    a = json.loads(_out(capsys, "backtest", with_, "--json"))
    b = json.loads(_out(capsys, "backtest", plain, "--json"))
    assert a["trades"] and a["trades"] == b["trades"] and a["metrics"] == b["metrics"]


def test_walk_forward_backtest_runs_the_defaults(pair, capsys) -> None:
    with_, plain = pair
    a = json.loads(_out(capsys, "backtest", with_, "--json", "--walk-forward", "2"))
    b = json.loads(_out(capsys, "backtest", plain, "--json", "--walk-forward", "2"))
    assert a["walk_forward"] == b["walk_forward"]


def test_run_runs_the_defaults(pair, capsys) -> None:
    trades = []
    for path in pair:
        run_id = _out(capsys, "run", path, "--quiet").split()[1]
        trades.append(
            [
                (t["symbol"], t["qty"], t["pnl"])
                for t in json.loads(_out(capsys, "status", run_id, "--json"))["trades"]
            ]
        )
    assert trades[0] and trades[0] == trades[1]


def test_check_json_shows_the_parameters_as_written(pair, capsys) -> None:
    data = json.loads(_out(capsys, "check", "--json", pair[0]))
    assert [p["name"] for p in data["params"]] == ["fast", "stop", "slow", "n"]
    assert data["params"][1] == {
        "name": "stop",
        "default": 5.0,
        "low": 1.0,
        "high": 6.0,
        "step": 0.5,
        "pct": True,
    }
    assert data["stop_loss"] == {"pct": {"kind": "param", "name": "stop"}}


def test_units_is_a_synonym_of_shares() -> None:
    """Forex and crypto traders size in units; the spec and its canonical text say shares."""
    base = 'strategy "U"\nuniverse BTC/USD\nlong when close > open\n'
    assert parse_spec(base + "size 3 units\n") == parse_spec(base + "size 3 shares\n")
    assert parse_spec(base + "size 1 unit\n").sizing.kind == "fixed_shares"
    assert "size 3 shares" in format_spec(parse_spec(base + "size 3 units\n"))
