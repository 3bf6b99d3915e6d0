"""Named universes: `universe sp500` is the bundled S&P 500 set, expanded, named, caveated."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.dsl import analyse, format_spec, parse_spec
from app.dsl.formatting import format_text
from app.spec.models import StrategySpec
from app.spec.readback import read_back

SCREEN = """\
strategy "Momentum rotation"
universe sp500  # the bundled 505
screen where close > sma(close, 200) rank by roc(close, 126) top 10
long when close > sma(close, 200)
exit when close < sma(close, 200)
size 10% of equity
"""


def _symbols() -> list[str]:
    from tests.conftest import ROOT

    return (ROOT / "app" / "data" / "sp500-symbols.txt").read_text().split()


def test_sp500_expands_to_the_505_bundled_symbols_and_keeps_its_name() -> None:
    spec = parse_spec(SCREEN)
    assert spec.universe_name == "sp500"
    assert list(spec.universe) == _symbols() and len(spec.universe) == 505
    assert parse_spec(SCREEN.replace("universe sp500", "universe SP500")) == spec


def test_the_json_lists_every_symbol_and_names_the_universe(capsys, tmp_path) -> None:
    path = tmp_path / "rot.strategy"
    path.write_text(SCREEN)
    assert main(["check", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["universe_name"] == "sp500"
    assert data["universe"] == _symbols()
    assert data["screen"]["top"] == 10
    assert StrategySpec.model_validate(data) == parse_spec(SCREEN)
    plain = json.loads(
        parse_spec('strategy "x"\nuniverse GOOG\nlong when close > open\n').model_dump_json()
    )
    assert plain["universe_name"] is None


def test_it_formats_back_as_its_name_with_comments() -> None:
    spec = parse_spec(SCREEN)
    assert format_spec(spec).splitlines()[1] == "universe sp500"
    assert "universe sp500  # the bundled 505" in format_text(SCREEN)
    assert parse_spec(format_spec(spec)) == spec


def test_the_read_back_says_which_universe_and_its_survivorship_bias() -> None:
    text = read_back(parse_spec(SCREEN))
    assert "the 505 stocks of the bundled sp500 universe" in text
    assert "Survivorship bias" in text
    assert "AAPL" not in text  # not 505 tickers in a sentence


def test_a_named_universe_without_a_screen_meets_the_exposure_cap() -> None:
    _, diagnostics = analyse(
        SCREEN.replace("screen where close > sma(close, 200) rank by roc(close, 126) top 10\n", "")
    )
    assert "505 position(s) of 10% of equity can reach 5050% of equity" in diagnostics[0].message
    assert parse_spec(
        SCREEN.replace("size 10% of equity", "size 1% of equity\nmax positions 50").replace(
            "top 10", "top 60"
        )
    )


def test_a_named_universe_must_hold_its_own_symbols() -> None:
    data = parse_spec(SCREEN).model_dump(mode="json")
    data["universe"] = data["universe"][:-1]
    from app.spec.checks import check_spec

    problems = check_spec(StrategySpec.model_validate(data))
    assert "named sp500 but lists other symbols" in problems[0].message
    data["universe_name"] = "nasdaq9000"
    problems = check_spec(StrategySpec.model_validate(data))
    assert "unknown universe 'nasdaq9000'" in problems[0].message


@pytest.mark.parametrize(
    ("line", "column"), [("universe sp500, GOOG", 10), ("universe GOOG, sp500", 16)]
)
def test_a_universe_name_among_symbols_is_an_error(line: str, column: int) -> None:
    _, diagnostics = analyse(f'strategy "x"\n{line}\nlong when close > open\n')
    assert [(d.line, d.column) for d in diagnostics] == [(2, column)]
    assert (
        "sp500 is a named universe: write `universe sp500` on its own line"
        in diagnostics[0].message
    )
