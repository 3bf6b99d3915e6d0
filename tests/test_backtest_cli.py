"""`parley backtest` from the shell: reports, walk-forward, and clear errors for bad input."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.backtest import NoDataError, run_backtest
from app.cli import main
from app.dsl import parse_spec
from tests.conftest import DATA, STRATEGIES

SMA = str(STRATEGIES / "sma_crossover.strategy")
GOOG = str(DATA / "GOOG.csv")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["backtest", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _spec_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "t.strategy"
    path.write_text(f'strategy "t"\nuniverse GOOG\ntimeframe 1d\n{body}\n', encoding="utf-8")
    return str(path)


def test_json_has_trades_equity_metrics_and_no_nan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, SMA, "--data", GOOG, "--json", "--from", "2008-01-01")
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    data = json.loads(out)  # strict JSON: NaN would not parse back the same
    assert data["start"] >= "2008-01-01" and data["equity"][0]["equity"] == 10_000
    assert {"sharpe", "max_drawdown_pct", "win_rate_pct"} <= set(data["metrics"])
    assert data["buy_and_hold"]["final_equity"] > 0
    assert all(t["entry_time"] >= "2008-01-01" for t in data["trades"])
    assert "NaN" not in out


def test_html_report_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.html"
    code, out, _ = _run(capsys, SMA, "--data", GOOG, "--html", str(report))
    assert code == 0 and "wrote the HTML report" in out
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == 2
    for svg in svgs:
        ET.fromstring(svg)  # well-formed inline SVG
    assert "17,739.40" in html


def test_walk_forward_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, SMA, "--data", GOOG, "--walk-forward", "3", "--json")
    assert code == 0
    folds = json.loads(out)["walk_forward"]
    assert [f["fold"] for f in folds] == [1, 2, 3]
    assert folds[0]["in_sample"] is None and folds[1]["in_sample"] is not None
    assert folds[0]["end"] < folds[1]["start"]
    _, out, _ = _run(capsys, SMA, "--data", GOOG, "--walk-forward", "3")
    assert "Walk-forward" in out and "return OOS" in out


def test_costs_change_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(
        capsys, SMA, "--data", GOOG, "--json", "--commission", "1", "--slippage", "0.05%"
    )
    data = json.loads(out)
    assert data["settings"] == {
        "commission": "$1 per order",
        "slippage": "0.05%",
        "gates": ["rules"],
    }
    assert data["metrics"]["final_equity"] < 17_739.40


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--from", "2020-01-01"], "GOOG: no bars from 2020-01-01 to the end"),
        (["--from", "2010-01-01", "--to", "2009-01-01"], "the date range is empty"),
        (["--to", "yesterday-ish"], "--to 'yesterday-ish' is not a date"),
        (["--commission", "cheap"], "cannot read the commission 'cheap'"),
        (["--cash", "lots"], "--cash 'lots' is not an amount"),
        (["--walk-forward", "1"], "at least 2 folds"),
        (["--cash", "1e308"], "--cash 1e308 is more than Parley computes with"),
        (["--cash", "nan"], "--cash must be above zero, not nan"),
        (["--commission", "150%"], "a commission of 150% of each order's value is more than"),
        (["--slippage", "11%"], "a slippage of 11%"),
        (["--html", "/nonexistent-folder/x.html"], "the folder /nonexistent-folder does not exist"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, _, err = _run(capsys, SMA, "--data", GOOG, *argv)
    assert code == 1 and needle in err and "Traceback" not in err


def test_negative_trade_counts_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["backtest", SMA, "--trades", "-1"])
    assert "--trades: must be 0 or more, not -1" in capsys.readouterr().err


def test_a_bad_report_path_costs_no_backtest(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app.backtest as backtest

    def never(*a, **k):
        raise AssertionError("the backtest ran before the path was checked")

    monkeypatch.setattr(backtest, "run_backtest", never)
    code, _, err = _run(capsys, SMA, "--html", str(tmp_path))
    assert code == 1 and "that is a folder" in err


def test_large_cash_keeps_the_columns_apart(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, SMA, "--data", GOOG, "--cash", "123456789012.5")
    [line] = [x for x in out.splitlines() if x.startswith("Final equity")]
    assert code == 0 and len(line.split()) == 4  # 'Final', 'equity', ours, theirs


def test_a_spec_with_questions_backtests_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _spec_file(
        tmp_path,
        "long when close > sma(close, 30)\n"
        "exit when close < sma(close, 30)\nsize 10 shares\n"
        'question "Which stop should it use?"',
    )
    code, out, err = _run(capsys, path, "--data", GOOG)
    assert code == 0 and "Total return" in out
    assert "the spec still asks 1 question(s)" in err and "  - Which stop should it use?" in err


def test_universe_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "z.strategy"
    path.write_text(SMA_TEXT.replace("universe GOOG", "universe ZZZZ"), encoding="utf-8")
    code, _, err = _run(capsys, str(path), "--data", GOOG)
    assert code == 1 and "No data for ZZZZ" in err
    with pytest.raises(NoDataError, match="no data for the universe"):
        run_backtest(parse_spec(SMA_TEXT), {})


SMA_TEXT = Path(SMA).read_text(encoding="utf-8")


def test_rule_needing_more_history_than_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec_file(
        tmp_path,
        "long when sma(close, 50) crosses above sma(close, 200)\n"
        "exit when close < sma(close, 50)\nsize 10 shares",
    )
    code, _, err = _run(capsys, spec, "--data", GOOG, "--to", "2005-01-31")
    assert code == 1
    assert "GOOG: the long entry rule" in err and "needs 201 bars" in err
    assert "(sma(close, 200))" in err and "only 114 bar(s)" in err
    assert GOOG in err


def test_atr_stop_needing_more_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec_file(tmp_path, "long when close > open\nstop loss 2 atr(500)")
    code, _, err = _run(capsys, spec, "--data", GOOG, "--to", "2005-06-30")
    assert code == 1 and "the stop loss uses atr(500)" in err


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from app.cli.backtest_commands import _progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert _progress_bar(io.StringIO()) is None
    screen = Terminal()
    show = _progress_bar(screen)
    assert show is not None
    show(0.5)
    assert "50%" in screen.getvalue()
    show(1.0)
    assert screen.getvalue().endswith("\r")  # the bar is wiped when done


class _Terminal:
    """A stderr that says it is a terminal, keeping what was written."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return self.buffer.getvalue()


def test_walk_forward_progress_counts_each_folds_backtests() -> None:
    from app.backtest.walk_forward import walk_forward
    from app.market.loader import load_bars

    seen: list[float] = []
    frames = load_bars(GOOG)
    folds = walk_forward(parse_spec(open(SMA).read()), frames, 3, progress=seen.append)
    assert len(folds) == 3
    assert seen == [1 / 5, 2 / 5, 3 / 5, 4 / 5, 1.0]  # fold 1 out; 2 out, in; 3 out, in


def test_walk_forward_and_regime_show_progress_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    assert main(["backtest", SMA, "--data", GOOG, "--walk-forward", "3", "--json"]) == 0
    shown = screen.getvalue()
    assert "walk-forward [" in shown and "100%" in shown and "backtesting [" in shown
    assert shown.endswith("\r")  # wiped when done
    json.loads(capsys.readouterr().out)  # stdout stays the report alone
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    assert (
        main(["regime", "--data", str(DATA), "--symbol", "GOOG", "--symbol", "EURUSD", "--json"])
        == 0
    )
    assert "regimes [" in screen.getvalue() and " 50%" in screen.getvalue()
    assert json.loads(capsys.readouterr().out)
    monkeypatch.undo()
    assert (
        main(["regime", "--data", str(DATA), "--symbol", "GOOG", "--symbol", "EURUSD", "--json"])
        == 0
    )
    assert capsys.readouterr().err == ""  # a pipe: quiet
